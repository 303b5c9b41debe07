"""DeliveryWorker: one pass at a time with a fake transport and an injected clock."""

import dataclasses
import logging
import queue
import threading

import pytest
from delivery_doubles import DROP, FakeTransport, SaveTrailStub, api_error, make_report

from savetrail import client, messages, worker
from savetrail.client import Problem, TransportError
from savetrail.worker import DeliverySettings, DeliveryWorker, State, StatusEvent

NOW = 1_773_165_600.0
SETTINGS = DeliverySettings(server_url="http://savetrail.test", api_key="st_key")


def make_worker(outbox, transport, *, random=lambda: 0.25, translate=None, **changes):
    options = {"translate": translate} if translate else {}
    return DeliveryWorker(
        outbox,
        dataclasses.replace(SETTINGS, **changes),
        transport_factory=lambda _settings: transport,
        random=random,
        wall_clock=lambda: NOW,
        **options,
    )


def drain(delivery_worker):
    events = []
    while True:
        try:
            events.append(delivery_worker.events.get_nowait())
        except queue.Empty:
            return events


def unreachable():
    return TransportError(Problem(messages.SERVER_UNREACHABLE))


def test_pending_report_is_sent_and_removed(outbox):
    report = make_report()
    outbox.append(report)
    stub = SaveTrailStub()
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    assert delivery_worker.run_once(now=0.0) is None

    assert stub.records[report["event_id"]]["file_path"] == report["file_path"]
    assert outbox.pending() == []
    assert drain(delivery_worker) == [
        StatusEvent(State.SENT, "Sent", pending=0, rejected=0, sent=1)
    ]


def test_empty_outbox_sends_nothing(outbox):
    stub = SaveTrailStub()
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    assert delivery_worker.run_once(now=0.0) is None

    assert stub.calls == []
    assert drain(delivery_worker) == [StatusEvent(State.IDLE, "", 0, 0)]


def test_online_access_off_sends_nothing_until_allowed(outbox):
    """Field case B11."""
    outbox.append(make_report())
    stub = SaveTrailStub()
    delivery_worker = make_worker(outbox, FakeTransport(stub), online_allowed=False)

    assert delivery_worker.run_once(now=0.0) is None
    delivery_worker.wake()
    assert delivery_worker.run_once(now=1.0) is None

    assert stub.calls == []
    assert drain(delivery_worker) == [
        StatusEvent(
            State.OFFLINE,
            "Online access is off: allow it in Preferences > System > Network",
            pending=1,
            rejected=0,
        )
    ]

    delivery_worker.update_settings(SETTINGS)
    delivery_worker.run_once(now=2.0)

    assert len(stub.records) == 1
    assert drain(delivery_worker)[-1].message == "Sent"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"server_url": ""}, "Set the server URL and the API key in the preferences"),
        ({"api_key": " "}, "Set the server URL and the API key in the preferences"),
        (
            {"server_url": "savetrail.studio:8000"},
            "The server URL must start with http:// or https://: "
            "check it in the preferences",
        ),
    ],
)
def test_missing_settings_send_nothing_and_say_what_to_set(outbox, changes, message):
    outbox.append(make_report())
    stub = SaveTrailStub()
    delivery_worker = make_worker(outbox, FakeTransport(stub), **changes)

    assert delivery_worker.run_once(now=0.0) is None

    assert stub.calls == []
    assert drain(delivery_worker) == [
        StatusEvent(State.NOT_CONFIGURED, message, pending=1, rejected=0)
    ]


