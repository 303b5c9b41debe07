"""The image built from the project's Dockerfile, run against PostgreSQL."""

import json
import socket
import subprocess
import sys
import urllib.parse
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from containers import Docker, free_port, http_request, production_env

REPO_DIR = Path(__file__).resolve().parents[2]
# Installs the add-on from dist/ (make addon) in bpy, saves and reports.
REPORT_ONCE = REPO_DIR / "tests" / "blender" / "report_once.py"
ARTIST = "Анна Docker"
IMAGE_USER_ID = "10001"
STOP_LIMIT_SECONDS = 10
ENTRYPOINT = "/usr/local/lib/savetrail/entrypoint.sh"


@pytest.fixture(scope="module")
def server(docker: Docker, image, new_database):
    """One container with production settings, healthy, for the whole module."""
    container = docker.run_container(image, "web", production_env(new_database()))
    container.wait_until_healthy()
    yield container
    container.remove()


@pytest.fixture(scope="module")
def api_keys(server):
    """A report-only key for the add-on and a read-only key to check its work."""
    return {
        "report": server.manage("create_api_key", "blender-workstation").strip(),
        "read": server.manage(
            "create_api_key", "checker", "--read", "--no-report"
        ).strip(),
    }


@pytest.fixture(scope="module")
def delivered_report(server, api_keys, tmp_path_factory):
    """Save a scene with the real add-on in Blender and report it to the container.

    Returns the saved .blend's path and modification time.
    """
    folder = tmp_path_factory.mktemp("blender") / "Проект сцена"
    folder.mkdir()
    blend_path = folder / "шот 010.blend"
    completed = subprocess.run(
        [sys.executable, str(REPORT_ONCE), "--server", server.base_url]
        + ["--key", api_keys["report"], "--blend", str(blend_path)]
        + ["--username", ARTIST],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, (
        f"{REPORT_ONCE.name} exited {completed.returncode}:\n"
        f"{completed.stdout}{completed.stderr}\n{server.logs()}"
    )
    return blend_path, blend_path.stat().st_mtime


@pytest.fixture(scope="module")
def restarted_server(server, api_keys):
    """Store a report, stop the server as Docker does, then start it again.

    `docker stop` sends SIGTERM, and SIGKILL after 10 s. An idle keep-alive
    connection, as a proxy keeps one, is open during the stop.
    """
    status, _, body = http_request(
        f"{server.base_url}/api/v1/saves/",
        headers={"Authorization": f"Bearer {api_keys['report']}"},
        json_body={
            "event_id": str(uuid.uuid4()),
            "username": "restart-check",
            "saved_at": "2026-03-10T17:42:55Z",
            "file_path": "/proj/shot 020.blend",
        },
    )
    assert status == 201, body
    reports_before = read_reports(server, api_keys["read"], username="restart-check")
    keep_alive = socket.create_connection(("127.0.0.1", server.port))
    keep_alive.sendall(b"GET /api/v1/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert keep_alive.recv(4096).startswith(b"HTTP/1.1 200")

    stop_sent_at = datetime.now(UTC)
    server.docker("stop", "--time", str(STOP_LIMIT_SECONDS), server.name)
    state = server.state()
    keep_alive.close()
    server.docker("start", server.name)
    server.wait_until_healthy()

    return {
        "exit_code": state["ExitCode"],
        "stopped_after": (
            parse_docker_time(state["FinishedAt"]) - stop_sent_at
        ).total_seconds(),
        "reports_before": reports_before,
        "reports_after": read_reports(
            server, api_keys["read"], username="restart-check"
        ),
    }


def parse_docker_time(value: str) -> datetime:
    """Parse Docker's RFC 3339 time, which has nanoseconds, to microseconds."""
    whole, _, fraction = value.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{whole}.{fraction[:6]:0<6}+00:00")


def read_reports(server, api_key: str, **filters: str) -> list[dict]:
    query = urllib.parse.urlencode(filters)
    status, _, body = http_request(
        f"{server.base_url}/api/v1/saves/?{query}",
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert status == 200, body
    return json.loads(body)["results"]


def test_health_check_turns_healthy_without_localhost_in_allowed_hosts(server):
    state = server.state()
    localhost_page, _, _ = http_request(
        f"{server.base_url}/admin/login/", headers={"Host": "localhost"}
    )

    assert localhost_page == 400  # ALLOWED_HOSTS=127.0.0.1 refuses localhost ...
    assert state["Health"]["Status"] == "healthy"  # ... but not its health check
    assert state["Health"]["Log"][-1]["ExitCode"] == 0


def test_server_processes_do_not_run_as_root(server):
    processes = server.processes()  # may include a running health check

    gunicorn = [user for user, command in processes if "bin/gunicorn" in command]
    assert len(gunicorn) == 3  # the arbiter and its two workers
    assert {user for user, _ in processes} == {IMAGE_USER_ID}


def test_static_files_collected_at_build_are_served_with_debug_off(server):
    status, headers, body = http_request(f"{server.base_url}/static/admin/css/base.css")

    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "body" in body
    server.docker("exec", server.name, "test", "-s", "/app/static/admin/css/base.css")


def test_unknown_page_shows_no_debug_details(server):
    status, _, body = http_request(f"{server.base_url}/no-such-page/")

    assert status == 404
    assert "URLconf" not in body


def test_blender_save_is_stored_and_read_back_through_the_api(
    server, api_keys, delivered_report
):
    blend_path, modified_at = delivered_report

    reports = read_reports(server, api_keys["read"], path_contains="шот 010")

    assert len(reports) == 1
    report = reports[0]
    assert report["file_path"] == str(blend_path)
    assert report["username"] == ARTIST
    assert report["api_key"] == "blender-workstation"
    assert report["file_size"] == blend_path.stat().st_size
    saved_at = datetime.fromisoformat(report["saved_at"]).timestamp()
    assert abs(saved_at - modified_at) <= 2


def test_sigterm_stops_the_server_within_10_seconds(restarted_server):
    assert restarted_server["exit_code"] == 0, "gunicorn did not exit by itself"
    assert restarted_server["stopped_after"] < STOP_LIMIT_SECONDS


def test_restart_keeps_the_reports(restarted_server):
    assert restarted_server["reports_after"] == restarted_server["reports_before"]
    assert [report["file_path"] for report in restarted_server["reports_after"]] == [
        "/proj/shot 020.blend"
    ]


def test_start_gives_up_with_a_clear_error_when_the_database_is_down(server):
    closed_port = free_port()
    database_url = f"postgres://savetrail:pw-must-not-show@127.0.0.1:{closed_port}/st"

    # The image's entrypoint, run beside the server: same script, no new container.
    completed = server.docker(
        "exec",
        "--env",
        f"DATABASE_URL={database_url}",
        "--env",
        "SAVETRAIL_DB_WAIT_SECONDS=2",
        server.name,
        ENTRYPOINT,
        check=False,
    )

    assert completed.returncode == 1
    assert completed.stderr.strip() == (
        f"SaveTrail: the database (st on 127.0.0.1:{closed_port} as user savetrail) "
        "did not answer within 2 s. Check DATABASE_URL and that the database "
        f"server is running. Last error: connection failed: connection to server at "
        f'"127.0.0.1", port {closed_port} failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?"
    )
    assert "pw-must-not-show" not in completed.stdout + completed.stderr


def test_start_names_a_missing_secret_key(server):
    completed = server.docker(
        "exec",
        "--env",
        "SECRET_KEY=",
        "--env",
        "ALLOWED_HOSTS=savetrail.example.com",
        server.name,
        ENTRYPOINT,
        check=False,
    )

    assert completed.returncode == 1
    assert completed.stderr.startswith("SaveTrail: SECRET_KEY is not set.")


def test_start_refuses_an_unclear_migrate_switch(server):
    completed = server.docker(
        "exec", "--env", "SAVETRAIL_MIGRATE=maybe", server.name, ENTRYPOINT, check=False
    )

    assert completed.returncode == 64
    assert completed.stderr.strip() == (
        "SAVETRAIL_MIGRATE must be true or false, not 'maybe'"
    )


def test_migrations_are_skipped_when_switched_off(start_container, new_database):
    database_url = new_database()
    container = start_container(
        "nomigrate", production_env(database_url, SAVETRAIL_MIGRATE="false")
    )

    container.wait_until_healthy()

    assert "SAVETRAIL_MIGRATE=false: not applying migrations" in container.logs()
    tables = container.docker(
        "exec",
        container.name,
        "python",
        "-c",
        "from django.db import connection; import django; django.setup(); "
        "print(connection.introspection.table_names())",
    ).stdout
    assert tables.strip() == "[]"
