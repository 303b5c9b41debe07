"""Builders shared by the admin tests (plain functions, imported by name)."""

import csv
import io
import itertools
from datetime import UTC, datetime

from django.contrib.auth.models import Permission

from saves.admin import SaveReportAdmin
from saves.models import SaveReport

# The admin's "now" in these tests: Tuesday 10 March 2026, 12:00 UTC, which is
# 13:00 in Berlin (UTC+1 until the end of March).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

LIST_URL = "/admin/saves/savereport/"
EXPORT_URL = "/admin/saves/savereport/export/"
OVERVIEW_URL = "/admin/saves/savereport/overview/"
KEYS_URL = "/admin/saves/apikey/"

_event_numbers = itertools.count(1)


def utc(text: str) -> datetime:
    """Return the aware UTC datetime written as "2026-03-10 17:42:55"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_report(**fields) -> SaveReport:
    """Store one report; fields override the defaults."""
    number = next(_event_numbers)
    values = {
        "event_id": f"00000000-0000-4000-8000-{number:012d}",
        "username": "anna",
        "saved_at": utc("2026-03-10 11:00:00"),
        "file_path": "/proj/shot 010.blend",
        "hostname": "ws-12",
        "blender_version": "5.0.1",
        "file_size": 123456,
        **fields,
    }
    return SaveReport.objects.create(**values)


def freeze_admin_clock(monkeypatch, now: datetime = NOW) -> datetime:
    monkeypatch.setattr(SaveReportAdmin, "clock", staticmethod(lambda: now))
    return now


def in_zone(client, zone: str):
    """Make client's requests carry the time-zone cookie the admin's script sets."""
    client.cookies["savetrail_tz"] = zone
    return client


def staff_user(django_user_model, username: str, *permissions: str):
    """Return a staff user (not superuser) holding the given codenames."""
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


def csv_rows(response) -> list[list[str]]:
    """Return the parsed rows of a streamed CSV response (byte order mark dropped)."""
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))
