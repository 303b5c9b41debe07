"""A per-client request limit that holds across every server process.

The count lives in the database (saves.RequestCounter), updated with one atomic
UPDATE per request, so four workers allow the limit once between them, not four
times. A window starts with a client's first request and lasts one period.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from saves.models import ApiKey, RequestCounter

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, timedelta]:
    """Return the request count and period of a rate such as "120/min"."""
    count, unit = rate.split("/")
    return int(count), timedelta(seconds=PERIODS[unit[0]])


def count_request(
    client: str, period: timedelta, now: datetime
) -> tuple[int, datetime]:
    """Count one request of client; return the count and start of its window."""
    in_window = Q(window_start__gt=now - period)
    with transaction.atomic():
        updated = RequestCounter.objects.filter(client=client).update(
            count=Case(When(in_window, then=F("count") + 1), default=Value(1)),
            window_start=Case(
                When(in_window, then=F("window_start")),
                default=Value(now, output_field=DateTimeField()),
            ),
        )
        if not updated:
            try:
                with transaction.atomic():
                    RequestCounter.objects.create(
                        client=client, window_start=now, count=1
                    )
            except IntegrityError:
                # Another process counted this client's first request just now.
                return count_request(client, period, now)
        counter = RequestCounter.objects.get(client=client)
    return counter.count, counter.window_start


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
        self.retry_after = (window_start + period - now).total_seconds()
        return count <= limit

    def wait(self):
        return max(self.retry_after, 1)
