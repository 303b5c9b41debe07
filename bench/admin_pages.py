"""Time the admin's pages for a signed-in superuser; print the figures as JSON.

    DATABASE_URL=... python bench/admin_pages.py --loads 7 --profile-dir DIR

Started by admin_scale.py with the server's production environment. Each page
is loaded once to warm up, then --loads times; the figure is the median. One
more load of each page runs under pyinstrument, with every SQL statement timed,
and its text goes to DIR/<page>.txt.
"""

import argparse
import json
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
            self.statements.append((elapsed_ms, " ".join(sql.split())))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--profile-dir", type=Path, required=True)
    options = parser.parse_args()

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
    client = Client(raise_request_exception=True)
    client.force_login(user)
    options.profile_dir.mkdir(parents=True, exist_ok=True)

    figures = {}
    for page, url in PAGES.items():
        check(client.get(url), page)
        seconds = []
        for _ in range(options.loads):
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
            check(response, page)

        timer = StatementTimer()
        profiler = Profiler(interval=0.0005)
        with connection.execute_wrapper(timer):
            profiler.start()
            check(client.get(url), page)
            profiler.stop()
        write_profile(options.profile_dir, page, url, profiler, timer)
        figures[page] = {
            "url": url,
            "milliseconds": [value * 1000 for value in seconds],
            "statements": len(timer.statements),
        }
    print("ADMIN_PAGES " + json.dumps(figures))
    return 0


def check(response, page: str) -> None:
    body = response.content.decode()
    if response.status_code != 200 or "SaveTrail administration" not in body:
        raise SystemExit(f"{page}: HTTP {response.status_code}, not the admin page")


def write_profile(folder: Path, page: str, url: str, profiler, timer) -> None:
    lines = [f"{page}: GET {url}", "", "SQL statements, slowest first (ms):"]
    for elapsed_ms, sql in sorted(timer.statements, reverse=True):
        lines.append(f"{elapsed_ms:9.1f}  {sql[:400]}")
    lines += ["", profiler.output_text(unicode=False, color=False)]
    (folder / f"{page.replace(' ', '-')}.txt").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
