"""Settings read from the environment, strictly (each case in a new process)."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

SERVER_DIR = Path(__file__).resolve().parents[2] / "server"
PRODUCTION_SECRET = "q3Jx8vW2mZr7LcT9pYk4HsN6bFd1GaE5uVo0iXw_-RtQeMnBjKlP"
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": PRODUCTION_SECRET,
    "ALLOWED_HOSTS": "savetrail.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://savetrail.example.org",
    "SECURE_PROXY_SSL_HEADER": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def clean_environment(tmp_path, **variables) -> dict:
    """The test's environment without any SaveTrail setting, plus variables."""
    names = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "LOG_LEVEL"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in names and not key.startswith(("SECURE_", "SAVETRAIL_", "CSRF_"))
    }
    env["SAVETRAIL_VAR_DIR"] = str(tmp_path / "var")
    env.update(variables)
    return env


def run_python(tmp_path, code: str, **variables) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=SERVER_DIR,
        env=clean_environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        check=False,
    )


def read_settings(tmp_path, *names, **variables):
    """Return the named settings as the server would see them with variables."""
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}, default=str))"
    )
    result = run_python(tmp_path, code, **variables)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    return values[names[0]] if len(names) == 1 else values


def startup_error(tmp_path, **variables) -> str:
    """Return the last line of the error that stops start-up with variables."""
    result = run_python(tmp_path, "import config.settings", **variables)
    assert result.returncode == 1
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("False", False),  # A18
        ("false", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("", False),
        ("True", True),
        ("true", True),
        ("1", True),
        ("YES", True),
        (" on ", True),
    ],
)
def test_debug_is_parsed_strictly(tmp_path, value, expected):
    assert read_settings(tmp_path, "DEBUG", DEBUG=value) is expected


def test_debug_is_off_when_unset(tmp_path):
    assert read_settings(tmp_path, "DEBUG") is False


@pytest.mark.parametrize(
    "name", ["DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"]
)
def test_garbage_boolean_stops_startup_naming_the_variable(tmp_path, name):
    error = startup_error(tmp_path, **{name: "maybe"})

    assert error == (
        "django.core.exceptions.ImproperlyConfigured: "
        f"{name}='maybe' is not a boolean: use true or false (yes/no, on/off, 1/0)."
    )


def test_host_lists_are_read_comma_separated(tmp_path):
    values = read_settings(
        tmp_path,
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="savetrail.example.org, .studio.example, ",
        CSRF_TRUSTED_ORIGINS="https://savetrail.example.org,https://x.example",
    )

    assert values == {
        "ALLOWED_HOSTS": ["savetrail.example.org", ".studio.example"],
        "CSRF_TRUSTED_ORIGINS": ["https://savetrail.example.org", "https://x.example"],
    }


def test_defaults_serve_loopback_only(tmp_path):
    assert read_settings(tmp_path, "ALLOWED_HOSTS") == [
        "localhost",
        "127.0.0.1",
        "[::1]",
    ]


def test_https_settings_follow_the_environment(tmp_path):
    values = read_settings(
        tmp_path,
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        **PRODUCTION,
    )

    assert values == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }


def test_https_settings_are_off_by_default(tmp_path):
    values = read_settings(
        tmp_path,
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
    )

    assert values == {
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
    }


def test_whole_number_setting_refuses_text(tmp_path):
    error = startup_error(tmp_path, SECURE_HSTS_SECONDS="a year")

    assert error.endswith("SECURE_HSTS_SECONDS='a year' is not a whole number.")


def test_missing_secret_with_nothing_set_is_generated_once_into_var(tmp_path):
    first = read_settings(tmp_path, "SECRET_KEY")
    second = read_settings(tmp_path, "SECRET_KEY")

    secret_file = tmp_path / "var" / "secret_key"
    assert first == second == secret_file.read_text()
    assert len(first) >= 50
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_processes_starting_together_share_the_generated_secret(tmp_path):
    code = "import config.settings as s; print(s.SECRET_KEY)"
    env = clean_environment(tmp_path)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=SERVER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]

    secrets = {process.communicate()[0] for process in processes}

    assert len(secrets) == 1
    assert sorted(path.name for path in (tmp_path / "var").iterdir()) == [
        "secret_key",
        "static",
    ]


