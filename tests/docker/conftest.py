"""Fixtures for the Docker tests, which `make test-docker` runs (tests/docker/run.sh).

run.sh installs the engine and the tools, builds the image and names it in
SAVETRAIL_TEST_IMAGE. A plain `make test` has none of that, so without the
variable nothing in this folder is collected; CI runs `make test-docker` as its
own step.
"""

import os
import secrets

import psycopg
import pytest
from containers import Docker
from psycopg import sql

if not os.environ.get("SAVETRAIL_TEST_IMAGE"):
    collect_ignore_glob = ["test_*.py"]

POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def image() -> str:
    return os.environ["SAVETRAIL_TEST_IMAGE"]


@pytest.fixture(scope="session")
def docker() -> Docker:
    return Docker(
        binary=os.environ.get("SAVETRAIL_DOCKER", "docker"),
        run_id=os.environ.get("SAVETRAIL_TEST_RUN", "savetrail-test"),
    )


@pytest.fixture(scope="session")
def new_database():
    """Create empty PostgreSQL databases on the host; drop them at the end.

    Call it to get a DATABASE_URL for a database no other test run uses.
    """
    created = []

    def create() -> str:
        name = f"savetrail_docker_{secrets.token_hex(6)}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            )
        created.append(name)
        return f"postgres://postgres@127.0.0.1:5432/{name}"

    yield create

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        for name in created:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


@pytest.fixture
def start_container(docker, image):
    """Start containers of the image; each is removed when the test ends."""
    started = []

    def start(name: str, env: dict[str, str]):
        container = docker.run_container(image, name, env)
        started.append(container)
        return container

    yield start

    for container in started:
        container.remove()
