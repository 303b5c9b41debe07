"""Ingestion through gunicorn with wrk, against a one-INSERT baseline view.

Both servers run with the production flags and settings (DEBUG off) on one
PostgreSQL database; wrk loads them in turn at each client count, with a short
warm-up before each measured run. Afterwards the resident size of the largest
worker of each server is read (benchmark 6, first half).
"""

import json
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass

from common import (
    BENCH_DIR,
    RAW_DIR,
    BenchmarkError,
    Database,
    Gunicorn,
    Result,
    Row,
    print_parameters,
    print_row,
    rss_mib,
)
from profiles import py_spy_record, summarize_collapsed, write_profile

LUA_SCRIPT = BENCH_DIR / "wrk" / "post_report.lua"
RPS_GOAL = 0.60
P99_GOAL_MS = 50.0
P99_GOAL_CLIENTS = 16


@dataclass
class WrkRun:
    clients: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


class Wrk:
    """wrk with the report-posting script; each run gets its own event_ids."""

    def __init__(self, api_keys: list[str]):
        if shutil.which("wrk") is None:
            raise BenchmarkError("wrk is missing: apt-get install -y wrk (make bench)")
        self.api_keys = api_keys
        self.next_run = secrets.randbelow(2**31)

    def run(self, base_url: str, clients: int, seconds: float) -> WrkRun:
        self.next_run += 1
        command = [
            "wrk",
            f"-t{min(clients, 2)}",
            f"-c{clients}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA_SCRIPT),
            base_url,
            "--",
            ",".join(self.api_keys),
            str(self.next_run),
        ]
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        lines = [
            line.removeprefix("WRK_RESULT ")
            for line in finished.stdout.splitlines()
            if line.startswith("WRK_RESULT ")
        ]
        if finished.returncode != 0 or not lines:
            raise BenchmarkError(f"wrk failed:\n{finished.stdout}{finished.stderr}")

        figures = json.loads(lines[-1])
        error_names = ("connect", "read", "write", "status")
        errors = {name: figures[f"{name}_errors"] for name in error_names}
        errors["timeout"] = figures["timeouts"]
        return WrkRun(
            clients=clients,
            requests=figures["requests"],
            seconds=figures["duration_us"] / 1e6,
            p50_ms=figures["p50_us"] / 1000,
            p99_ms=figures["p99_us"] / 1000,
            errors={name: count for name, count in errors.items() if count},
        )


def measure(servers: list[Gunicorn], wrk: Wrk, database: Database, options) -> dict:
    """Load the servers in turn at each client count; check every request's row."""
    runs = {server.name: {} for server in servers}
    for clients in options.clients:
        for server in servers:
            wrk.run(server.base_url, clients, options.warmup)
            before = database.report_count()
            run = wrk.run(server.base_url, clients, options.seconds)
            stored = database.report_count() - before
            print(
                f"   {server.name:9} {clients:3} clients: {run.rps:8.1f} req/s, "
                f"p50 {run.p50_ms:6.1f} ms, p99 {run.p99_ms:6.1f} ms, "
                f"{run.requests} requests, {stored} rows, "
                f"errors {run.errors or 'none'}",
                flush=True,
            )
            # Requests in flight when wrk stops are stored but not counted: up to
            # one per connection of the warm-up and of the measured run.
            if run.errors or not run.requests <= stored <= run.requests + 2 * clients:
                raise BenchmarkError(
                    f"{server.name} at {clients} clients: {run.requests} requests, "
                    f"{stored} rows stored, errors {run.errors or 'none'}; "
                    f"see {server.log_path}"
                )
            runs[server.name][clients] = run
    return runs


