"""Diagnostic, not part of make bench: ingestion under other server settings.

    python bench/diagnostics/ingestion_settings.py

Loads the baseline and SaveTrail with throttling off and with persistent
database connections (CONN_MAX_AGE=60), in turns, at 1 and 16 clients, to show
how much of the gap each one explains. Prints one line per run.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import BENCH_DIR, Database, Gunicorn  # noqa: E402
from ingestion import Wrk  # noqa: E402

BASELINE = {"DJANGO_SETTINGS_MODULE": "baseline.settings", "PYTHONPATH": str(BENCH_DIR)}
VARIANTS = {
    "baseline": BASELINE,
    "savetrail": {},
    "savetrail, throttle off": {"SAVETRAIL_THROTTLE_RATE": "off"},
    "baseline, CONN_MAX_AGE=60": {**BASELINE, "CONN_MAX_AGE": "60"},
    "savetrail, CONN_MAX_AGE=60": {"CONN_MAX_AGE": "60"},
    "savetrail, CONN_MAX_AGE=60, throttle off": {
        "CONN_MAX_AGE": "60",
        "SAVETRAIL_THROTTLE_RATE": "off",
    },
}


def main() -> None:
    with Database("diagnose") as database:
        wrk = Wrk(database.create_keys(16))
        servers = {}
        try:
            for number, (name, env) in enumerate(VARIANTS.items()):
                server = Gunicorn(f"variant-{number}", database.server_env(**env))
                servers[name] = server.start()
            for clients in (1, 16):
                for turn in range(2):
                    for name, server in servers.items():
                        wrk.run(server.base_url, clients, 1)
                        run = wrk.run(server.base_url, clients, 6)
                        print(
                            f"{clients:2} clients, turn {turn}: {name:42} "
                            f"{run.rps:7.1f} req/s, p50 {run.p50_ms:6.1f} ms, "
                            f"p99 {run.p99_ms:7.1f} ms, errors {run.errors or 'none'}",
                            flush=True,
                        )
        finally:
            for server in servers.values():
                server.stop()


if __name__ == "__main__":
    main()
