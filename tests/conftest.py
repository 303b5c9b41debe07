"""Fixtures shared by every test folder. Nothing Blender-specific belongs here."""

import os

import pytest
from live_server import LiveServer


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Give this run's PostgreSQL test database a name no other run uses.

    Several test runs may share one PostgreSQL server; with the default name
    they would drop each other's test database.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        base_name = database.get("TEST", {}).get("NAME") or f"test_{database['NAME']}"
        database.setdefault("TEST", {})["NAME"] = f"{base_name}_{os.getpid()}"


@pytest.fixture
def live_server_process(tmp_path_factory):
    """The real server (gunicorn, DEBUG off) on a free loopback port.

    Yields a LiveServer: use .base_url, and .create_key(name) for an API key.
    """
    server = LiveServer(tmp_path_factory.mktemp("live_server"))
    server.start()
    yield server
    server.close()
