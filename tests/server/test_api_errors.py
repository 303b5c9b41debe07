"""Every error under /api/ is JSON with a stable code, whatever its cause."""

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from saves import services
from saves.models import SaveReport

SAVES = "/api/v1/saves/"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/nothing", "/api/"])
def test_unknown_api_address_answers_404_json(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "not_found",
        "detail": "There is nothing at this address of the API.",
    }


def test_unknown_address_outside_the_api_answers_html(api_client):
    response = api_client.get("/nothing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", SAVES, "GET, POST, HEAD"),
        ("delete", f"{SAVES}1/", "GET, HEAD"),
        ("patch", "/api/v1/saves/batch/", "POST"),
        ("options", SAVES, "GET, POST, HEAD"),
        ("post", "/api/v1/health/", "GET, HEAD"),
    ],
)
def test_unsupported_method_answers_405_json_before_authentication(
    api_client, method, path, allowed
):
    response = getattr(api_client, method)(path)

    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert response.json() == {
        "code": "method_not_allowed",
        "detail": f'Method "{method.upper()}" not allowed.',
    }


def test_body_that_is_not_json_answers_415(reporter):
    response = reporter.post(SAVES, "username=anna", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == {
        "code": "unsupported_media_type",
        "detail": "Send the body as JSON, with Content-Type: application/json.",
    }


def test_form_body_answers_415(reporter):
    response = reporter.post(SAVES, {"username": "anna"})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "Expecting property name enclosed in double quotes"),
        (b'{"username": "\xff"}', "'utf-8' codec can't decode byte 0xff"),
        (b'{"file_size": NaN}', "Out of range float values are not JSON compliant"),
    ],
)
def test_malformed_json_answers_400(reporter, body, reason):
    response = reporter.post(SAVES, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"].startswith("The body is not valid JSON (")
    assert reason in response.json()["detail"]
    assert "fields" not in response.json()
    assert SaveReport.objects.count() == 0


def test_unexpected_fault_answers_500_json(reporting_key, report, monkeypatch):
    def fail(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "save_event_record", fail)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {reporting_key[1]}")

    response = client.post(SAVES, report(), format="json")

    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "detail": "The server failed to answer; the fault is logged.",
    }


def test_database_failure_answers_503_json(reporter, report, monkeypatch):
    def fail(*args):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "save_event_record", fail)

    response = reporter.post(SAVES, report(), format="json")

    assert response.status_code == 503
    assert response.json() == {
        "code": "database_unavailable",
        "detail": "The database cannot be reached; try again later.",
    }


def test_bad_host_under_the_api_answers_400_json(api_client, settings):
    settings.ALLOWED_HOSTS = ["savetrail.example.org"]

    response = api_client.get(SAVES, HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "The request cannot be served as sent.",
    }


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v2/saves/"])
def test_unknown_api_address_answers_json_even_with_debug_on(
    api_client, settings, path
):
    settings.DEBUG = True

    response = api_client.post(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
