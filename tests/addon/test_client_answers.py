"""How each server answer is sorted: delivered, retry, rejected or unauthorized."""

import json
import ssl

import pytest
from delivery_doubles import FakeTransport, SaveTrailStub, api_error, make_report

from savetrail import client, messages
from savetrail.client import (
    Answer,
    Outcome,
    Problem,
    TransportError,
    certificate_problem,
    classify,
    parse_retry_after,
    parse_server_url,
    post_batch,
    post_report,
    proxy_for,
)

NOW = 1_773_165_600.0  # 2026-03-10T18:00:00Z


def answer(status, body=None, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
    return Answer(
        status, {name.replace("_", "-"): v for name, v in headers.items()}, data
    )


def test_created_report_is_delivered():
    report = make_report()
    stub = SaveTrailStub()

    delivery = post_report(FakeTransport(stub), "st_key", report, now=NOW)

    assert delivery.outcome is Outcome.DELIVERED
    assert delivery.status == 201
    assert stub.calls == [(client.SAVES_PATH, report)]


def test_repeat_of_a_stored_report_is_delivered():
    report = make_report()
    stub = SaveTrailStub()
    post_report(FakeTransport(stub), "st_key", report, now=NOW)

    delivery = post_report(FakeTransport(stub), "st_key", report, now=NOW)

    assert (delivery.outcome, delivery.status) == (Outcome.DELIVERED, 200)


def test_2xx_without_our_record_is_not_taken_as_delivery():
    report = make_report()
    stub = SaveTrailStub((200, {}, {"hello": "a web page that takes any POST"}))

    delivery = post_report(FakeTransport(stub), "st_key", report, now=NOW)

    assert delivery.outcome is Outcome.RETRY
    assert delivery.problem.text() == "The server's answer is not understood (HTTP 200)"


def test_request_carries_the_key_and_json():
    report = make_report()
    seen = []

    class Recorder:
        def post(self, path, body, headers):
            seen.append((path, json.loads(body), headers))
            return answer(201, report)

        def abort(self):
            pass

    post_report(Recorder(), "  st_abcdefgh_secret\n", report, now=NOW)

    assert seen == [
        (
            "/api/v1/saves/",
            report,
            {
                "Authorization": "Bearer st_abcdefgh_secret",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "SaveTrail",
            },
        )
    ]


def test_key_with_impossible_characters_keeps_the_report_and_says_so():
    delivery = post_report(
        FakeTransport(SaveTrailStub()), "st_ключ", make_report(), now=NOW
    )

    assert delivery.outcome is Outcome.UNAUTHORIZED
    assert delivery.problem.text() == (
        "The API key contains characters a key cannot have: "
        "paste it again in the preferences"
    )


def test_400_is_rejected_with_the_servers_reason():
    fields = {
        "saved_at": [{"code": "invalid", "detail": "An offset or Z is required."}]
    }
    reply = api_error(400, "invalid", "The report is not valid.", fields)

    delivery = post_report(
        FakeTransport(SaveTrailStub(reply)), "k", make_report(), now=NOW
    )

    assert delivery.outcome is Outcome.REJECTED
    assert delivery.reason == (
        "The report is not valid. saved_at: An offset or Z is required."
    )
    assert delivery.problem.text() == (
        "Rejected by the server: "
        "The report is not valid. saved_at: An offset or Z is required."
    )


def test_409_conflict_is_rejected():
    report = make_report()
    stub = SaveTrailStub()
    post_report(FakeTransport(stub), "k", report, now=NOW)

    changed = {**report, "file_path": "/other.blend"}
    delivery = post_report(FakeTransport(stub), "k", changed, now=NOW)

    assert (delivery.outcome, delivery.status) == (Outcome.REJECTED, 409)
    assert delivery.reason == "This event_id was stored with other content."


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"username": ["May not be blank."]}, "username: May not be blank."),
        ({"a": {"b": [{"detail": "Bad."}]}}, "a.b: Bad."),
        ({"a": [{"code": "x", "detail": "One."}, "Two."]}, "a: One. a: Two."),
        ("Plain.", "Plain."),
    ],
)  # fmt: skip
def test_field_errors_of_any_shape_become_one_reason(fields, reason):
    delivery = classify(answer(400, {"code": "invalid", "fields": fields}), now=NOW)

    assert delivery.reason == reason


