"""Throttling per API key, counted in the database (clock swapped, no sleeps)."""

import textwrap
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from live_server import LiveServer
from rest_framework.test import APIClient
from server_helpers import post_json

from saves.api.throttling import ClientRateThrottle, count_request, parse_rate
from saves.models import SaveReport
from saves.services import issue_api_key

SAVES = "/api/v1/saves/"
START = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.SAVETRAIL_THROTTLE_RATE = "2/min"
    fake = Clock()
    monkeypatch.setattr(ClientRateThrottle, "clock", staticmethod(fake))
    return fake


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("2/min", (2, timedelta(minutes=1))),
        ("10/s", (10, timedelta(seconds=1))),
        ("100/hour", (100, timedelta(hours=1))),
        ("5000/day", (5000, timedelta(days=1))),
    ],
)
def test_parse_rate_reads_count_and_period(rate, expected):
    assert parse_rate(rate) == expected


def test_third_request_in_a_minute_answers_429_with_retry_after(
    reporter, report, clock
):
    first = post_json(reporter, SAVES, report())
    second = post_json(reporter, SAVES, report())
    clock.now = START + timedelta(seconds=10)
    third = post_json(reporter, SAVES, report())

    assert (first.status_code, second.status_code, third.status_code) == (
        201,
        201,
        429,
    )
    assert third["Retry-After"] == "50"
    assert third.json() == {
        "code": "throttled",
        "detail": "Too many requests with this API key. Try again in 50 seconds.",
    }
    assert SaveReport.objects.count() == 2


def test_retry_after_never_exceeds_the_period(reporter, report, clock):
    # A concurrent worker whose clock read a moment later opened the window.
    clock.now = START + timedelta(seconds=1)
    for _ in range(2):
        post_json(reporter, SAVES, report())
    clock.now = START

    response = post_json(reporter, SAVES, report())

    assert response["Retry-After"] == "60"


def test_requests_are_allowed_again_when_the_window_ends(reporter, report, clock):
    for _ in range(3):
        post_json(reporter, SAVES, report())
    clock.now = START + timedelta(seconds=60)

    response = post_json(reporter, SAVES, report())

    assert response.status_code == 201


def test_retry_after_is_whole_seconds_rounded_up(reporter, report, clock):
    post_json(reporter, SAVES, report())
    post_json(reporter, SAVES, report())
    clock.now = START + timedelta(seconds=59, microseconds=500000)

    response = post_json(reporter, SAVES, report())

    assert response["Retry-After"] == "1"


def test_each_key_has_its_own_limit(reporter, report, clock):
    _, other_key = issue_api_key("bob-workstation")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key}")
    post_json(reporter, SAVES, report())
    post_json(reporter, SAVES, report())

    response = post_json(other, SAVES, report())

    assert response.status_code == 201


def test_reading_counts_against_the_same_limit(reporter, reading_key, clock):
    staff = get_user_model().objects.create_user("ops", is_staff=True)
    reporter.credentials()
    reporter.force_login(staff)

    statuses = [reporter.get(SAVES).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_health_is_never_throttled(api_client, clock):
    statuses = {api_client.get("/api/v1/health/").status_code for _ in range(5)}

    assert statuses == {200}


def test_throttling_off_allows_everything(reporter, report, settings):
    settings.SAVETRAIL_THROTTLE_RATE = None

    statuses = {post_json(reporter, SAVES, report()).status_code for _ in range(5)}

    assert statuses == {201}


def test_count_request_counts_in_one_window_and_restarts_after_it():
    minute = timedelta(minutes=1)

    counts = [
        count_request("key:1", minute, START + timedelta(seconds=s))
        for s in (0, 30, 59)
    ]
    restarted = count_request("key:1", minute, START + timedelta(seconds=61))

    assert counts == [(1, START), (2, START), (3, START)]
    assert restarted == (1, START + timedelta(seconds=61))


COUNTING_SCRIPT = textwrap.dedent(
    """
    from datetime import timedelta
    from django.utils import timezone
    from saves.api.throttling import count_request
    counts = [
        count_request("key:shared", timedelta(hours=1), timezone.now())[0]
        for _ in range(200)
    ]
    print(" ".join(map(str, counts)))
    """
)


@pytest.mark.django_db(transaction=False)
def test_two_processes_share_one_counter(tmp_path):
    server = LiveServer(tmp_path)
    server.prepare_database()
    outputs = []

    def count_in_a_process():
        outputs.append(server.manage("shell", "-v", "0", "-c", COUNTING_SCRIPT))

    try:
        workers = [threading.Thread(target=count_in_a_process) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        server.close()

    counts = sorted(int(count) for output in outputs for count in output.split())
    assert counts == list(range(1, 401))
