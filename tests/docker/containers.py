"""Drive the Docker engine from the tests: run the image, wait for it, read it.

Every container carries the label savetrail.test-run=<run id>, so that
tests/docker/run.sh removes whatever a failed test left behind.
"""

import json
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

HEALTHY_TIMEOUT_SECONDS = 90
POLL_SECONDS = 0.5


class DockerError(AssertionError):
    pass


@dataclass
class Docker:
    binary: str
    run_id: str

    def __call__(self, *args: str, check: bool = True, timeout: float = 120):
        """Run one docker command; raise with its stderr when it fails."""
        completed = subprocess.run(
            [self.binary, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and completed.returncode != 0:
            raise DockerError(
                f"docker {' '.join(args)} failed ({completed.returncode}):\n"
                f"{completed.stderr}{completed.stdout}"
            )
        return completed

    def run_container(self, image: str, name: str, env: dict[str, str]) -> "Container":
        """Start the image in the background on the host network and a free port."""
        port = free_port()
        full_name = f"{self.run_id}-{name}"
        env_args = []
        for key, value in {"PORT": str(port), **env}.items():
            env_args += ["--env", f"{key}={value}"]
        self(
            "run",
            "--detach",
            "--name",
            full_name,
            "--label",
            f"savetrail.test-run={self.run_id}",
            "--network",
            "host",
            # The image checks every 10 s; the tests need not wait that long.
            "--health-interval",
            "1s",
            *env_args,
            image,
        )
        return Container(self, full_name, port)


@dataclass
class Container:
    docker: Docker
    name: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> dict:
        output = self.docker("inspect", "--format", "{{json .State}}", self.name)
        return json.loads(output.stdout)

    def logs(self) -> str:
        completed = self.docker("logs", self.name)
        return completed.stdout + completed.stderr

    def wait_until_healthy(self, timeout: float = HEALTHY_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if state["Status"] == "exited":
                raise DockerError(
                    f"{self.name} exited with {state['ExitCode']}:\n{self.logs()}"
                )
            if state.get("Health", {}).get("Status") == "healthy":
                return
            time.sleep(POLL_SECONDS)
        raise DockerError(
            f"{self.name} not healthy after {timeout} s: {self.state()}\n{self.logs()}"
        )

    def wait_until_exited(self, timeout: float) -> int:
        """Return the exit code once the container has stopped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if state["Status"] == "exited":
                return state["ExitCode"]
            time.sleep(POLL_SECONDS / 5)
        raise DockerError(f"{self.name} still running after {timeout} s")

    def manage(self, *args: str) -> str:
        """Run `python manage.py ...` in the image's working directory."""
        return self.docker("exec", self.name, "python", "manage.py", *args).stdout

    def processes(self) -> list[tuple[str, str]]:
        """Return (user id, command line) of every process in the container."""
        output = self.docker("top", self.name, "-o", "pid,uid,args").stdout
        return [tuple(line.split(maxsplit=2)[1:]) for line in output.splitlines()[1:]]

    def remove(self) -> None:
        self.docker("rm", "--force", "--volumes", self.name)


def production_env(database_url: str, **overrides: str) -> dict[str, str]:
    """Settings as a deployment sets them; localhost is not an allowed host."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "False",
        **overrides,
    }


def free_port() -> int:
    """Return a TCP port nobody listens on now (the container binds 0.0.0.0)."""
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


def http_request(url: str, headers: dict[str, str] | None = None, json_body=None):
    """GET, or POST json_body, without proxies or redirects.

    Return (status, headers, body text).
    """
    data = None if json_body is None else json.dumps(json_body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None