def test_500_then_503_retry_after_then_201_is_delivered_once(outbox):
    """Field case B12: back-off with full jitter, Retry-After honoured, one row."""
    report = make_report()
    outbox.append(report)
    busy = (503, {"Retry-After": "2"}, {"code": "database_unavailable", "detail": "?"})
    stub = SaveTrailStub(api_error(500, "server_error", "Boom."), busy)
    delivery_worker = make_worker(outbox, FakeTransport(stub), random=lambda: 0.25)

    assert delivery_worker.run_once(now=0.0) == 1.0  # max(1 s floor, 0.25 * 2 s)
    assert delivery_worker.run_once(now=0.5) == 0.5  # not due yet: nothing sent
    assert len(stub.calls) == 1
    assert delivery_worker.run_once(now=1.0) == 2.0  # Retry-After beats 0.25 * 4 s
    assert delivery_worker.run_once(now=3.0) is None

    assert [payload["event_id"] for _, payload in stub.calls] == [
        report["event_id"]
    ] * 3
    assert list(stub.records) == [report["event_id"]]
    assert outbox.pending() == []
    assert [(event.state, event.message) for event in drain(delivery_worker)] == [
        (State.RETRYING, "Server error (HTTP 500), will retry in 1 s"),
        (State.RETRYING, "The server is busy (HTTP 503), will retry in 2 s"),
        (State.SENT, "Sent"),
    ]


def test_back_off_doubles_up_to_five_minutes(outbox):
    outbox.append(make_report())
    stub = SaveTrailStub(*[unreachable()] * 10)
    delivery_worker = make_worker(outbox, FakeTransport(stub), random=lambda: 1.0)

    delays, now = [], 0.0
    for _ in range(10):
        delays.append(delivery_worker.run_once(now=now))
        now += delays[-1]

    assert delays == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert drain(delivery_worker)[-1].message == (
        "Server unreachable, will retry in 300 s"
    )


def test_back_off_never_retries_in_a_tight_loop(outbox):
    outbox.append(make_report())
    stub = SaveTrailStub(unreachable())
    delivery_worker = make_worker(outbox, FakeTransport(stub), random=lambda: 0.0)

    assert delivery_worker.run_once(now=0.0) == worker.MIN_DELAY == 1.0


def test_wake_sends_at_once_despite_back_off(outbox):
    outbox.append(make_report())
    stub = SaveTrailStub(unreachable(), unreachable())
    delivery_worker = make_worker(outbox, FakeTransport(stub), random=lambda: 1.0)
    delivery_worker.run_once(now=0.0)
    delivery_worker.run_once(now=2.0)  # back-off is now 4 s

    delivery_worker.wake()
    assert delivery_worker.run_once(now=2.5) is None

    assert len(stub.calls) == 3
    assert outbox.pending() == []


def test_wake_does_not_override_the_servers_retry_after(outbox):
    outbox.append(make_report())
    throttled = (429, {"Retry-After": "60"}, {"code": "throttled", "detail": "Slow."})
    stub = SaveTrailStub(throttled)
    delivery_worker = make_worker(outbox, FakeTransport(stub))
    assert delivery_worker.run_once(now=0.0) == 60.0

    delivery_worker.wake()

    assert delivery_worker.run_once(now=1.0) == 59.0
    assert len(stub.calls) == 1


def test_400_sets_the_report_aside_and_never_retries_it(outbox):
    """Field case B13."""
    report = make_report()
    outbox.append(report)
    fields = {"saved_at": [{"code": "invalid", "detail": "An offset is required."}]}
    stub = SaveTrailStub(api_error(400, "invalid", "Invalid report.", fields))
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    assert delivery_worker.run_once(now=0.0) is None
    delivery_worker.wake()
    delivery_worker.run_once(now=1.0)

    assert len(stub.calls) == 1
    (rejected,) = outbox.rejected()
    assert rejected.report == report
    assert rejected.reason == "Invalid report. saved_at: An offset is required."
    assert drain(delivery_worker) == [
        StatusEvent(
            State.REJECTED,
            "Rejected by the server: Invalid report. saved_at: An offset is required.",
            pending=0,
            rejected=1,
        ),
        StatusEvent(State.IDLE, "", pending=0, rejected=1),
    ]


