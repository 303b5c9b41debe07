import uuid

import pytest
from rest_framework.test import APIClient

from saves.services import issue_api_key


@pytest.fixture
def report():
    """A valid report as the add-on sends it, with a fresh event_id."""

    def make(**changes):
        body = {
            "event_id": str(uuid.uuid4()),
            "username": "anna",
            "saved_at": "2026-03-10T17:42:55Z",
            "file_path": "/proj/shot 010.blend",
            "blender_version": "5.0.1",
            "hostname": "ws-12",
            "file_size": 123456,
        }
        body.update(changes)
        return body

    return make


@pytest.fixture
def reporting_key(db):
    """An API key with the report scope, as (ApiKey, raw key)."""
    return issue_api_key("anna-workstation")


@pytest.fixture
def reading_key(db):
    return issue_api_key("dashboard", can_report=False, can_read=True)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def reporter(api_client, reporting_key):
    """A client sending the reporting key."""
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {reporting_key[1]}")
    return api_client


@pytest.fixture
def reader(reading_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {reading_key[1]}")
    return client
