"""Profiles for missed goals: record with py-spy or pyinstrument, keep a summary.

The summary of a py-spy recording lists where the sampled time went: by
package, by function including its callees, and by function alone. It is
written beside the run's latest.md as profile-<name>.txt; the raw samples stay
in bench/results/raw/ (not committed).
"""

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from common import REPO_DIR, RESULTS_DIR, BenchmarkError

TOP = 30
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy_record(pid: int, raw_path: Path, seconds: int) -> subprocess.Popen:
    """Start sampling the process and its children for seconds; return at once."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise BenchmarkError("py-spy is missing: make bench installs it")
    raw_path.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--full-filenames",
            "--nonblocking",
            "--rate",
            "200",
            "--duration",
            str(seconds),
            "--format",
            "raw",
            "--output",
            str(raw_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def short_file(path: str) -> str:
    """Return a path relative to site-packages, the repository or the stdlib."""
    for marker in ("site-packages/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    try:
        return str(Path(path).relative_to(REPO_DIR))
    except ValueError:
        return path


def package_of(file: str) -> str:
    if file.startswith(("server/", "addon/")):
        return "SaveTrail: " + "/".join(file.split("/")[:2])
    if file.startswith("bench/"):
        return "bench"
    top = file.split("/", 1)[0]
    return top.removesuffix(".py") if "/" in file or top.endswith(".py") else file


def summarize_collapsed(raw_path: Path, heading: str) -> str:
    """Return a text summary of py-spy's collapsed stacks."""
    inclusive, own, packages = Counter(), Counter(), Counter()
    total = 0
    for line in raw_path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        count = int(count)
        frames = [_parse(frame) for frame in stack.split(";")]
        frames = [frame for frame in frames if frame is not None]
        if not frames:
            continue
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
        packages[package_of(frames[-1][1])] += count

    if not total:
        return f"{heading}\n\nNo samples were recorded.\n"

    def table(counter: Counter, label: str) -> list[str]:
        lines = [f"\n{label}", f"{'share':>7}  {'samples':>8}  where"]
        for (function, file), count in counter.most_common(TOP):
            lines.append(f"{count / total:7.1%}  {count:8d}  {function}  ({file})")
        return lines

    lines = [
        heading,
        f"\nSamples: {total} (py-spy's default: threads it sees as busy; a thread "
        "waiting inside psycopg for PostgreSQL counts as busy, in Connection.wait)",
        "\nBy package (own time)",
    ]
    for package, count in packages.most_common(TOP):
        lines.append(f"{count / total:7.1%}  {count:8d}  {package}")
    lines += table(inclusive, "By function, including its callees")
    lines += table(own, "By function, own time only")
    return "\n".join(lines) + "\n"


def _parse(frame: str) -> tuple[str, str] | None:
    if frame.startswith(("process ", "Thread ")):
        return None
    match = _FRAME.match(frame)
    if match is None:
        return frame, ""
    return match["function"], short_file(match["file"])


# Where summaries go: the folder of the run's latest.md (run.py sets it).
output_dir = RESULTS_DIR


def write_profile(name: str, text: str) -> Path:
    path = output_dir / f"profile-{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"   profile written to {path}", flush=True)
    return path
