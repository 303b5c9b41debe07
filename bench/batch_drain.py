"""Batch drain: reports per second through /api/v1/saves/batch/ against single POSTs.

The same number of new reports is sent both ways to one server with the
production flags, by one client (like the add-on's one delivery thread) and by
four at once, each over its own keep-alive connection. Every answer is checked:
each report must come back created, and the table must grow by exactly the
number sent.
"""

import http.client
import json
import signal
import threading
import time
import uuid

from common import (
    RAW_DIR,
    BenchmarkError,
    Database,
    Gunicorn,
    Result,
    Row,
    print_parameters,
    print_row,
)
from profiles import py_spy_record, summarize_collapsed, write_profile

BATCH_SIZE = 500
CLIENT_COUNTS = (1, 4)
RATE_GOAL = 10_000
FACTOR_GOAL = 10


def make_reports(count: int) -> list[dict]:
    return [
        {
            "event_id": str(uuid.uuid4()),
            "username": f"artist_{number % 100:03d}",
            "saved_at": "2026-03-10T17:42:55Z",
            "file_path": f"/projects/show/shot {number % 200:03d}/anim.blend",
            "blender_version": "5.0.1",
            "hostname": f"ws-{number % 200:03d}",
            "file_size": 123456 + number,
        }
        for number in range(count)
    ]


class ApiClient:
    """One keep-alive connection to the API with a report key."""

    def __init__(self, port: int, api_key: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
        }

    def post(self, path: str, payload) -> tuple[int, object]:
        self.connection.request("POST", path, json.dumps(payload), self.headers)
        response = self.connection.getresponse()
        return response.status, json.loads(response.read())

    def send_single(self, reports: list[dict]) -> None:
        for report in reports:
            status, answer = self.post("/api/v1/saves/", report)
            if status != 201:
                raise BenchmarkError(f"single POST answered {status}: {answer}")

    def send_batches(self, reports: list[dict]) -> None:
        for start in range(0, len(reports), BATCH_SIZE):
            chunk = reports[start : start + BATCH_SIZE]
            status, answer = self.post("/api/v1/saves/batch/", {"reports": chunk})
            outcomes = {item["status"] for item in answer.get("results", [])}
            if status != 200 or len(answer["results"]) != len(chunk):
                raise BenchmarkError(f"batch POST answered {status}: {answer}")
            if outcomes != {"created"}:
                raise BenchmarkError(f"batch items not all created: {outcomes}")

    def close(self) -> None:
        self.connection.close()


def timed_send(server, api_key, database, reports, clients, how) -> float:
    """Send reports split over clients; return reports per second."""
    shares = [reports[number::clients] for number in range(clients)]
    connections = [ApiClient(server.port, api_key) for _ in range(clients)]
    failures = []

    def send(client: ApiClient, share: list[dict]) -> None:
        try:
            getattr(client, how)(share)
        except Exception as error:  # reported below, after every thread ended
            failures.append(error)

    before = database.report_count()
    started = time.perf_counter()
    threads = [
        threading.Thread(target=send, args=pair)
        for pair in zip(connections, shares, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    for client in connections:
        client.close()

    stored = database.report_count() - before
    if failures or stored != len(reports):
        raise BenchmarkError(
            f"{how} with {clients} clients: {stored} of {len(reports)} stored; "
            f"errors: {failures[:3]}; see {server.log_path}"
        )
    return len(reports) / seconds


def run(options) -> Result:
    count = options.batch_reports
    parameters = {
        "reports": f"{count:,} new reports each way, per client count",
        "batch": f"POST /api/v1/saves/batch/ with {BATCH_SIZE} reports per request",
        "baseline": "the same number of single POST /api/v1/saves/",
        "clients": ", ".join(map(str, CLIENT_COUNTS))
        + " (each a keep-alive connection; the add-on uses one)",
        "server": "gunicorn with the production flags, DEBUG=false, PostgreSQL",
    }
    result = Result("batch", "Batch drain", parameters)
    print_parameters(result.title, parameters)

    rates = {}
    with Database("batch") as database:
        api_key = database.create_key("bench")
        with Gunicorn("batch", database.server_env()) as server:
            # Warm both endpoints up before timing them.
            timed_send(server, api_key, database, make_reports(50), 1, "send_single")
            timed_send(server, api_key, database, make_reports(1000), 1, "send_batches")
            for clients in CLIENT_COUNTS:
                for how in ("send_single", "send_batches"):
                    rate = timed_send(
                        server, api_key, database, make_reports(count), clients, how
                    )
                    rates[f"{how} {clients}"] = rate
                    print(f"   {how:12} {clients} clients: {rate:8.0f} reports/s")

            for clients in CLIENT_COUNTS:
                single = rates[f"send_single {clients}"]
                batch = rates[f"send_batches {clients}"]
                row = Row(
                    f"reports/s, {clients} client{'s' if clients > 1 else ''}",
                    "reports/s",
                    single,
                    batch,
                    goal=f">= {RATE_GOAL:,}/s and >= {FACTOR_GOAL}x single POSTs",
                    met=batch >= RATE_GOAL and batch >= FACTOR_GOAL * single,
                    baseline_name="single POSTs",
                )
                result.rows.append(row)
                print_row(row)
            if result.missed:
                result.profiles.append(_profile(server, api_key, database, count))
    result.details = {"reports_per_second": rates}
    return result


def _profile(server: Gunicorn, api_key: str, database: Database, count: int) -> str:
    """Record where the server spends its time on batches from one client."""
    raw_path = RAW_DIR / "batch.pyspy.txt"
    reports = make_reports(count)
    recorder = py_spy_record(server.process.pid, raw_path, 60)
    rate = timed_send(server, api_key, database, reports, 1, "send_batches")
    recorder.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl+C
    recorder.wait()
    heading = (
        f"Batch drain: py-spy on both gunicorn workers while one client sent "
        f"{count:,} reports in batches of {BATCH_SIZE} ({rate:.0f} reports/s "
        f"while sampled)"
    )
    path = write_profile("batch", summarize_collapsed(raw_path, heading))
    return path.name
