"""List the SQL statements one POST /api/v1/saves/ runs, with their times.

    DATABASE_URL=... python bench/request_statements.py API_KEY

Started by ingestion.py with the server's production environment, to go with
the py-spy profile when a goal is missed. Posts three new reports with the
Django test Client and prints the statements of the last one.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

SERVER_DIR = Path(__file__).resolve().parent.parent / "server"


def main() -> int:
    api_key = sys.argv[1]
    sys.path.insert(0, str(SERVER_DIR))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from admin_pages import StatementTimer
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    for _ in range(3):
        timer = StatementTimer()
        report = {
            "event_id": str(uuid.uuid4()),
            "username": "anna",
            "saved_at": "2026-03-10T17:42:55Z",
            "file_path": "/projects/show/shot 010/anim.blend",
            "blender_version": "5.0.1",
            "hostname": "ws-12",
            "file_size": 123456,
        }
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = client.post(
                "/api/v1/saves/", json.dumps(report), content_type="application/json"
            )
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            print(f"POST answered {response.status_code}: {response.content!r}")
            return 1

    print(
        f"One POST /api/v1/saves/ in process (test Client): {elapsed_ms:.1f} ms, "
        f"{len(timer.statements)} SQL statements (a new connection per request "
        "with CONN_MAX_AGE=0 comes on top):"
    )
    for statement_ms, sql, _params in timer.statements:
        print(f"{statement_ms:8.2f} ms  {sql[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
