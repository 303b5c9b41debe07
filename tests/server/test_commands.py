"""create_api_key and bootstrap, as `make run` and administrators use them."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from saves.models import ApiKey
from saves.services import authenticate_key

KEY_PATTERN = r"st_[a-z0-9]{8}_[A-Za-z0-9_-]{43}"

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    stdout = StringIO()
    call_command(*args, stdout=stdout)
    return stdout.getvalue()


def test_create_api_key_prints_the_key_as_its_only_line():
    output = run("create_api_key", "anna")

    assert re.fullmatch(KEY_PATTERN + "\n", output)
    api_key = ApiKey.objects.get(name="anna")
    assert authenticate_key(output.strip()) == api_key
    assert (api_key.can_report, api_key.can_read) == (True, False)
    assert api_key.prefix == output[3:11]


def test_create_api_key_with_scope_flags():
    run("create_api_key", "dashboard", "--read", "--no-report")

    api_key = ApiKey.objects.get(name="dashboard")
    assert (api_key.can_report, api_key.can_read) == (False, True)


def test_create_api_key_refuses_a_taken_name():
    run("create_api_key", "anna")

    with pytest.raises(CommandError) as error:
        run("create_api_key", "anna")

    assert str(error.value) == "An API key named 'anna' exists already."
    assert ApiKey.objects.count() == 1


def test_key_is_stored_only_as_prefix_and_digest():
    raw_key = run("create_api_key", "anna").strip()

    api_key = ApiKey.objects.get()
    stored = [str(value) for value in vars(api_key).values()]
    assert raw_key not in stored
    secret = raw_key[len("st_12345678_") :]
    assert len(secret) == 43
    assert secret not in " ".join(stored)


def test_bootstrap_creates_admin_and_key_and_prints_them_once():
    first = run("bootstrap")
    second = run("bootstrap")

    lines = first.splitlines()
    assert lines[0] == "SaveTrail is set up. These secrets are shown only this once:"
    password = re.fullmatch(
        r"  Admin login \(/admin/\)  user: admin  password: (\S+)", lines[1]
    ).group(1)
    raw_key = re.fullmatch(
        rf"  API key 'first key' for the add-on:  ({KEY_PATTERN})", lines[2]
    ).group(1)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(password)
    assert authenticate_key(raw_key).name == "first key"
    assert second == (
        "Admin user 'admin' exists already. Make another API key with: "
        ".venv/bin/python server/manage.py create_api_key NAME\n"
    )
    assert password not in second and raw_key not in second
    assert ApiKey.objects.count() == 1


def test_bootstrap_leaves_an_existing_superuser_alone():
    get_user_model().objects.create_superuser("chief", password="x")

    output = run("bootstrap")

    assert output.startswith("Admin user 'chief' exists already.")
    assert not get_user_model().objects.filter(username="admin").exists()
    assert ApiKey.objects.count() == 0