def test_dropped_connection_after_storing_is_retried_with_the_same_event(outbox):
    """Field case B14 with a fake transport (see test_worker_network for sockets)."""
    report = make_report()
    outbox.append(report)
    stub = SaveTrailStub(DROP)
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    assert delivery_worker.run_once(now=0.0) == 1.0
    assert delivery_worker.run_once(now=1.0) is None

    assert [payload for _, payload in stub.calls] == [report, report]
    assert list(stub.records) == [report["event_id"]]
    assert outbox.pending() == []


def test_401_keeps_reports_until_a_new_key_is_set(outbox):
    outbox.append(make_report())
    stub = SaveTrailStub(api_error(401, "revoked_key", "This API key was revoked."))
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    retry_in = delivery_worker.run_once(now=0.0)

    assert retry_in == 1.0
    assert outbox.counts().pending == 1
    assert drain(delivery_worker) == [
        StatusEvent(
            State.UNAUTHORIZED,
            "The API key is wrong or revoked: set a new key in the preferences",
            pending=1,
            rejected=0,
            retry_in=1.0,
        )
    ]

    delivery_worker.update_settings(dataclasses.replace(SETTINGS, api_key="st_new"))
    assert delivery_worker.run_once(now=0.1) is None

    assert outbox.counts().pending == 0


def test_many_pending_reports_go_in_one_batch(outbox):
    reports = [make_report() for _ in range(8)]
    for report in reports:
        outbox.append(report)
    stub = SaveTrailStub()
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    assert delivery_worker.run_once(now=0.0) is None

    assert [path for path, _ in stub.calls] == [client.BATCH_PATH]
    assert stub.calls[0][1] == {"reports": reports}
    assert outbox.counts().pending == 0
    assert drain(delivery_worker) == [
        StatusEvent(State.SENT, "Reports sent: 8", pending=0, rejected=0, sent=8)
    ]


def test_few_pending_reports_go_one_by_one(outbox):
    for _ in range(worker.BATCH_THRESHOLD):
        outbox.append(make_report())
    stub = SaveTrailStub()
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    delivery_worker.run_once(now=0.0)

    assert [path for path, _ in stub.calls] == [client.SAVES_PATH] * 5


def test_batch_with_a_bad_report_delivers_the_others(outbox):
    reports = [make_report() for _ in range(7)]
    for report in reports:
        outbox.append(report)
    stub = SaveTrailStub()
    bad = reports[3]["event_id"]
    fields = {"username": [{"code": "null_character", "detail": "No NUL, please."}]}
    stub.batch_item = lambda report: (
        {"event_id": bad, "status": "invalid", "errors": fields}
        if report["event_id"] == bad
        else SaveTrailStub.batch_item(stub, report)
    )
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    delivery_worker.run_once(now=0.0)

    assert len(stub.records) == 6
    assert [(r.event_id, r.reason) for r in outbox.rejected()] == [
        (bad, "username: No NUL, please.")
    ]
    assert drain(delivery_worker)[-1].message == (
        "Rejected by the server: username: No NUL, please."
    )


def test_server_without_batches_gets_single_reports(outbox):
    reports = [make_report() for _ in range(7)]
    for report in reports:
        outbox.append(report)
    stub = SaveTrailStub(api_error(404, "not_found", "Not found."))
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    delivery_worker.run_once(now=0.0)
    for _ in range(6):
        outbox.append(make_report())
    delivery_worker.wake()
    delivery_worker.run_once(now=1.0)

    paths = [path for path, _ in stub.calls]
    assert paths == [client.BATCH_PATH] + [client.SAVES_PATH] * 13
    assert len(stub.records) == 13


def test_batch_too_large_is_split(outbox, monkeypatch):
    monkeypatch.setattr(worker, "BATCH_LIMIT", 40)
    for _ in range(40):
        outbox.append(make_report())
    too_large = api_error(413, "payload_too_large", "Too large.")
    stub = SaveTrailStub(too_large)
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    delivery_worker.run_once(now=0.0)

    sizes = [len(payload.get("reports", [None])) for _, payload in stub.calls]
    assert sizes == [40, 20, 20]
    assert len(stub.records) == 40


