"""Wait until Django can connect to its database, or give up with a clear error.

Usage: python wait_for_db.py SECONDS   (run from the Django project directory)
"""

import os
import sys
import time

import django
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.utils import OperationalError

RETRY_INTERVAL_SECONDS = 1


def describe_database() -> str:
    """Name the database without its password."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"SQLite file {settings['NAME']}"
    host = settings["HOST"] or settings["OPTIONS"].get("host") or "localhost"
    port = settings["PORT"] or "default port"
    return f"{settings['NAME']} on {host}:{port} as user {settings['USER']}"


def wait_for_database(timeout_seconds: float) -> None:
    if connection.vendor == "postgresql":
        # A host that drops packets would otherwise hold one attempt for minutes.
        connection.settings_dict["OPTIONS"].setdefault("connect_timeout", 5)

    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            connection.ensure_connection()
        except OperationalError as error:
            if time.monotonic() >= deadline:
                sys.exit(
                    f"SaveTrail: the database ({describe_database()}) did not answer "
                    f"within {timeout_seconds:g} s. Check DATABASE_URL and that the "
                    f"database server is running. Last error: {error}"
                )
            time.sleep(RETRY_INTERVAL_SECONDS)
        else:
            connection.close()
            return


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        django.setup()
    except ImproperlyConfigured as error:
        # The settings name the variable at fault; a traceback would bury it.
        sys.exit(f"SaveTrail: {error}")

    timeout_seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    print(f"Waiting up to {timeout_seconds:g} s for the database", flush=True)
    wait_for_database(timeout_seconds)


if __name__ == "__main__":
    main()
