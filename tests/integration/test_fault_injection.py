"""Every save reaches the real server exactly once, whatever the network does (issue 3).

The delivery core (no Blender) sends through a fault-injecting proxy to the real
server. Time is stepped by the test, so back-off costs no waiting; each pass uses
the real HTTP transport with short timeouts.
"""

import json
from dataclasses import replace

import pytest

from savetrail.outbox import Outbox
from savetrail.report import build_report
from savetrail.worker import DeliverySettings, DeliveryWorker

from .fault_proxy import DROP_AFTER_STORE, ERROR_500, FORWARD, HANG, FaultProxy

BLENDER = {"blender_version": "5.0.1"}
SAVES_PER_PHASE = 50
STEP = 1_000.0  # seconds of fake time per pass: longer than any back-off


@pytest.fixture
def server(live_server_process):
    return live_server_process


@pytest.fixture
def proxy(server):
    proxy = FaultProxy(server.port)
    yield proxy
    proxy.close()


class Blender:
    """What one Blender session does with reports: append, then let the worker pass."""

    def __init__(self, folder, settings):
        self.outbox = Outbox(folder)
        self.worker = DeliveryWorker(self.outbox, settings)
        self.now = 0.0

    def save(self, count, phase):
        reports = [
            build_report(f"/shots/{phase}/v{n:03}.blend", username="anna", **BLENDER)
            for n in range(count)
        ]
        for report in reports:
            self.outbox.append(report)
        return [report["event_id"] for report in reports]

    def deliver(self, passes=3):
        for _ in range(passes):
            self.now += STEP
            self.worker.wake()
            self.worker.run_once(self.now)
        return self.outbox.counts().pending


def stored_event_ids(server):
    script = (
        "import json; from saves.models import SaveReport as S; "
        "ids = S.objects.values_list('event_id', flat=True); "
        "print(json.dumps([str(event_id) for event_id in ids]))"
    )
    return json.loads(server.manage("shell", "--no-imports", "-c", script))


def test_three_hundred_saves_through_every_fault_are_stored_once(
    server, proxy, tmp_path
):
    settings = DeliverySettings(
        server_url=proxy.url,
        api_key=server.create_key("anna-ws"),
        connect_timeout=1.0,
        read_timeout=20.0,  # a batch of 300 on SQLite takes a while to store
    )
    blender = Blender(tmp_path / "outbox", settings)
    sent = []

    server.stop()
    sent += blender.save(SAVES_PER_PHASE, "server-stopped")
    assert blender.deliver() == 50
    server.start()

    proxy.mode = HANG
    blender.worker.update_settings(replace(settings, read_timeout=0.5))
    sent += blender.save(SAVES_PER_PHASE, "server-hangs")
    assert blender.deliver() == 100
    blender.worker.update_settings(settings)

    proxy.mode = ERROR_500
    sent += blender.save(SAVES_PER_PHASE, "server-errors")
    assert blender.deliver() == 150

    proxy.mode = DROP_AFTER_STORE
    sent += blender.save(SAVES_PER_PHASE, "answer-lost")
    assert blender.deliver() == 200
    assert len(stored_event_ids(server)) == 200  # stored, but the client never heard

    proxy.mode = FORWARD
    server.stop()
    sent += blender.save(SAVES_PER_PHASE, "server-restarts")
    assert blender.deliver(passes=1) == 250
    server.start()

    sent += blender.save(SAVES_PER_PHASE, "before-quit")
    blender.worker.stop()
    restarted = Blender(tmp_path / "outbox", settings)  # a new Blender, same outbox
    assert restarted.outbox.counts().pending == 300
    assert restarted.deliver() == 0, restarted.worker.status

    stored = stored_event_ids(server)
    assert len(stored) == 300
    assert sorted(stored) == sorted(sent)
    assert restarted.outbox.counts().rejected == 0
    assert proxy.requests_seen > 0