def test_reports_saved_during_a_pass_are_sent_right_after(outbox):
    first, second = make_report(), make_report()
    outbox.append(first)
    stub = SaveTrailStub()
    transport = FakeTransport(stub)
    original_post = transport.post

    def post_and_save_again(path, body, headers):
        if not stub.calls:
            outbox.append(second)
        return original_post(path, body, headers)

    transport.post = post_and_save_again
    delivery_worker = make_worker(outbox, transport)

    assert delivery_worker.run_once(now=0.0) == 0.0
    assert delivery_worker.run_once(now=0.0) is None

    assert list(stub.records) == [first["event_id"], second["event_id"]]


def test_corrupt_entry_does_not_stop_delivery(outbox):
    good = make_report()
    outbox.append(good)
    truncated = f"00000000000000000000-{make_report()['event_id']}.json"
    (outbox.folder / "pending" / truncated).write_text("{")
    stub = SaveTrailStub()
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    delivery_worker.run_once(now=0.0)

    assert list(stub.records) == [good["event_id"]]
    assert outbox.counts().corrupt == 1


def test_another_session_sending_makes_this_one_wait(outbox, tmp_path):
    outbox.append(make_report())
    stub = SaveTrailStub()
    delivery_worker = make_worker(outbox, FakeTransport(stub))

    with type(outbox)(outbox.folder).delivery_lock() as held:
        assert held
        assert delivery_worker.run_once(now=0.0) == worker.OTHER_SESSION_DELAY

    assert stub.calls == []
    assert drain(delivery_worker) == [
        StatusEvent(
            State.WAITING,
            "Another Blender session is sending the reports",
            pending=1,
            rejected=0,
            retry_in=10.0,
        )
    ]


def test_messages_go_through_the_translate_hook(outbox):
    outbox.append(make_report())
    russian = {
        messages.RETRY_IN: "{problem}, повтор через {seconds} с",
        messages.SERVER_UNREACHABLE: "Сервер недоступен",
    }
    stub = SaveTrailStub(unreachable())
    delivery_worker = make_worker(
        outbox, FakeTransport(stub), translate=lambda text: russian.get(text, text)
    )

    delivery_worker.run_once(now=0.0)

    assert delivery_worker.status.message == "Сервер недоступен, повтор через 1 с"


def test_a_translation_with_a_wrong_field_falls_back_to_english(outbox):
    outbox.append(make_report())
    broken = {messages.RETRY_IN: "{проблема}, повтор через {seconds} с"}
    stub = SaveTrailStub(unreachable())
    delivery_worker = make_worker(
        outbox, FakeTransport(stub), translate=lambda text: broken.get(text, text)
    )

    delivery_worker.run_once(now=0.0)

    assert delivery_worker.status.message == "Server unreachable, will retry in 1 s"


def test_every_message_is_in_the_catalogue():
    constants = [
        value
        for name, value in vars(messages).items()
        if name.isupper() and isinstance(value, str)
    ]

    assert sorted(constants) == sorted(messages.ALL)


def test_events_nobody_reads_keep_only_the_newest(outbox):
    delivery_worker = make_worker(outbox, FakeTransport(SaveTrailStub()))
    for index in range(worker.EVENT_QUEUE_SIZE + 5):
        online = index % 2 == 0
        delivery_worker.update_settings(
            dataclasses.replace(SETTINGS, online_allowed=online, server_url="")
        )
        delivery_worker.run_once(now=float(index))

    events = drain(delivery_worker)

    assert len(events) == worker.EVENT_QUEUE_SIZE
    assert events[-1].state == State.NOT_CONFIGURED  # the last index is even
    assert events[-2].state == State.OFFLINE


