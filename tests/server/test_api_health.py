"""GET /api/v1/health/: no key, checks the database, answers for localhost."""

import pytest
from django.db import OperationalError, connection

from saves.services import database_is_reachable

HEALTH = "/api/v1/health/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken_database(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(connection, "cursor", fail)


def test_health_answers_200_without_key(api_client):
    response = api_client.get(HEALTH)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_without_trailing_slash_answers_alike(api_client):
    response = api_client.get("/api/v1/health")

    assert response.status_code == 200


def test_health_answers_503_when_the_database_fails(api_client, broken_database):
    response = api_client.get(HEALTH)

    assert response.status_code == 503
    assert response.json() == {
        "code": "database_unavailable",
        "detail": "The database cannot be reached; try again later.",
    }


def test_database_is_reachable_says_false_when_it_fails(broken_database):
    assert database_is_reachable() is False


def test_database_is_reachable_says_true(db):
    assert database_is_reachable() is True


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1", "[::1]"])
def test_health_answers_for_localhost_outside_allowed_hosts(
    api_client, settings, host
):  # A19
    settings.ALLOWED_HOSTS = ["savetrail.example.org"]
    settings.SECURE_SSL_REDIRECT = True

    response = api_client.get(HEALTH, HTTP_HOST=host)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_for_localhost_reports_a_database_failure(
    api_client, settings, broken_database
):
    settings.ALLOWED_HOSTS = ["savetrail.example.org"]

    response = api_client.get(HEALTH, HTTP_HOST="localhost")

    assert response.status_code == 503


def test_health_is_exempt_from_the_https_redirect(api_client, settings):
    settings.ALLOWED_HOSTS = ["savetrail.example.org"]
    settings.SECURE_SSL_REDIRECT = True

    health = api_client.get(HEALTH, HTTP_HOST="savetrail.example.org")
    other = api_client.get("/api/v1/saves/", HTTP_HOST="savetrail.example.org")

    assert health.status_code == 200
    assert other.status_code == 301
    assert other["Location"] == "https://savetrail.example.org/api/v1/saves/"


def test_other_paths_for_localhost_still_obey_allowed_hosts(api_client, settings):
    settings.ALLOWED_HOSTS = ["savetrail.example.org"]

    response = api_client.get("/api/v1/saves/", HTTP_HOST="localhost")

    assert response.status_code == 400