def test_error_with_only_a_code_is_named_by_its_status():
    delivery = classify(answer(413, {"code": "payload_too_large"}), now=NOW)

    assert delivery.outcome is Outcome.REJECTED
    assert delivery.reason == "HTTP 413 Request Entity Too Large"


def test_401_keeps_the_report_and_names_the_key():
    delivery = classify(answer(401, {"code": "revoked_key", "detail": "x"}), now=NOW)

    assert delivery.outcome is Outcome.UNAUTHORIZED
    assert delivery.problem.text() == (
        "The API key is wrong or revoked: set a new key in the preferences"
    )


def test_403_keeps_the_report_because_the_key_lacks_the_right():
    delivery = classify(answer(403, {"code": "permission_denied"}), now=NOW)

    assert delivery.outcome is Outcome.UNAUTHORIZED
    assert delivery.problem.text() == (
        "The API key may not send reports: ask for a key that may"
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (500, "Server error (HTTP 500)"),
        (502, "Server error (HTTP 502)"),
        (503, "The server is busy (HTTP 503)"),
        (429, "The server is busy (HTTP 429)"),
        (408, "Server error (HTTP 408)"),
    ],
)
def test_server_trouble_is_retried(status, message):
    delivery = classify(answer(status, {"code": "x", "detail": "y"}), now=NOW)

    assert delivery.outcome is Outcome.RETRY
    assert delivery.problem.text() == message


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"code": "not_found", "detail": "x"}),
        (405, {"code": "method_not_allowed", "detail": "x"}),
        (415, {"code": "unsupported_media_type", "detail": "x"}),
        (403, b"<title>403 Forbidden</title>"),  # Django's CSRF page: not the API
    ],
)
def test_wrong_address_keeps_the_report(status, body):
    delivery = classify(answer(status, body), now=NOW)

    assert delivery.outcome is Outcome.RETRY
    assert delivery.problem.text() == (
        f"This address does not answer like a SaveTrail server (HTTP {status}): "
        "check the server URL"
    )


def test_400_that_is_not_savetrails_json_keeps_the_report():
    html = b"<h1>Bad Request (400)</h1>"  # Django's DisallowedHost, or a TLS port

    delivery = classify(answer(400, html), now=NOW)

    assert delivery.outcome is Outcome.RETRY
    assert delivery.status == 400


