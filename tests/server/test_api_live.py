"""The real server under load: gunicorn workers, SQLite in WAL mode or PostgreSQL.

Each test starts its own server (tests/live_server.py) on a fresh database.
"""

import http.client
import json
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from live_server import LiveServer

CLIENTS = 50
REPORTS_PER_CLIENT = 100


def report(**changes) -> dict:
    body = {
        "event_id": str(uuid.uuid4()),
        "username": "anna",
        "saved_at": "2026-03-10T17:42:55Z",
        "file_path": "/proj/shot 010.blend",
    }
    body.update(changes)
    return body


class Client:
    """One keep-alive HTTP connection, as one add-on holds it."""

    def __init__(self, server: LiveServer, raw_key: str):
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", server.port, timeout=60
        )
        self.headers = {
            "Authorization": f"Bearer {raw_key}",
            "Content-Type": "application/json",
        }

    def post(self, path: str, body) -> tuple[int, dict, http.client.HTTPResponse]:
        self.connection.request("POST", path, json.dumps(body), self.headers)
        response = self.connection.getresponse()
        return response.status, json.loads(response.read()), response

    def get(self, path: str) -> tuple[int, dict]:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, json.loads(response.read())

    def close(self):
        self.connection.close()


def count_rows(server: LiveServer) -> tuple[int, int]:
    """Return the number of stored reports and of distinct event_ids."""
    output = server.manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from saves.models import SaveReport as S; "
        "print(S.objects.count(), S.objects.values('event_id').distinct().count())",
    )
    rows, distinct = output.split()
    return int(rows), int(distinct)


@pytest.fixture
def busy_server(tmp_path):
    server = LiveServer(
        tmp_path,
        workers=2,
        threads=8,
        env={"SAVETRAIL_THROTTLE_RATE": "1000000/min"},
    )
    server.start()
    yield server
    server.close()


def test_fifty_clients_store_every_report_once(busy_server):  # A16
    raw_key = busy_server.create_key("studio")

    def send_reports(client_number: int) -> list[int]:
        client = Client(busy_server, raw_key)
        try:
            return [
                client.post(
                    "/api/v1/saves/", report(username=f"artist-{client_number}")
                )[0]
                for _ in range(REPORTS_PER_CLIENT)
            ]
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = [
            s for result in pool.map(send_reports, range(CLIENTS)) for s in result
        ]

    assert len(statuses) == CLIENTS * REPORTS_PER_CLIENT
    assert {status: statuses.count(status) for status in set(statuses)} == {201: 5000}
    assert count_rows(busy_server) == (5000, 5000)
    log = busy_server.log_text()
    assert "database is locked" not in log
    assert "Traceback" not in log
    assert raw_key not in log
    assert raw_key[3:11] not in log


def test_concurrent_repeats_of_one_event_store_one_row(busy_server):
    raw_key = busy_server.create_key("studio")
    body = report()
    start_together = threading.Barrier(20)

    def send_once(_) -> int:
        client = Client(busy_server, raw_key)
        try:
            start_together.wait()
            return client.post("/api/v1/saves/", body)[0]
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(send_once, range(20)))

    assert statuses == [200] * 19 + [201]
    assert count_rows(busy_server) == (1, 1)


def test_rate_limit_holds_across_four_workers(tmp_path):  # A17
    server = LiveServer(
        tmp_path,
        workers=4,
        threads=2,
        env={"SAVETRAIL_THROTTLE_RATE": "2/min"},
        # At most two connections per worker, so that the requests spread out.
        gunicorn_args=("--worker-connections", "2"),
    )
    server.start()
    try:
        raw_key = server.create_key("anna")
        start_together = threading.Barrier(16)

        def send_once(_):
            client = Client(server, raw_key)
            try:
                start_together.wait()
                status, body, response = client.post("/api/v1/saves/", report())
                return status, body, response.getheader("Retry-After")
            finally:
                client.close()

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(send_once, range(16)))
        pids = set(
            re.findall(r"worker=<(\d+)> .*\"POST /api/v1/saves/", server.log_text())
        )
    finally:
        server.close()

    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [201, 201] + [429] * 14
    for status, body, retry_after in answers:
        if status == 429:
            assert body["code"] == "throttled"
            assert 1 <= int(retry_after) <= 60
            assert body["detail"] == (
                "Too many requests with this API key. "
                f"Try again in {retry_after} seconds."
            )
    assert len(pids) > 1, "every request went to one worker; the test proves nothing"


def test_production_server_behind_https_proxy_serves_health_and_docs(tmp_path):
    server = LiveServer(
        tmp_path,
        env={
            "ALLOWED_HOSTS": "savetrail.example.org,127.0.0.1",
            "SECURE_PROXY_SSL_HEADER": "true",
            "SECURE_SSL_REDIRECT": "true",
        },
    )
    server.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

    def get(path: str, **headers):
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()

    try:
        health = get("/api/v1/health/", Host="localhost:8000")  # A19
        redirected = get("/api/v1/docs/", Host="savetrail.example.org")
        proxied = {"Host": "savetrail.example.org", "X-Forwarded-Proto": "https"}
        docs = get("/api/v1/docs/", **proxied)
        script = re.search(rb'src="([^"]*swagger-ui-bundle\.js)"', docs[2]).group(1)
        bundle = get(script.decode(), **proxied)
        schema = get("/api/v1/schema/?format=json", **proxied)
    finally:
        connection.close()
        server.close()

    assert health == (200, "application/json", b'{"status":"ok","database":"ok"}')
    assert redirected[0] == 301
    assert docs[0] == 200
    assert script.startswith(b"/static/drf_spectacular_sidecar/swagger-ui-dist/")
    assert bundle[:2] == (200, 'text/javascript; charset="utf-8"')
    assert json.loads(schema[2])["info"]["title"] == "SaveTrail API"


def test_fixture_serves_on_loopback_and_issues_keys(live_server_process):
    raw_key = live_server_process.create_key("anna")
    client = Client(live_server_process, raw_key)

    status, body, _ = client.post("/api/v1/saves/", report())
    client.close()

    assert live_server_process.base_url.startswith("http://127.0.0.1:")
    assert (status, body["api_key"]) == (201, "anna")


def test_chunked_body_without_length_is_answered_not_stored(live_server_process):
    raw_key = live_server_process.create_key("anna")
    connection = http.client.HTTPConnection(
        "127.0.0.1", live_server_process.port, timeout=30
    )

    connection.request(
        "POST",
        "/api/v1/saves/",
        body=iter([json.dumps(report()).encode()]),
        headers={
            "Authorization": f"Bearer {raw_key}",
            "Content-Type": "application/json",
        },
        encode_chunked=True,
    )
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()

    # Known limitation: Django reads a body sent without Content-Length as
    # empty, so a chunked report gets "required" errors (never a 500).
    assert response.status == 400
    assert sorted(body["fields"]) == ["file_path", "saved_at", "username"]