def test_missing_secret_on_a_deployed_server_stops_startup(tmp_path):
    error = startup_error(tmp_path, ALLOWED_HOSTS="savetrail.example.org")

    assert error.startswith(
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2/min", "2/min"), ("120/MIN", "120/min"), ("off", None), (None, "120/min")],
)
def test_throttle_rate_is_read_from_the_environment(tmp_path, value, expected):
    variables = {} if value is None else {"SAVETRAIL_THROTTLE_RATE": value}

    assert read_settings(tmp_path, "SAVETRAIL_THROTTLE_RATE", **variables) == expected


def test_malformed_throttle_rate_stops_startup(tmp_path):
    error = startup_error(tmp_path, SAVETRAIL_THROTTLE_RATE="fast")

    assert error.endswith(
        "SAVETRAIL_THROTTLE_RATE='fast' is not a rate: use a count per sec, min, "
        'hour or day, for example "120/min", or "off".'
    )


@pytest.mark.parametrize(
    ("variables", "max_age"), [({}, 60), ({"CONN_MAX_AGE": "0"}, 0)]
)
def test_database_connections_are_kept_and_checked(tmp_path, variables, max_age):
    databases = read_settings(tmp_path, "DATABASES", **variables)

    assert databases["default"]["CONN_MAX_AGE"] == max_age
    assert databases["default"]["CONN_HEALTH_CHECKS"] is True


def test_sqlite_waits_for_the_lock_in_wal_mode_with_immediate_transactions(
    tmp_path,
):
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], "
        "c.execute('PRAGMA busy_timeout').fetchone()[0], connection.transaction_mode)"
    )
    result = run_python(tmp_path, code, DJANGO_SETTINGS_MODULE="config.settings")

    assert result.stdout == "wal 20000 IMMEDIATE\n"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=SERVER_DIR,
        env=clean_environment(tmp_path, **PRODUCTION),
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "System check identified no issues (0 silenced).\n",
        "",
    )


def test_check_deploy_warns_with_development_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=SERVER_DIR,
        env=clean_environment(tmp_path, DEBUG="true"),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "(security.W018) You should not have DEBUG set to True" in result.stderr


@pytest.mark.django_db
def test_admin_login_works_behind_an_https_proxy(settings):  # A20
    settings.ALLOWED_HOSTS = ["savetrail.example.org"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    get_user_model().objects.create_superuser("admin", password="s3cret-pass")
    browser = Client(
        enforce_csrf_checks=True,
        HTTP_HOST="savetrail.example.org",
        HTTP_X_FORWARDED_PROTO="https",
    )

    login_page = browser.get("/admin/login/")
    logged_in = browser.post(
        "/admin/login/?next=/admin/",
        {
            "username": "admin",
            "password": "s3cret-pass",
            "csrfmiddlewaretoken": login_page.cookies["csrftoken"].value,
        },
        HTTP_ORIGIN="https://savetrail.example.org",
        HTTP_REFERER="https://savetrail.example.org/admin/login/",
    )
    admin_index = browser.get("/admin/")

    assert login_page.status_code == 200
    assert login_page.cookies["csrftoken"]["secure"] is True
    assert (logged_in.status_code, logged_in["Location"]) == (302, "/admin/")
    assert admin_index.status_code == 200


@pytest.mark.django_db
def test_plain_http_is_redirected_once_to_https(settings):
    settings.ALLOWED_HOSTS = ["savetrail.example.org"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    browser = Client(HTTP_HOST="savetrail.example.org", HTTP_X_FORWARDED_PROTO="http")

    response = browser.get("/admin/login/")

    assert response.status_code == 301
    assert response["Location"] == "https://savetrail.example.org/admin/login/"
