"""What the benchmarks share: the machine, databases, gunicorn, and results.

Every benchmark returns a Result: its parameters, one Row per figure (the
baseline measured in the same run, SaveTrail's figure, the ratio and the goal)
and the errors it saw. A run with errors fails; a missed goal does not, it is
reported and profiled.
"""

import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_DIR / "bench"
SERVER_DIR = REPO_DIR / "server"
RESULTS_DIR = BENCH_DIR / "results"
RAW_DIR = RESULTS_DIR / "raw"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
# Throttling stays on, as in production, with a limit no benchmark reaches:
# every request still pays for its counter update.
THROTTLE_RATE = "100000000/min"
# The production server's flags (docker/entrypoint.sh), bound to a loopback port.
GUNICORN_FLAGS = [
    "--workers",
    "2",
    "--worker-class",
    "gthread",
    "--threads",
    "4",
    "--timeout",
    "30",
    "--graceful-timeout",
    "7",
    "--worker-tmp-dir",
    "/dev/shm",
    "--no-control-socket",
    "--access-logfile",
    "-",
    "--error-logfile",
    "-",
]


class BenchmarkError(RuntimeError):
    """A run went wrong (errors, lost rows): its figures cannot be trusted."""


@dataclass
class Row:
    """One figure, next to the baseline measured in the same run."""

    metric: str
    unit: str
    baseline: float | None
    savetrail: float
    goal: str = ""
    met: bool | None = None  # None: no goal for this figure
    baseline_name: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.savetrail / self.baseline


@dataclass
class Result:
    name: str
    title: str
    parameters: dict
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    seconds: float = 0.0
    profiles: list[str] = field(default_factory=list)

    @property
    def missed(self) -> list[Row]:
        return [row for row in self.rows if row.met is False]

    def as_json(self) -> dict:
        data = asdict(self)
        for row, row_data in zip(self.rows, data["rows"], strict=True):
            row_data["ratio"] = row.ratio
        return data


def print_parameters(title: str, parameters: dict) -> None:
    print(f"\n== {title}", flush=True)
    for name, value in parameters.items():
        print(f"   {name}: {value}", flush=True)


def print_row(row: Row) -> None:
    ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
    baseline = "-" if row.baseline is None else f"{row.baseline:,.2f}"
    verdict = {True: "met", False: "MISSED", None: ""}[row.met]
    print(
        f"   {row.metric}: baseline {baseline} {row.unit}, "
        f"SaveTrail {row.savetrail:,.2f} {row.unit}, ratio {ratio}"
        + (f", goal {row.goal}: {verdict}" if row.goal else ""),
        flush=True,
    )


def median(values) -> float:
    return statistics.median(values)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def machine() -> dict:
    """Describe the machine the figures come from."""
    cpu_model = platform.processor() or "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        memory_kb = int(meminfo.readline().split()[1])
    return {
        "cpu": cpu_model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": _postgres_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _postgres_version() -> str:
    import psycopg

    with psycopg.connect(POSTGRES_URL) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


class Database:
    """A PostgreSQL database of its own, migrated, dropped on close."""

    def __init__(self, label: str):
        self.name = f"savetrail_bench_{label}_{os.getpid()}_{secrets.token_hex(3)}"
        self.url = (
            urllib.parse.urlsplit(POSTGRES_URL)._replace(path=f"/{self.name}").geturl()
        )
        self.secret_key = secrets.token_urlsafe(50)
        self.var_dir = RAW_DIR / "var"

    def server_env(self, **extra: str) -> dict[str, str]:
        """Return the production environment of a server on this database."""
        base = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "SECURE_", "SAVETRAIL_"))
            and key not in {"DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY"}
        }
        return {
            **base,
            "DEBUG": "false",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DATABASE_URL": self.url,
            "SAVETRAIL_VAR_DIR": str(self.var_dir),
            "SAVETRAIL_THROTTLE_RATE": THROTTLE_RATE,
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def create(self) -> "Database":
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        self.manage("migrate", "--noinput")
        return self

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(SERVER_DIR / "manage.py"), *args],
            env=self.server_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BenchmarkError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def create_key(self, name: str) -> str:
        return self.manage("create_api_key", name).strip()

    def create_keys(self, count: int) -> list[str]:
        """Issue count report keys in one process; return the raw keys."""
        code = (
            "from saves.services import issue_api_key\n"
            f"for number in range({count}):\n"
            "    print(issue_api_key(f'workstation {number:03d}')[1])"
        )
        keys = [
            word
            for word in self.manage("shell", "-c", code).split()
            if word[:3] == "st_"
        ]
        if len(keys) != count:
            raise BenchmarkError(f"issued {len(keys)} API keys, not {count}")
        return keys

    def query(self, sql: str, params=None) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def report_count(self) -> int:
        return self.query("SELECT count(*) FROM saves_savereport")[0][0]

    def __enter__(self) -> "Database":
        return self.create()

    def __exit__(self, *exc_info) -> None:
        self.drop()


class Gunicorn:
    """gunicorn with the production flags, on a free loopback port."""

    def __init__(self, name: str, env: dict[str, str]):
        self.name = name
        self.env = env
        self.log_path = RAW_DIR / f"gunicorn-{name}.log"
        self.port: int | None = None
        self._socket: socket.socket | None = None
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        self._socket = socket.create_server(("127.0.0.1", self.port or 0))
        self._socket.set_inheritable(True)
        self.port = self._socket.getsockname()[1]
        RAW_DIR.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--chdir",
                    str(SERVER_DIR),
                    "--bind",
                    f"fd://{self._socket.fileno()}",
                    *GUNICORN_FLAGS,
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[self._socket.fileno()],
            )
        self._wait_until_healthy()
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(f"gunicorn {self.name} exited: {self.log_path}")
            try:
                with urllib.request.urlopen(
                    f"{self.base_url}/api/v1/health/", timeout=5
                ) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise BenchmarkError(f"gunicorn {self.name} is silent: {self.log_path}")

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def rss_mib(pid: int) -> float:
    """Return the resident set size of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchmarkError(f"no VmRSS for process {pid}")


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
