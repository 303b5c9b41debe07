"""The admin at 1,000 rows and at millions: the same pages, medians compared.

Each table size gets its own database, filled in bulk by admin_data.py. One
admin_pages.py process per database, with the server's production environment,
loads the pages; the two sizes take turns, page by page, so that the noise of
a shared machine falls on both alike. The baseline of each page is its time at
1,000 rows.
"""

import subprocess
import sys
from pathlib import Path

import admin_data
from admin_pages import PAGES
from common import (
    BENCH_DIR,
    RAW_DIR,
    BenchmarkError,
    Database,
    Result,
    Row,
    median,
    print_parameters,
    print_row,
)
from profiles import write_profile

GOAL_FACTOR = 3.0


class PageLoader:
    """An admin_pages.py process signed in to the admin of one database."""

    def __init__(self, database: Database, rows: int):
        self.rows = rows
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "admin_pages.py")],
            env=database.server_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._expect("READY")

    def time(self, page: str) -> float:
        return float(self._ask(f"time {page.replace(' ', '-')}", "TIME"))

    def profile(self, page: str, path: Path) -> int:
        answer = self._ask(f"profile {page.replace(' ', '-')} {path}", "PROFILED")
        return int(answer)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)

    def _ask(self, line: str, answer: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._expect(answer)

    def _expect(self, answer: str) -> str:
        line = self.process.stdout.readline()
        if not line.startswith(answer):
            self.process.kill()
            raise BenchmarkError(
                f"admin pages at {self.rows:,} rows: expected {answer}, got "
                f"{line!r}\n{self.process.stderr.read()[-3000:]}"
            )
        return line.removeprefix(answer).strip()


def fill(database: Database, rows: int) -> dict:
    filled = admin_data.fill(database.url, rows)
    print(
        f"   {rows:,} rows generated in {filled['seconds']:.0f} s "
        f"(insert {filled['insert_seconds']:.0f} s, indexes "
        f"{filled['index_seconds']:.0f} s, vacuum and analyze "
        f"{filled['vacuum_seconds']:.0f} s; {filled['table_size']} on disk)",
        flush=True,
    )
    return filled


def load_in_turns(loaders: list[PageLoader], loads: int) -> dict:
    """Return {rows: {page: [milliseconds]}}, after one warm-up load of each."""
    times = {loader.rows: {page: [] for page in PAGES} for loader in loaders}
    for page in PAGES:
        for loader in loaders:
            loader.time(page)
    for turn in range(loads):
        for page in PAGES:
            for loader in loaders if turn % 2 == 0 else reversed(loaders):
                times[loader.rows][page].append(loader.time(page))
    return times


def run(options) -> Result:
    small, large = options.small_rows, options.rows
    parameters = {
        "pages": "changelist; changelist filtered by one user (artist_042); search "
        "for a shot (q=sh0042); overview",
        "client": "Django test Client, signed-in superuser, DEBUG=false, PostgreSQL",
        "loads": f"median of {options.admin_loads} after one warm-up load; the two "
        "table sizes take turns",
        "data": f"{small:,} and {large:,} rows, 100 artists, 200 hosts, saves spread "
        "evenly over two years (bench/admin_data.py)",
        "baseline": f"the same page at {small:,} rows",
    }
    result = Result("admin", "Admin at scale", parameters)
    print_parameters(result.title, parameters)

    with Database(f"admin{small}") as small_db, Database(f"admin{large}") as large_db:
        small_fill = fill(small_db, small)
        large_fill = fill(large_db, large)
        result.parameters["generation"] = (
            f"{large:,} rows in {large_fill['seconds']:.0f} s "
            f"({large_fill['table_size']} with indexes)"
        )
        loaders = [PageLoader(small_db, small), PageLoader(large_db, large)]
        try:
            times = load_in_turns(loaders, options.admin_loads)
            result.rows = _rows(times, small, large)
            statements = {}
            for page, row in zip(PAGES, result.rows, strict=True):
                raw_path = RAW_DIR / f"admin-{large}-{page.replace(' ', '-')}.txt"
                statements[page] = loaders[1].profile(page, raw_path)
                print_row(row)
                if row.met is False:
                    result.profiles.append(_write(page, row, raw_path, small, large))
        finally:
            for loader in loaders:
                loader.close()

    result.details = {
        "milliseconds": times,
        "sql_statements_at_large": statements,
        "fill": {small: small_fill, large: large_fill},
    }
    return result


def _rows(times: dict, small: int, large: int) -> list[Row]:
    rows = []
    for page in PAGES:
        small_ms, large_ms = median(times[small][page]), median(times[large][page])
        rows.append(
            Row(
                f"{page}, {large:,} rows",
                "ms",
                small_ms,
                large_ms,
                goal=f"<= {GOAL_FACTOR:.0f}x the {small:,}-row time",
                met=large_ms <= GOAL_FACTOR * small_ms,
                baseline_name=f"{small:,} rows",
            )
        )
    return rows


def _write(page: str, row: Row, raw_path: Path, small: int, large: int) -> str:
    heading = (
        f"Admin at scale, {page}: pyinstrument on one load at {large:,} rows "
        f"(median {row.savetrail:.0f} ms against {row.baseline:.0f} ms at "
        f"{small:,} rows)\n\n"
    )
    name = f"admin-{page.replace(' ', '-')}"
    return write_profile(name, heading + raw_path.read_text()).name