def test_redirect_names_the_new_address():
    redirect = answer(308, b"", location="https://reports.example/api/v1/saves/")

    delivery = classify(redirect, now=NOW)

    assert delivery.outcome is Outcome.RETRY
    assert delivery.problem.text() == (
        "The server redirects to https://reports.example/api/v1/saves/: "
        "use that address in the preferences"
    )


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("Tue, 10 Mar 2026 18:00:30 GMT", 30.0),
        ("Tue, 10 Mar 2026 17:00:00 GMT", 0.0),
        ("999999", 3600.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(value, seconds):
    assert parse_retry_after(value, now=NOW) == seconds


def test_429_carries_retry_after():
    delivery = classify(answer(429, {"code": "throttled"}, retry_after="7"), now=NOW)

    assert (delivery.outcome, delivery.retry_after) == (Outcome.RETRY, 7.0)


def test_transport_failure_is_retried_with_its_problem():
    dropped = TransportError(Problem(messages.CONNECTION_DROPPED))

    delivery = post_report(
        FakeTransport(SaveTrailStub(dropped)), "k", make_report(), now=NOW
    )

    assert delivery.outcome is Outcome.RETRY
    assert delivery.problem.text() == "Connection dropped before the server answered"


def test_batch_sorts_each_report():
    stored, fresh, changed, invalid = (make_report() for _ in range(4))
    stub = SaveTrailStub()
    stub.store(stored)
    stub.store(changed)
    changed = {**changed, "username": "bob"}
    fields = {"saved_at": [{"code": "invalid", "detail": "An offset is required."}]}
    stub.batch_item = lambda report: (
        {"event_id": report["event_id"], "status": "invalid", "errors": fields}
        if report["event_id"] == invalid["event_id"]
        else SaveTrailStub.batch_item(stub, report)
    )

    batch = post_batch(
        FakeTransport(stub), "k", [stored, fresh, changed, invalid], now=NOW
    )

    assert batch.delivery.outcome is Outcome.DELIVERED
    assert [(item.event_id, item.outcome, item.reason) for item in batch.items] == [
        (stored["event_id"], Outcome.DELIVERED, ""),
        (fresh["event_id"], Outcome.DELIVERED, ""),
        (changed["event_id"], Outcome.REJECTED, messages.CONFLICT),
        (invalid["event_id"], Outcome.REJECTED, "saved_at: An offset is required."),
    ]
    assert stub.calls[0][0] == "/api/v1/saves/batch/"


def test_batch_refused_as_a_whole_falls_back_to_single_reports():
    reply = api_error(400, "invalid", "Too many reports.")

    batch = post_batch(
        FakeTransport(SaveTrailStub(reply)), "k", [make_report()], now=NOW
    )

    assert batch.fall_back


@pytest.mark.parametrize("status", [404, 405])
def test_server_without_batches_falls_back_to_single_reports(status):
    reply = api_error(status, "not_found", "Not found.")

    batch = post_batch(
        FakeTransport(SaveTrailStub(reply)), "k", [make_report()], now=NOW
    )

    assert batch.fall_back


def test_batch_hitting_server_trouble_is_retried_not_split():
    reply = api_error(503, "database_unavailable", "Try later.")

    batch = post_batch(
        FakeTransport(SaveTrailStub(reply)), "k", [make_report()], now=NOW
    )

    assert (batch.delivery.outcome, batch.fall_back) == (Outcome.RETRY, False)


def test_batch_answer_without_results_is_retried():
    batch = post_batch(
        FakeTransport(SaveTrailStub((200, {}, {"ok": True}))),
        "k",
        [make_report()],
        now=NOW,
    )

    assert batch.delivery.outcome is Outcome.RETRY
    assert batch.items == ()


@pytest.mark.parametrize(
    ("url", "origin", "base_path"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000", ""),
        (" https://reports.studio/ ", "https://reports.studio:443", ""),
        ("https://studio/savetrail/api/v1/saves/", "https://studio:443", "/savetrail"),
        ("http://[::1]:8000/api/v1", "http://[::1]:8000", ""),
        ("https://studio/admin/", "https://studio:443", ""),
    ],
)
def test_server_url_is_parsed(url, origin, base_path):
    address = parse_server_url(url)

    assert (address.origin, address.base_path) == (origin, base_path)


@pytest.mark.parametrize(
    "url", ["", "127.0.0.1:8000", "ftp://host", "http://", "http://host:99999"]
)
def test_unusable_server_url_is_refused(url):
    with pytest.raises(TransportError) as raised:
        parse_server_url(url)

    assert str(raised.value) == (
        "The server URL must start with http:// or https://: "
        "check it in the preferences"
    )


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "app.localhost"]
)
def test_loopback_is_never_proxied(host):
    proxies = {"http": "http://proxy:3128", "https": "http://proxy:3128"}

    assert proxy_for("https", host, proxies) is None


def test_other_hosts_use_the_proxy_of_their_scheme():
    proxies = {"http": "http://proxy:3128", "https": "http://secure-proxy:3128"}

    assert proxy_for("http", "reports.studio", proxies) == "http://proxy:3128"
    assert proxy_for("https", "reports.studio", proxies) == "http://secure-proxy:3128"


@pytest.mark.parametrize(
    "no_proxy", ["reports.studio", ".studio", "studio", "other, reports.studio", "*"]
)
def test_no_proxy_hosts_are_direct(no_proxy):
    proxies = {"https": "http://proxy:3128", "no": no_proxy}

    assert proxy_for("https", "reports.studio", proxies) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (18, messages.CERT_UNTRUSTED),
        (19, messages.CERT_UNTRUSTED),
        (20, messages.CERT_UNTRUSTED),
        (10, "The server's certificate has expired or is not valid yet"),
        (62, "The server's certificate is not valid for reports.studio"),
        (
            26,
            "The server's certificate was refused: unsupported certificate purpose",
        ),
    ],
)
def test_certificate_problems_are_named(code, message):
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_code = code
    error.verify_message = "unsupported certificate purpose"

    assert certificate_problem(error, "reports.studio").text() == message


def test_problem_text_translates_the_template_first():
    problem = Problem(messages.READ_TIMEOUT, {"seconds": "10"})
    russian = {messages.READ_TIMEOUT: "Сервер не ответил за {seconds} с"}

    assert problem.text(lambda text: russian.get(text, text)) == (
        "Сервер не ответил за 10 с"
    )
