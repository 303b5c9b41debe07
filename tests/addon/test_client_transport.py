"""HttpTransport against real sockets on 127.0.0.1: timeouts, proxies, TLS, abort."""

import json
import socket
import threading
import time

import pytest
from delivery_doubles import DROP, HANG, make_report, receive_request

from savetrail import messages
from savetrail.client import (
    HttpTransport,
    Outcome,
    TransportError,
    post_report,
    request_headers,
)

NOW = 1_773_165_600.0


def send(transport, report=None):
    report = report or make_report()
    body = json.dumps(report).encode()
    return transport.post("/api/v1/saves/", body, request_headers("st_key"))


def failure_of(transport):
    with pytest.raises(TransportError) as raised:
        send(transport)
    return str(raised.value)


@pytest.fixture
def backlogged_listener():
    """A loopback port whose accept queue is full: a new connection never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    while True:
        filler = socket.socket()
        filler.settimeout(0.05)
        try:
            filler.connect(listener.getsockname())
        except TimeoutError:
            filler.close()
            break
        fillers.append(filler)
    yield listener.getsockname()[1]
    for filler in fillers:
        filler.close()
    listener.close()


def test_report_reaches_the_server_exactly(start_api):
    api = start_api()
    report = make_report(file_path="/tmp/Проект сцена/шот 010.blend")

    delivery = post_report(HttpTransport(api.url), "st_key", report, now=NOW)

    assert (delivery.outcome, delivery.status) == (Outcome.DELIVERED, 201)
    assert api.stub.records[report["event_id"]]["file_path"] == (
        "/tmp/Проект сцена/шот 010.blend"
    )
    path, headers, _ = api.requests[0]
    assert path == "/api/v1/saves/"
    assert headers["Authorization"] == "Bearer st_key"


def test_server_url_with_a_path_prefix_is_kept(start_api):
    api = start_api()

    post_report(
        HttpTransport(f"{api.url}/savetrail/"), "st_key", make_report(), now=NOW
    )

    assert api.requests[0][0] == "/savetrail/api/v1/saves/"


def test_silent_server_hits_the_read_timeout(silent_listener):
    port = silent_listener.getsockname()[1]
    transport = HttpTransport(f"http://127.0.0.1:{port}", read_timeout=0.2)

    assert failure_of(transport) == "Server did not answer in 0.2 s"


def test_nothing_listening_is_unreachable(refused_port):
    transport = HttpTransport(f"http://127.0.0.1:{refused_port}")

    assert failure_of(transport) == "Server unreachable"


def test_connection_that_never_completes_hits_the_connect_timeout(
    backlogged_listener,
):
    transport = HttpTransport(
        f"http://127.0.0.1:{backlogged_listener}",
        connect_timeout=0.2,
        read_timeout=30,
    )

    started = time.monotonic()
    message = failure_of(transport)

    assert message == "Server did not accept the connection in 0.2 s"
    assert time.monotonic() - started < 5


def test_connection_dropped_after_the_server_stored_the_report(start_api):
    api = start_api(DROP)
    report = make_report()

    with pytest.raises(TransportError) as raised:
        send(HttpTransport(api.url), report)
    message = str(raised.value)

    assert message == "Connection dropped before the server answered"
    assert list(api.stub.records) == [report["event_id"]]


def test_abort_breaks_off_a_request_at_once(silent_listener):
    port = silent_listener.getsockname()[1]
    transport = HttpTransport(f"http://127.0.0.1:{port}", read_timeout=30)
    errors = []

    def post():
        try:
            send(transport)
        except TransportError as error:
            errors.append(str(error))

    thread = threading.Thread(target=post)
    thread.start()
    silent_listener.settimeout(5)
    accepted, _ = silent_listener.accept()
    receive_request(accepted)  # the client now waits in recv for the answer
    started = time.monotonic()

    transport.abort()
    thread.join(5)

    assert time.monotonic() - started < 1
    assert errors == ["Delivery stopped"]
    assert failure_of(transport) == "Delivery stopped"
    accepted.close()


def test_abort_breaks_off_a_tls_request_at_once(start_api, certificates):
    api = start_api(HANG, tls=certificates.trusted)
    transport = HttpTransport(api.url, ca_file=certificates.ca_file, read_timeout=30)
    errors = []

    def post():
        try:
            send(transport)
        except TransportError as error:
            errors.append(str(error))

    thread = threading.Thread(target=post)
    thread.start()
    assert api.hanging.wait(5)  # the server has the request and keeps silent
    started = time.monotonic()

    transport.abort()
    thread.join(5)

    assert time.monotonic() - started < 1
    assert errors == ["Delivery stopped"]


# Proxies (field case B9 and the paths around it)


def dead_proxy_environment(monkeypatch, refused_port):
    proxy = f"http://127.0.0.1:{refused_port}"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, proxy)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_dead_proxy_in_the_environment_does_not_stop_loopback(
    start_api, monkeypatch, no_proxy_environment, refused_port, host
):
    dead_proxy_environment(monkeypatch, refused_port)
    api = start_api()
    report = make_report()

    transport = HttpTransport(f"http://{host}:{api.port}")
    delivery = post_report(transport, "st_key", report, now=NOW)

    assert delivery.outcome is Outcome.DELIVERED
    assert list(api.stub.records) == [report["event_id"]]


def test_dead_proxy_is_named_for_other_hosts(refused_port):
    proxies = {"http": f"http://127.0.0.1:{refused_port}"}
    transport = HttpTransport("http://savetrail.test", proxies=proxies)

    assert failure_of(transport) == f"Proxy 127.0.0.1:{refused_port} unreachable"


def test_http_goes_through_the_proxy_with_its_credentials(start_api, start_proxy):
    api = start_api()
    proxy = start_proxy(api.port)
    proxies = {"http": f"http://anna:p%40ss@127.0.0.1:{proxy.port}"}
    report = make_report()

    transport = HttpTransport(f"http://savetrail.test:{api.port}", proxies=proxies)
    delivery = post_report(transport, "st_key", report, now=NOW)

    assert delivery.outcome is Outcome.DELIVERED
    request_line, *header_lines = proxy.heads[0].split("\r\n")
    assert request_line == (
        f"POST http://savetrail.test:{api.port}/api/v1/saves/ HTTP/1.1"
    )
    assert "Proxy-Authorization: Basic YW5uYTpwQHNz" in header_lines
    assert list(api.stub.records) == [report["event_id"]]


def test_https_goes_through_a_connect_tunnel(start_api, start_proxy, certificates):
    api = start_api(tls=certificates.trusted)
    proxy = start_proxy(api.port)
    proxies = {"https": f"127.0.0.1:{proxy.port}"}

    transport = HttpTransport(
        f"https://savetrail.test:{api.port}",
        ca_file=certificates.ca_file,
        proxies=proxies,
    )
    delivery = post_report(transport, "st_key", make_report(), now=NOW)

    assert delivery.outcome is Outcome.DELIVERED
    assert proxy.heads[0].startswith(f"CONNECT savetrail.test:{api.port} HTTP/")


def test_proxy_that_refuses_the_tunnel_is_named(start_proxy, refused_port):
    proxy = start_proxy(refused_port, refuse="407 Proxy Authentication Required")
    proxies = {"https": f"http://127.0.0.1:{proxy.port}"}

    transport = HttpTransport("https://savetrail.test", proxies=proxies)

    assert failure_of(transport) == (
        f"The proxy 127.0.0.1:{proxy.port} refused the connection: "
        "407 Proxy Authentication Required"
    )


def test_socks_proxy_is_reported_as_unsupported():
    transport = HttpTransport(
        "http://savetrail.test", proxies={"http": "socks5://127.0.0.1:1080"}
    )

    assert failure_of(transport) == (
        "Proxy socks5://127.0.0.1 not supported: only http:// proxies work"
    )


# TLS (field case B10 and the paths around it)


def test_private_ca_is_named_until_the_ca_file_is_set(start_api, certificates):
    api = start_api(tls=certificates.trusted)

    assert failure_of(HttpTransport(api.url)) == messages.CERT_UNTRUSTED
    assert messages.CERT_UNTRUSTED == (
        "The server's certificate is not trusted (self-signed or private CA): "
        "set the CA file in the preferences"
    )

    trusting = HttpTransport(api.url, ca_file=certificates.ca_file)
    delivery = post_report(trusting, "st_key", make_report(), now=NOW)
    assert delivery.outcome is Outcome.DELIVERED


def test_self_signed_certificate_is_not_trusted(start_api, certificates):
    api = start_api(tls=certificates.self_signed)

    assert failure_of(HttpTransport(api.url)) == messages.CERT_UNTRUSTED


def test_certificate_for_another_name_is_named(start_api, certificates):
    api = start_api(tls=certificates.wrong_host)
    transport = HttpTransport(api.url, ca_file=certificates.ca_file)

    assert failure_of(transport) == (
        "The server's certificate is not valid for 127.0.0.1"
    )


def test_unreadable_ca_file_is_named(start_api, certificates, tmp_path):
    api = start_api(tls=certificates.trusted)
    not_a_certificate = tmp_path / "ca.pem"
    not_a_certificate.write_text("not a certificate")

    for ca_file in (str(tmp_path / "missing.pem"), str(not_a_certificate)):
        transport = HttpTransport(api.url, ca_file=ca_file)
        assert failure_of(transport) == f"The CA file cannot be used: {ca_file}"


def test_https_to_a_plain_http_port_says_so(start_api):
    api = start_api()

    transport = HttpTransport(api.url.replace("http://", "https://"))

    assert failure_of(transport) == (
        "The server does not speak HTTPS at this address: "
        "check the server URL in the preferences"
    )
