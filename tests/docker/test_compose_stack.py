"""The whole compose stack up, behind the project's Caddyfile with HTTPS (A20).

compose.yaml runs as written, with four test changes: the image under test
instead of a build, local stand-ins for the postgres and caddy images (no
registry is reachable), Caddy's ports published on free loopback ports, and a
1 s health-check interval. DOMAIN=localhost makes Caddy serve HTTPS with its own
CA, which needs no outside network, through the same automatic-HTTPS path a
real domain takes.
"""

import http.cookiejar
import json
import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from containers import free_port, http_request

REPO_DIR = Path(__file__).resolve().parents[2]
CADDY_ROOT_CERTIFICATE = "/data/caddy/pki/authorities/local/root.crt"
START_TIMEOUT_SECONDS = 300
HTTPS_TIMEOUT_SECONDS = 60
ADMIN_PASSWORD = "correct-horse-battery-staple-42"


@dataclass
class Stack:
    folder: Path
    project: str
    url: str
    http_port: int
    ssl_context: ssl.SSLContext | None = None

    def compose(self, *args: str, timeout: float = START_TIMEOUT_SECONDS) -> str:
        completed = self.run_compose(*args, timeout=timeout)
        if completed.returncode != 0:
            raise AssertionError(
                f"docker-compose {' '.join(args)} failed ({completed.returncode}):\n"
                f"{completed.stderr}{completed.stdout}\n{self.logs()}"
            )
        return completed.stdout

    def run_compose(self, *args: str, timeout: float):
        """Run docker-compose with only .env as settings: the shell's must not leak."""
        return subprocess.run(
            ["docker-compose", "--project-name", self.project, *args],
            cwd=self.folder,
            env={
                key: value
                for key, value in os.environ.items()
                if key in {"PATH", "HOME", "DOCKER_HOST"}
            },
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def logs(self) -> str:
        completed = self.run_compose("logs", "--tail=40", timeout=60)
        return completed.stdout + completed.stderr

    def health(self, service: str) -> str:
        container_id = self.compose("ps", "--quiet", service).strip()
        output = subprocess.run(
            [os.environ.get("SAVETRAIL_DOCKER", "docker"), "inspect", container_id],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        return json.loads(output)[0]["State"]["Health"]["Status"]

    def request(self, path_or_request, opener=None):
        """Send over HTTPS, trusting Caddy's CA, following no redirect."""
        opener = opener or self.opener()
        if isinstance(path_or_request, str):
            path_or_request = self.url + path_or_request
        try:
            with opener.open(path_or_request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def opener(self, cookies=None):
        handlers = [
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=self.ssl_context),
            NoRedirect,
        ]
        if cookies is not None:
            handlers.append(urllib.request.HTTPCookieProcessor(cookies))
        return urllib.request.build_opener(*handlers)

    def up(self) -> None:
        """Start the stack; return once Caddy serves HTTPS."""
        self.compose("up", "--detach", "--no-build")
        certificate = self.folder / "caddy-root.crt"
        deadline = time.monotonic() + HTTPS_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                certificate.write_text(
                    self.compose("exec", "-T", "proxy", "cat", CADDY_ROOT_CERTIFICATE)
                )
                self.ssl_context = ssl.create_default_context(cafile=str(certificate))
                self.request("/api/v1/health/")
            except (AssertionError, OSError, ssl.SSLError):
                time.sleep(0.5)
            else:
                return
        raise AssertionError(f"no HTTPS answer from the stack:\n{self.logs()}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def write_test_compose_file(folder: Path, run_id: str, https_port, http_port):
    compose = yaml.safe_load((REPO_DIR / "compose.yaml").read_text())
    services = compose["services"]
    del services["web"]["build"]
    services["web"]["image"] = os.environ["SAVETRAIL_TEST_IMAGE"]
    services["web"]["healthcheck"] = {"interval": "1s"}
    services["db"]["image"] = os.environ["SAVETRAIL_POSTGRES_STANDIN"]
    services["proxy"]["image"] = os.environ["SAVETRAIL_CADDY_STANDIN"]
    services["proxy"]["ports"] = [
        f"127.0.0.1:{https_port}:443",
        f"127.0.0.1:{http_port}:80",
    ]
    for service in services.values():
        service["labels"] = {"savetrail.test-run": run_id}
    (folder / "compose.yaml").write_text(yaml.safe_dump(compose))


@pytest.fixture(scope="module")
def stack(tmp_path_factory, docker):
    folder = tmp_path_factory.mktemp("stack")
    shutil.copy(REPO_DIR / "Caddyfile", folder)
    shutil.copy(REPO_DIR / ".env.example", folder)
    (folder / "docker").mkdir()
    shutil.copy(REPO_DIR / "docker" / "init-env.sh", folder / "docker")
    subprocess.run(["docker/init-env.sh", "localhost"], cwd=folder, check=True)
    https_port, http_port = free_port(), free_port()
    write_test_compose_file(folder, docker.run_id, https_port, http_port)

    stack = Stack(folder, docker.run_id, f"https://localhost:{https_port}", http_port)
    try:
        stack.up()
        stack.compose(
            "exec",
            "-T",
            "--env",
            f"DJANGO_SUPERUSER_PASSWORD={ADMIN_PASSWORD}",
            "web",
            "python",
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username=admin",
            "--email=admin@example.invalid",
        )
        yield stack
    finally:
        stack.compose("down", "--volumes", "--remove-orphans")


def test_every_service_is_healthy(stack):
    assert stack.health("db") == "healthy"
    assert stack.health("web") == "healthy"


def test_health_answers_over_https(stack):
    status, _, body = stack.request("/api/v1/health/")

    assert (status, body) == (200, '{"status":"ok","database":"ok"}')


def test_plain_http_is_redirected_to_https(stack):
    status, headers, _ = http_request(
        f"http://127.0.0.1:{stack.http_port}/admin/", headers={"Host": "localhost"}
    )

    assert status == 308
    assert headers["Location"] == "https://localhost/admin/"


def test_admin_login_page_loads_without_a_redirect(stack):
    status, _, body = stack.request("/admin/login/")

    assert status == 200
    assert "<title>Log in | SaveTrail</title>" in body


def test_admin_login_passes_the_csrf_check(stack):
    cookies = http.cookiejar.CookieJar()
    opener = stack.opener(cookies)
    login_path = "/admin/login/?next=/admin/"
    _, _, login_page = stack.request(login_path, opener)
    csrf_token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page
    ).group(1)
    form = {
        "csrfmiddlewaretoken": csrf_token,
        "username": "admin",
        "password": ADMIN_PASSWORD,
        "next": "/admin/",
    }
    login = urllib.request.Request(
        stack.url + login_path,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Origin": stack.url, "Referer": stack.url + login_path},
    )

    status, headers, body = stack.request(login, opener)
    assert (status, headers["Location"]) == (302, "/admin/"), body[:2000]

    status, _, body = stack.request("/admin/", opener)
    assert status == 200
    assert (
        "<title>Who saved which Blender file, where and when | SaveTrail</title>"
        in (body)
    )
    assert {cookie.name: cookie.secure for cookie in cookies} == {
        "csrftoken": True,
        "sessionid": True,
    }


def test_reports_survive_down_and_up(stack):
    key = stack.compose(
        "exec", "-T", "web", "python", "manage.py", "create_api_key", "anna", "--read"
    ).strip()
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    report = {
        "event_id": str(uuid.uuid4()),
        "username": "anna",
        "saved_at": "2026-03-10T17:42:55Z",
        "file_path": "/proj/shot 010.blend",
    }
    status, _, body = stack.request(
        urllib.request.Request(
            stack.url + "/api/v1/saves/", data=json.dumps(report).encode(), headers=auth
        )
    )
    assert status == 201, body

    stack.compose("down")
    stack.up()

    status, _, body = stack.request(
        urllib.request.Request(stack.url + "/api/v1/saves/", headers=auth)
    )
    assert status == 200, body
    stored = json.loads(body)["results"]
    assert [(record["event_id"], record["file_path"]) for record in stored] == [
        (report["event_id"], "/proj/shot 010.blend")
    ]
