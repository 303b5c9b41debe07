"""A per-client request limit that holds across every server process.

The count lives in the database (saves.RequestCounter), updated by one atomic
statement per request, so four workers allow the limit once between them, not four
times. A window starts with a client's first request and lasts one period.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from saves.models import ApiKey, RequestCounter

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_rate(rate: str) -> tuple[int, timedelta]:
    """Return the request count and period of a rate such as "120/min"."""
    count, unit = rate.split("/")
    return int(count), timedelta(seconds=PERIODS[unit[0]])


COUNT_REQUEST_SQL = """
    INSERT INTO {table} (client, window_start, count) VALUES (%s, %s, 1)
    ON CONFLICT (client) DO UPDATE SET
        count = CASE WHEN {table}.window_start > %s
            THEN {table}.count + 1 ELSE 1 END,
        window_start = CASE WHEN {table}.window_start > %s
            THEN {table}.window_start ELSE excluded.window_start END
    RETURNING count, window_start
"""


def _microseconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def count_request(
    client: str, period: timedelta, now: datetime
) -> tuple[int, datetime]:
    """Count one request of client; return the count and start of its window.

    One statement, atomic on its own (an upsert understood by PostgreSQL and by
    SQLite 3.35+): the ORM would need three, and a transaction around them.
    """
    table = connection.ops.quote_name(RequestCounter._meta.db_table)
    now_us = _microseconds(now)
    window_opened_after = _microseconds(now - period)
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_REQUEST_SQL.format(table=table),
            [client, now_us, window_opened_after, window_opened_after],
        )
        count, window_start = cursor.fetchone()
    return count, EPOCH + timedelta(microseconds=window_start)


def client_of(request) -> str | None:
    """Return who the request counts against: its API key or its staff user."""
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.pk}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return None


class ClientRateThrottle(BaseThrottle):
    """Allow each client settings.SAVETRAIL_THROTTLE_RATE requests per period."""

    clock = staticmethod(timezone.now)

    def allow_request(self, request, view):
        client = client_of(request)
        rate = settings.SAVETRAIL_THROTTLE_RATE
        if rate is None or client is None:
            return True

        limit, period = parse_rate(rate)
        now = self.clock()
        count, window_start = count_request(client, period, now)
        # Another process may have opened the window a moment "after" our now.
        remaining = min(window_start + period - now, period)
        self.retry_after = remaining.total_seconds()
        return count <= limit

    def wait(self):
        return max(self.retry_after, 1)
