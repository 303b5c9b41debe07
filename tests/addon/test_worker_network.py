"""DeliveryWorker with the real HttpTransport against loopback servers (B cases)."""

import dataclasses
import time

from delivery_doubles import DROP, make_report, receive_request

from savetrail.outbox import Outbox
from savetrail.worker import DeliverySettings, DeliveryWorker, State

NOW = 1_773_165_600.0


def settings_for(url, **changes):
    settings = DeliverySettings(server_url=url, api_key="st_key", read_timeout=5)
    return dataclasses.replace(settings, **changes)


def make_worker(outbox, settings):
    return DeliveryWorker(outbox, settings, random=lambda: 0.25, wall_clock=lambda: NOW)


def latest_message(delivery_worker):
    return delivery_worker.status.message


def test_silent_server_leaves_the_report_waiting_then_it_is_sent(
    outbox, silent_listener, start_api
):
    """Field case B1: a server that accepts and never answers."""
    report = make_report()
    outbox.append(report)
    port = silent_listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    delivery_worker = make_worker(outbox, settings_for(url, read_timeout=0.2))

    assert delivery_worker.run_once(now=0.0) == 1.0

    assert latest_message(delivery_worker) == (
        "Server did not answer in 0.2 s, will retry in 1 s"
    )
    assert Outbox(outbox.folder).pending() == [report]

    api = start_api()  # the server answers again
    delivery_worker.update_settings(settings_for(api.url))
    delivery_worker.run_once(now=0.5)

    assert latest_message(delivery_worker) == "Sent"
    assert list(api.stub.records) == [report["event_id"]]


def test_nothing_listening_says_unreachable_and_keeps_the_report(outbox, refused_port):
    """Field case B2."""
    outbox.append(make_report())
    url = f"http://127.0.0.1:{refused_port}"
    delivery_worker = make_worker(outbox, settings_for(url))

    delivery_worker.run_once(now=0.0)

    assert delivery_worker.status.state == State.RETRYING
    assert latest_message(delivery_worker) == "Server unreachable, will retry in 1 s"
    assert outbox.counts().pending == 1


def test_stop_mid_request_returns_fast_and_the_next_session_delivers(
    tmp_path, silent_listener, start_api
):
    """Field case B8: quitting while a report is in flight."""
    report = make_report()
    folder = tmp_path / "outbox"
    Outbox(folder).append(report)
    port = silent_listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    delivery_worker = DeliveryWorker(Outbox(folder), settings_for(url, read_timeout=60))
    delivery_worker.start()
    silent_listener.settimeout(5)
    in_flight, _ = silent_listener.accept()
    receive_request(in_flight)  # the report is in flight, its answer awaited

    started = time.monotonic()
    stopped = delivery_worker.stop(timeout=1.0)
    elapsed = time.monotonic() - started
    in_flight.close()

    assert stopped is True
    assert elapsed < 1.0
    assert Outbox(folder).pending() == [report]

    api = start_api()
    next_session = make_worker(Outbox(folder), settings_for(api.url))
    next_session.run_once(now=0.0)

    assert list(api.stub.records) == [report["event_id"]]
    assert Outbox(folder).pending() == []


def test_dead_proxy_in_the_environment_does_not_stop_a_loopback_server(
    outbox, start_api, refused_port, monkeypatch, no_proxy_environment
):
    """Field case B9."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{refused_port}")
    report = make_report()
    outbox.append(report)
    api = start_api()

    make_worker(outbox, settings_for(api.url)).run_once(now=0.0)

    assert list(api.stub.records) == [report["event_id"]]


def test_private_ca_is_explained_then_works_with_the_ca_file(
    outbox, start_api, certificates
):
    """Field case B10."""
    report = make_report()
    outbox.append(report)
    api = start_api(tls=certificates.trusted)
    delivery_worker = make_worker(outbox, settings_for(api.url))

    delivery_worker.run_once(now=0.0)

    assert latest_message(delivery_worker) == (
        "The server's certificate is not trusted (self-signed or private CA): "
        "set the CA file in the preferences, will retry in 1 s"
    )
    assert api.stub.records == {}

    delivery_worker.update_settings(settings_for(api.url, ca_file=certificates.ca_file))
    delivery_worker.run_once(now=0.1)

    assert latest_message(delivery_worker) == "Sent"
    assert list(api.stub.records) == [report["event_id"]]


def test_connection_dropped_after_storing_creates_no_second_record(outbox, start_api):
    """Field case B14 over a real socket."""
    report = make_report()
    outbox.append(report)
    api = start_api(DROP)
    delivery_worker = make_worker(outbox, settings_for(api.url))

    assert delivery_worker.run_once(now=0.0) == 1.0
    assert latest_message(delivery_worker) == (
        "Connection dropped before the server answered, will retry in 1 s"
    )
    assert delivery_worker.run_once(now=1.0) is None

    sent_bodies = [body for _, _, body in api.requests]
    assert len(sent_bodies) == 2
    assert sent_bodies[0] == sent_bodies[1]
    assert list(api.stub.records) == [report["event_id"]]
    assert outbox.pending() == []


def test_thread_reports_what_happened_through_the_events_queue(outbox, start_api):
    api = start_api()
    delivery_worker = DeliveryWorker(outbox, settings_for(api.url))
    delivery_worker.start()
    try:
        assert delivery_worker.events.get(timeout=5).state == State.IDLE
        for _ in range(3):
            outbox.append(make_report())
            delivery_worker.wake()
            event = delivery_worker.events.get(timeout=5)
            assert (event.state, event.message, event.pending) == (
                State.SENT,
                "Sent",
                0,
            )
    finally:
        assert delivery_worker.stop(timeout=1.0) is True

    assert len(api.stub.records) == 3
