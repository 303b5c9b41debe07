"""Run the real SaveTrail server (gunicorn, DEBUG off) for tests that need HTTP.

    server = LiveServer(tmp_path)
    server.start()                      # fresh database, free loopback port
    key = server.create_key("anna")     # raw API key, scope report
    ... talk to server.base_url ...
    server.stop(); server.start()       # same port, same database
    server.close()                      # stop and drop the database

The database is a new SQLite file under the given folder, or, when
DATABASE_URL names PostgreSQL, a new database on that server, dropped on close.
The fixture `live_server_process` in tests/conftest.py wraps this class.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
MANAGE_PY = REPO_DIR / "server" / "manage.py"
START_TIMEOUT = 60


class LiveServerError(RuntimeError):
    pass


class LiveServer:
    """The server in its own processes, as production runs it."""

    def __init__(
        self,
        folder: Path,
        *,
        workers: int = 2,
        threads: int = 8,
        env: dict[str, str] | None = None,
        gunicorn_args: tuple[str, ...] = (),
    ):
        self.folder = Path(folder)
        self.workers = workers
        self.threads = threads
        self.extra_env = env or {}
        self.gunicorn_args = gunicorn_args
        self.log_path = self.folder / "server.log"
        self.port: int | None = None
        self.database_url: str | None = None
        self._postgres_admin_url: str | None = None
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """The environment the server and its manage.py commands run with."""
        base = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "SECURE_", "SAVETRAIL_"))
            and key not in {"DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY"}
        }
        return {
            **base,
            "DEBUG": "false",
            "SECRET_KEY": self._secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "SAVETRAIL_VAR_DIR": str(self.folder / "var"),
            "SAVETRAIL_THROTTLE_RATE": "6000/min",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def prepare_database(self) -> None:
        """Create and migrate the server's database, once."""
        if self.database_url is not None:
            return
        self._secret_key = secrets.token_urlsafe(50)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.database_url = self._create_database()
        self.manage("migrate", "--noinput")

    def start(self) -> None:
        """Start serving; on the first start, create and migrate the database."""
        self.prepare_database()

        self._socket = socket.create_server(("127.0.0.1", self.port or 0))
        self._socket.set_inheritable(True)
        self.port = self._socket.getsockname()[1]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--chdir",
                    str(REPO_DIR / "server"),
                    "--bind",
                    f"fd://{self._socket.fileno()}",
                    "--worker-class",
                    "gthread",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--graceful-timeout",
                    "5",
                    "--no-control-socket",
                    "--access-logfile",
                    "-",
                    "--access-logformat",
                    'worker=%(p)s %(h)s "%(r)s" %(s)s %(M)sms',
                    *self.gunicorn_args,
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[self._socket.fileno()],
            )
        self._wait_until_healthy()

    def stop(self) -> None:
        """Stop the server and close its port; the database stays."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def close(self) -> None:
        """Stop the server and remove its database."""
        self.stop()
        if self._postgres_admin_url is not None:
            self._drop_postgres_database()

    def manage(self, *args: str) -> str:
        """Run a manage.py command against the server's database; return stdout."""
        result = subprocess.run(
            [sys.executable, str(MANAGE_PY), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LiveServerError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def create_key(self, name: str, *, read: bool = False, report: bool = True) -> str:
        """Issue an API key on the server; return the raw key."""
        args = ["create_api_key", name]
        if read:
            args.append("--read")
        if not report:
            args.append("--no-report")
        return self.manage(*args).strip()

    def log_text(self) -> str:
        return (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LiveServerError(f"The server exited:\n{self.log_text()}")
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
        raise LiveServerError(f"The server did not answer:\n{self.log_text()}")

    def _create_database(self) -> str:
        configured = os.environ.get("DATABASE_URL", "")
        if not configured.startswith(("postgres://", "postgresql://")):
            return f"sqlite:///{self.folder / 'var' / 'savetrail.sqlite3'}"

        import psycopg

        name = f"savetrail_live_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(configured, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self._postgres_admin_url = configured
        self._database_name = name
        return urllib.parse.urlsplit(configured)._replace(path=f"/{name}").geturl()

    def _drop_postgres_database(self) -> None:
        import psycopg

        with psycopg.connect(self._postgres_admin_url, autocommit=True) as connection:
            connection.execute(
                f'DROP DATABASE IF EXISTS "{self._database_name}" WITH (FORCE)'
            )
        self._postgres_admin_url = None
