"""Outbox drain: reports waiting on disk, delivered once the server is back.

The reports are written with the add-on's own Outbox while the server is down;
the add-on's DeliveryWorker runs in its thread and fails to reach the server.
Then the server starts (production flags, PostgreSQL), the worker is woken as
the "Send pending" button does, and the clock runs until the outbox is empty.
The baseline is the same number of new reports posted straight from memory
with the add-on's client, in batches of the same size: what the outbox adds.
"""

import sys
import tempfile
import time
import types
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from common import (
    REPO_DIR,
    BenchmarkError,
    Database,
    Gunicorn,
    Result,
    Row,
    free_port,
    print_parameters,
    print_row,
)

WRITERS = 8
DRAIN_TIMEOUT = 600
DOWN_TIMEOUT = 30


def load_delivery_core() -> types.SimpleNamespace:
    """Import outbox, client, worker and report without the add-on's __init__.

    The package's __init__ registers Blender classes and imports bpy; the
    delivery core itself never does, so an empty package object is enough.
    """
    if "savetrail" not in sys.modules:
        package = types.ModuleType("savetrail")
        package.__path__ = [str(REPO_DIR / "addon" / "savetrail")]
        sys.modules["savetrail"] = package
    from savetrail import client, outbox, report, worker

    return types.SimpleNamespace(
        client=client, outbox=outbox, report=report, worker=worker
    )


def make_reports(core, count: int) -> list[dict]:
    saved_at = datetime.now(UTC)
    return [
        core.report.build_report(
            f"/projects/show/shot {number % 200:03d}/anim_v{number % 37:03d}.blend",
            blender_version="5.0.1",
            username=f"artist_{number % 100:03d}",
            saved_at=saved_at,
            hostname="ws-12",
            file_size=123456,
        )
        for number in range(count)
    ]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise BenchmarkError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def drain(core, database, server, api_key, outbox, count) -> dict:
    """Let the worker fail, start the server, wake the worker; time the drain."""
    settings = core.worker.DeliverySettings(
        server_url=f"http://127.0.0.1:{server.port}", api_key=api_key
    )
    worker = core.worker.DeliveryWorker(outbox, settings)
    worker.start()
    try:
        wait_for(
            lambda: (
                worker.status is not None
                and worker.status.state == core.worker.State.RETRYING
            ),
            DOWN_TIMEOUT,
            "the worker to find the server down",
        )
        print(f"   server down, worker says: {worker.status.message}", flush=True)
        server.start()
        started = time.perf_counter()
        worker.wake()
        samples = [(0.0, 0)]
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while outbox.counts().pending:
            if time.monotonic() > deadline:
                raise BenchmarkError(f"outbox not empty after {DRAIN_TIMEOUT} s")
            time.sleep(0.25)
            samples.append((time.perf_counter() - started, database.report_count()))
        seconds = time.perf_counter() - started
    finally:
        worker.stop(timeout=5)

    counts = outbox.counts()
    stored = database.report_count()
    if stored != count or counts.rejected or counts.corrupt:
        raise BenchmarkError(
            f"drain: {stored} of {count} stored, {counts.rejected} rejected, "
            f"{counts.corrupt} corrupt; see {server.log_path}"
        )
    return {"seconds": seconds, "samples": samples}


def post_directly(core, server, api_key, reports: list[dict]) -> float:
    """Post reports from memory in batches with the add-on's client; return seconds."""
    transport = core.client.HttpTransport(
        server.base_url, connect_timeout=5, read_timeout=60
    )
    limit = core.client.BATCH_LIMIT
    started = time.perf_counter()
    for start in range(0, len(reports), limit):
        chunk = reports[start : start + limit]
        batch = core.client.post_batch(transport, api_key, chunk, now=time.time())
        delivered = core.client.Outcome.DELIVERED
        if batch.delivery.outcome is not delivered or any(
            item.outcome is not delivered for item in batch.items
        ):
            raise BenchmarkError(f"direct batch not delivered: {batch.delivery}")
    return time.perf_counter() - started


def run(options) -> Result:
    count = options.outbox_reports
    core = load_delivery_core()
    parameters = {
        "reports": f"{count:,} pending reports, written with the add-on's Outbox "
        f"({WRITERS} writer threads) while the server was down",
        "delivery": "the add-on's DeliveryWorker thread (batches of "
        f"{core.client.BATCH_LIMIT}), woken when the server is back",
        "server": "gunicorn with the production flags, DEBUG=false, PostgreSQL",
        "baseline": "the same number of new reports posted from memory with the "
        "add-on's client in batches of the same size, no outbox",
    }
    result = Result("outbox", "Outbox drain", parameters)
    print_parameters(result.title, parameters)

    with Database("outbox") as database, tempfile.TemporaryDirectory() as folder:
        api_key = database.create_key("bench")
        outbox = core.outbox.Outbox(Path(folder) / "outbox")
        started = time.perf_counter()
        with ThreadPoolExecutor(WRITERS) as writers:
            list(writers.map(outbox.append, make_reports(core, count)))
        written = time.perf_counter() - started
        print(f"   {count:,} reports written in {written:.1f} s", flush=True)
        if outbox.counts().pending != count:
            raise BenchmarkError(f"outbox holds {outbox.counts().pending} of {count}")

        server = Gunicorn("outbox", database.server_env())
        server.port = free_port()
        try:
            drained = drain(core, database, server, api_key, outbox, count)
            direct_seconds = post_directly(
                core, server, api_key, make_reports(core, count)
            )
            if database.report_count() != 2 * count:
                raise BenchmarkError("the direct batches did not store every report")
        finally:
            server.stop()

    drain_rate = count / drained["seconds"]
    direct_rate = count / direct_seconds
    print(
        f"   drained in {drained['seconds']:.1f} s ({drain_rate:.0f} reports/s); "
        f"straight from memory {direct_seconds:.1f} s ({direct_rate:.0f} reports/s)",
        flush=True,
    )
    result.rows = [
        Row(
            f"time to empty {count:,} pending reports",
            "s",
            direct_seconds,
            drained["seconds"],
            baseline_name="posted from memory",
        ),
        Row(
            "server's storing rate during the drain",
            "reports/s",
            direct_rate,
            drain_rate,
            baseline_name="posted from memory",
        ),
    ]
    for row in result.rows:
        print_row(row)
    result.details = {
        "write_seconds": written,
        "drain_samples": drained["samples"],
        "peak_rate": _peak_rate(drained["samples"]),
    }
    return result


def _peak_rate(samples: list[tuple[float, int]]) -> float:
    rates = [
        (rows - earlier_rows) / (moment - earlier)
        for (earlier, earlier_rows), (moment, rows) in zip(
            samples, samples[1:], strict=False
        )
        if moment > earlier
    ]
    return max(rates, default=0.0)
