"""The admin at 1,000 rows and at millions: the same pages, medians compared.

Each table size gets its own database, filled in bulk by admin_data.py; the
pages are loaded by admin_pages.py in a process of its own with the server's
production environment. The baseline of each page is its time at 1,000 rows.
"""

import json
import subprocess
import sys

import admin_data
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


def measure(rows: int, loads: int) -> tuple[dict, dict]:
    """Build a table of rows reports; return its page figures and fill timings."""
    with Database(f"admin{rows}") as database:
        filled = admin_data.fill(database.url, rows)
        print(
            f"   {rows:,} rows generated in {filled['seconds']:.0f} s "
            f"(insert {filled['insert_seconds']:.0f} s, indexes "
            f"{filled['index_seconds']:.0f} s, vacuum and analyze "
            f"{filled['vacuum_seconds']:.0f} s; {filled['table_size']} on disk)",
            flush=True,
        )
        profile_dir = RAW_DIR / f"admin-{rows}"
        finished = subprocess.run(
            [
                sys.executable,
                str(BENCH_DIR / "admin_pages.py"),
                "--loads",
                str(loads),
                "--profile-dir",
                str(profile_dir),
            ],
            env=database.server_env(),
            capture_output=True,
            text=True,
            check=False,
        )
    lines = [
        line.removeprefix("ADMIN_PAGES ")
        for line in finished.stdout.splitlines()
        if line.startswith("ADMIN_PAGES ")
    ]
    if finished.returncode != 0 or not lines:
        raise BenchmarkError(
            f"admin pages at {rows:,} rows failed:\n{finished.stdout}{finished.stderr}"
        )
    pages = json.loads(lines[-1])
    for page, figures in pages.items():
        figures["median_ms"] = median(figures["milliseconds"])
        figures["profile"] = str(profile_dir / f"{page.replace(' ', '-')}.txt")
        print(
            f"   {rows:>9,} rows  {page:20} median {figures['median_ms']:7.1f} ms "
            f"({figures['statements']} SQL statements)",
            flush=True,
        )
    return pages, filled


def run(options) -> Result:
    small, large = options.small_rows, options.rows
    parameters = {
        "pages": "changelist; changelist filtered by one user; search for a shot "
        "(q=sh0042); overview",
        "client": "Django test Client, signed-in superuser, DEBUG=false, PostgreSQL",
        "loads": f"median of {options.admin_loads} after one warm-up load",
        "data": f"{small:,} and {large:,} rows, 100 artists, 200 hosts, saves spread "
        "evenly over two years (bench/admin_data.py)",
        "baseline": f"the same page at {small:,} rows",
    }
    result = Result("admin", "Admin at scale", parameters)
    print_parameters(result.title, parameters)

    small_pages, small_fill = measure(small, options.admin_loads)
    large_pages, large_fill = measure(large, options.admin_loads)
    result.parameters["generation"] = (
        f"{large:,} rows in {large_fill['seconds']:.0f} s "
        f"({large_fill['table_size']} with indexes)"
    )

    for page, small_figures in small_pages.items():
        large_figures = large_pages[page]
        row = Row(
            f"{page}, {large:,} rows",
            "ms",
            small_figures["median_ms"],
            large_figures["median_ms"],
            goal=f"<= {GOAL_FACTOR:.0f}x the {small:,}-row time",
            met=large_figures["median_ms"] <= GOAL_FACTOR * small_figures["median_ms"],
            baseline_name=f"{small:,} rows",
        )
        result.rows.append(row)
        print_row(row)
        if row.met is False:
            with open(large_figures["profile"]) as profile:
                text = (
                    f"Admin at scale, {page}: pyinstrument on one load at {large:,} "
                    f"rows (median {large_figures['median_ms']:.0f} ms against "
                    f"{small_figures['median_ms']:.0f} ms at {small:,} rows)\n\n"
                    + profile.read()
                )
            path = write_profile(f"admin-{page.replace(' ', '-')}", text)
            result.profiles.append(path.name)

    result.details = {
        "small": {"rows": small, "fill": small_fill, "pages": small_pages},
        "large": {"rows": large, "fill": large_fill, "pages": large_pages},
    }
    return result