def run(options) -> Result:
    parameters = {
        "endpoint": "POST /api/v1/saves/ (one report per request, unique event_id)",
        "load": f"wrk, {options.seconds} s per run after {options.warmup} s warm-up",
        "clients": ", ".join(str(clients) for clients in options.clients),
        "keys": f"{max(options.clients)} API keys, one per simulated workstation, "
        "taken in turns by the requests",
        "server": "gunicorn, 2 workers x 4 threads (gthread), DEBUG=false, "
        "PostgreSQL, CONN_MAX_AGE=0 (the production defaults)",
        "baseline": "bench/baseline: the same row stored by one INSERT in a plain "
        "Django view, same gunicorn, settings and database",
    }
    result = Result("ingestion", "Ingestion (POST /api/v1/saves/)", parameters)
    print_parameters(result.title, parameters)

    with Database("ingest") as database:
        wrk = Wrk(database.create_keys(max(options.clients)))
        baseline = Gunicorn(
            "baseline",
            database.server_env(
                DJANGO_SETTINGS_MODULE="baseline.settings", PYTHONPATH=str(BENCH_DIR)
            ),
        )
        savetrail = Gunicorn("savetrail", database.server_env())
        with baseline, savetrail:
            runs = measure([baseline, savetrail], wrk, database, options)
            memory = {
                server.name: max(rss_mib(pid) for pid in server.worker_pids())
                for server in (baseline, savetrail)
            }
            result.rows = _rows(runs["baseline"], runs["savetrail"], memory)
            for row in result.rows:
                print_row(row)
            if any(row.met is False for row in result.rows):
                result.profiles.append(_profile(savetrail, wrk))

    result.details = {
        "runs": {
            name: {clients: vars(run) for clients, run in by_clients.items()}
            for name, by_clients in runs.items()
        },
        "worker_rss_mib": memory,
    }
    return result


def _rows(base_runs: dict, savetrail_runs: dict, memory: dict) -> list[Row]:
    rows = []
    for clients, base in base_runs.items():
        ours = savetrail_runs[clients]
        rows.append(
            Row(
                f"requests/s, {_clients(clients)}",
                "req/s",
                base.rps,
                ours.rps,
                goal=f">= {RPS_GOAL:.0%} of baseline",
                met=ours.rps >= RPS_GOAL * base.rps,
            )
        )
    for clients, base in base_runs.items():
        ours = savetrail_runs[clients]
        rows.append(
            Row(f"p50 latency, {_clients(clients)}", "ms", base.p50_ms, ours.p50_ms)
        )
        p99_goal = clients == P99_GOAL_CLIENTS
        rows.append(
            Row(
                f"p99 latency, {_clients(clients)}",
                "ms",
                base.p99_ms,
                ours.p99_ms,
                goal=f"< {P99_GOAL_MS:.0f} ms" if p99_goal else "",
                met=ours.p99_ms < P99_GOAL_MS if p99_goal else None,
            )
        )
    rows.append(
        Row(
            "RSS of the largest gunicorn worker after the run",
            "MiB",
            memory["baseline"],
            memory["savetrail"],
        )
    )
    return rows


def _clients(count: int) -> str:
    return f"{count} client" if count == 1 else f"{count} clients"


def _profile(server: Gunicorn, wrk: Wrk) -> str:
    """Record where SaveTrail's workers spend their time at 16 clients."""
    seconds = 10
    raw_path = RAW_DIR / "ingestion.pyspy.txt"
    recorder = py_spy_record(server.process.pid, raw_path, seconds)
    run = wrk.run(server.base_url, P99_GOAL_CLIENTS, seconds)
    recorder.wait()
    heading = (
        f"Ingestion, POST /api/v1/saves/: py-spy on both gunicorn workers, "
        f"{P99_GOAL_CLIENTS} clients for {seconds} s ({run.rps:.0f} req/s, "
        f"p99 {run.p99_ms:.1f} ms while sampled)"
    )
    statements = subprocess.run(
        [sys.executable, str(BENCH_DIR / "request_statements.py"), wrk.api_keys[0]],
        env=server.env,
        capture_output=True,
        text=True,
        check=False,
    )
    text = summarize_collapsed(raw_path, heading)
    text += "\n" + statements.stdout + statements.stderr[-2000:]
    text += "(Transactions begin and commit outside the statements listed.)\n"
    path = write_profile("ingestion", text)
    return str(path.name)
