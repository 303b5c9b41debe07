"""The container behind a real TLS proxy: Caddy with its own CA on loopback (A20).

The settings are those compose.yaml gives a domain: the proxy header trusted and
SECURE_SSL_REDIRECT on. Through Caddy nothing may loop and the admin login must
pass Django's CSRF origin check.
"""

import http.cookiejar
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from containers import Container, free_port, http_get, production_env

CADDY_START_TIMEOUT_SECONDS = 30
ADMIN_PASSWORD = "correct-horse-battery-staple-42"


@dataclass
class ProxiedServer:
    url: str
    ssl_context: ssl.SSLContext
    container: Container


@pytest.fixture(scope="module")
def proxied_server(docker, image, new_database, tmp_path_factory):
    container = docker.run_container(
        image,
        "tls",
        production_env(
            new_database(),
            ALLOWED_HOSTS="localhost",
            SECURE_PROXY_SSL_HEADER="true",
            SECURE_SSL_REDIRECT="true",
        ),
    )
    folder = tmp_path_factory.mktemp("caddy")
    https_port = free_port()
    caddy = start_caddy(folder, https_port, container.port)
    try:
        ssl_context = wait_for_caddy(folder, https_port, caddy)
        container.wait_until_healthy()
        container.docker(
            "exec",
            "--env",
            f"DJANGO_SUPERUSER_PASSWORD={ADMIN_PASSWORD}",
            container.name,
            "python",
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username=admin",
            "--email=admin@example.invalid",
        )
        yield ProxiedServer(f"https://localhost:{https_port}", ssl_context, container)
    finally:
        caddy.terminate()
        caddy.wait(timeout=10)
        container.remove()


def start_caddy(folder: Path, https_port: int, upstream_port: int):
    """Run Debian's Caddy on loopback with `tls internal` in front of the container."""
    caddyfile = folder / "Caddyfile"
    caddyfile.write_text(
        "{\n"
        "\tadmin off\n"
        "\tskip_install_trust\n"
        "\tauto_https disable_redirects\n"
        "}\n\n"
        f"https://localhost:{https_port} {{\n"
        "\tbind 127.0.0.1\n"
        "\ttls internal\n"
        f"\treverse_proxy 127.0.0.1:{upstream_port}\n"
        "}\n"
    )
    with (folder / "caddy.log").open("w") as log:
        return subprocess.Popen(
            ["caddy", "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(folder),
                "XDG_DATA_HOME": str(folder / "data"),
                "XDG_CONFIG_HOME": str(folder / "config"),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_for_caddy(folder: Path, https_port: int, caddy) -> ssl.SSLContext:
    """Return a context trusting Caddy's CA once Caddy answers over TLS."""
    root_certificate = folder / "data/caddy/pki/authorities/local/root.crt"
    deadline = time.monotonic() + CADDY_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if caddy.poll() is not None:
            break
        if root_certificate.exists():
            context = ssl.create_default_context(cafile=str(root_certificate))
            try:
                https_get(f"https://localhost:{https_port}/", context)
            except (OSError, ssl.SSLError):
                pass
            else:
                return context
        time.sleep(0.2)
    log = (folder / "caddy.log").read_text()
    raise AssertionError(f"Caddy did not serve HTTPS on {https_port}:\n{log}")


def https_get(request, context: ssl.SSLContext, opener=None):
    opener = opener or build_opener(context)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def build_opener(context: ssl.SSLContext, cookies=None):
    """An opener that trusts Caddy's CA, keeps cookies and follows no redirect."""
    handlers = [
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(context=context),
        NoRedirect,
    ]
    if cookies is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(cookies))
    return urllib.request.build_opener(*handlers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def test_health_answers_over_https(proxied_server):
    status, _, body = https_get(
        f"{proxied_server.url}/api/v1/health/", proxied_server.ssl_context
    )

    assert (status, body) == (200, '{"status":"ok","database":"ok"}')


def test_admin_login_page_loads_without_a_redirect(proxied_server):
    status, _, body = https_get(
        f"{proxied_server.url}/admin/login/", proxied_server.ssl_context
    )

    assert status == 200
    assert "<title>Log in | Django site admin</title>" in body


def test_plain_http_straight_to_the_container_is_redirected(proxied_server):
    container = proxied_server.container

    status, headers, _ = http_get(
        f"{container.base_url}/admin/login/", headers={"Host": "localhost"}
    )

    assert status == 301
    assert headers["Location"] == "https://localhost/admin/login/"


def test_admin_login_through_the_proxy_passes_the_csrf_check(proxied_server):
    cookies = http.cookiejar.CookieJar()
    opener = build_opener(proxied_server.ssl_context, cookies)
    login_url = f"{proxied_server.url}/admin/login/?next=/admin/"
    _, _, login_page = https_get(login_url, proxied_server.ssl_context, opener)
    csrf_token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page
    ).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf_token,
            "username": "admin",
            "password": ADMIN_PASSWORD,
            "next": "/admin/",
        }
    ).encode()
    request = urllib.request.Request(
        login_url,
        data=form,
        headers={"Origin": proxied_server.url, "Referer": login_url},
    )

    status, headers, body = https_get(request, proxied_server.ssl_context, opener)
    assert (status, headers["Location"]) == (302, "/admin/"), body[:2000]

    status, _, body = https_get(
        f"{proxied_server.url}/admin/", proxied_server.ssl_context, opener
    )
    assert status == 200
    assert "Site administration" in body
    assert {cookie.name: cookie.secure for cookie in cookies} == {
        "csrftoken": True,
        "sessionid": True,
    }