def test_run_once_after_stop_sends_nothing(outbox):
    outbox.append(make_report())
    stub = SaveTrailStub()
    transport = FakeTransport(stub)
    delivery_worker = make_worker(outbox, transport)

    assert delivery_worker.stop() is True
    assert delivery_worker.run_once(now=0.0) is None

    assert stub.calls == []


def test_thread_delivers_after_wake_and_stops_quickly(outbox):
    stub = SaveTrailStub()
    delivery_worker = DeliveryWorker(
        outbox, SETTINGS, transport_factory=lambda _settings: FakeTransport(stub)
    )
    delivery_worker.start()
    assert delivery_worker.events.get(timeout=5).state == State.IDLE

    report = make_report()
    outbox.append(report)
    delivery_worker.wake()

    assert delivery_worker.events.get(timeout=5).message == "Sent"
    assert list(stub.records) == [report["event_id"]]
    assert delivery_worker.stop(timeout=1.0) is True


def test_thread_survives_a_fault_and_goes_on_after_wake(outbox, caplog):
    outbox.append(make_report())
    stub = SaveTrailStub()
    transport = FakeTransport(stub)
    faulted = threading.Event()
    original_post = transport.post

    def faulty_post(path, body, headers):
        if not faulted.is_set():
            faulted.set()
            raise RuntimeError("a bug")
        return original_post(path, body, headers)

    transport.post = faulty_post
    delivery_worker = DeliveryWorker(
        outbox, SETTINGS, transport_factory=lambda _settings: transport
    )
    caplog.set_level(logging.ERROR, logger="savetrail.worker")
    delivery_worker.start()
    assert faulted.wait(timeout=5)

    delivery_worker.wake()
    assert delivery_worker.events.get(timeout=5).message == "Sent"

    assert delivery_worker.stop() is True
    assert "SaveTrail delivery failed" in caplog.text
    assert "RuntimeError: a bug" in caplog.text


def test_back_off_starts_afresh_after_the_server_answered(outbox):
    first, second = make_report(), make_report()
    outbox.append(first)
    outbox.append(second)
    created = (201, {}, {**first, "id": 1})
    stub = SaveTrailStub(unreachable(), unreachable(), created, unreachable())
    delivery_worker = make_worker(outbox, FakeTransport(stub), random=lambda: 1.0)
    assert delivery_worker.run_once(now=0.0) == 2.0
    assert delivery_worker.run_once(now=2.0) == 4.0

    assert delivery_worker.run_once(now=6.0) == 2.0  # first sent, then second failed

    assert outbox.pending() == [second]


def test_new_server_url_forgets_the_old_servers_retry_after(outbox):
    outbox.append(make_report())
    throttled = (429, {"Retry-After": "600"}, {"code": "throttled", "detail": "Slow."})
    stub = SaveTrailStub(throttled)
    delivery_worker = make_worker(outbox, FakeTransport(stub))
    assert delivery_worker.run_once(now=0.0) == 600.0

    delivery_worker.update_settings(
        dataclasses.replace(SETTINGS, server_url="http://other.test")
    )

    assert delivery_worker.run_once(now=1.0) is None
    assert outbox.counts().pending == 0


def test_settings_changed_while_a_pass_opens_its_connection_break_it_off(outbox):
    """The URL changes between a pass reading its settings and connecting."""
    outbox.append(make_report())
    old = DeliverySettings(server_url="http://127.0.0.1:1", api_key="st_key")
    new = dataclasses.replace(old, server_url="http://127.0.0.1:2")
    made = []

    def factory(settings):
        delivery_worker.update_settings(new)  # lands before the transport is stored
        made.append(FakeTransport(SaveTrailStub()))
        return made[-1]

    delivery_worker = DeliveryWorker(outbox, old, transport_factory=factory)
    delivery_worker._transport_for(old)

    assert made[0].aborted is True
