"""Load the admin's pages as a signed-in superuser, on request, and time them.

    DATABASE_URL=... python bench/admin_pages.py

Started by admin_scale.py with the server's production environment, one
process per database, so that the pages of two table sizes can be loaded in
turns. It prints READY, then answers each line on stdin:

    time PAGE            -> TIME <milliseconds>
    profile PAGE FILE    -> PROFILED <SQL statements>  (pyinstrument text, each
                            statement's time and the slowest one's plan to FILE)

PAGE is a key of PAGES with spaces written as dashes.
"""

import os
import sys
import time
from pathlib import Path

SERVER_DIR = Path(__file__).resolve().parent.parent / "server"
PAGES = {
    "changelist": "/admin/saves/savereport/",
    "filtered changelist": "/admin/saves/savereport/?username__exact=artist_042",
    "search": "/admin/saves/savereport/?q=sh0042",
    "overview": "/admin/saves/savereport/overview/",
}


class StatementTimer:
    """A database execute wrapper that keeps each statement's time."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.statements.append((elapsed_ms, " ".join(sql.split()), params))


def main() -> int:
    sys.path.insert(0, str(SERVER_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from pyinstrument import Profiler

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    # Known limitation: pages are loaded in process with the test Client, not over
    # HTTP through gunicorn; the view, its queries and rendering are the same.
    client = Client(raise_request_exception=True)
    client.force_login(user)
    print("READY", flush=True)

    for line in sys.stdin:
        command, page, *rest = line.split()
        page = page.replace("-", " ")
        url = PAGES[page]
        if command == "time":
            started = time.perf_counter()
            response = client.get(url)
            elapsed_ms = (time.perf_counter() - started) * 1000
            check(response, page)
            print(f"TIME {elapsed_ms}", flush=True)
        elif command == "profile":
            timer = StatementTimer()
            profiler = Profiler(interval=0.0005)
            with connection.execute_wrapper(timer):
                profiler.start()
                check(client.get(url), page)
                profiler.stop()
            plan = explain(connection, *max(timer.statements)[1:])
            write_profile(Path(rest[0]), page, url, profiler, timer, plan)
            print(f"PROFILED {len(timer.statements)}", flush=True)
    return 0


def check(response, page: str) -> None:
    body = response.content.decode()
    if response.status_code != 200 or "SaveTrail administration" not in body:
        raise SystemExit(f"{page}: HTTP {response.status_code}, not the admin page")


def explain(connection, sql: str, params) -> str:
    """Return PostgreSQL's plan of a statement, as run, with its real timings."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def write_profile(path: Path, page, url, profiler, timer, plan: str) -> None:
    lines = [f"{page}: GET {url}", "", "SQL statements, slowest first (ms):"]
    for elapsed_ms, sql, _params in sorted(timer.statements, reverse=True):
        lines.append(f"{elapsed_ms:9.1f}  {sql[:400]}")
    lines += ["", "Plan of the slowest statement (EXPLAIN ANALYZE, run again):", plan]
    lines += ["", profiler.output_text(unicode=False, color=False)]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
