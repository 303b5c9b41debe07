"""The work of the saves app: issue and check API keys, store reports once.

Views and management commands call these functions; nothing here sees an HTTP
request.
"""

import enum
import hashlib
import secrets
import string
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import ApiKey, SaveReport

KEY_PREFIX = "st_"
PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
LAST_USED_PRECISION = timedelta(minutes=1)

# The fields that make up a report's content: a repeat of a known event_id is
# a duplicate when all of them match, a conflict otherwise.
CONTENT_FIELDS = (
    "username",
    "saved_at",
    "file_path",
    "blender_version",
    "hostname",
    "file_size",
)
OPTIONAL_FIELD_DEFAULTS = {"blender_version": "", "hostname": "", "file_size": None}


class Outcome(enum.StrEnum):
    """What storing one report did."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


class ApiKeyRevoked(Exception):
    """The key is known but was revoked."""

    def __init__(self, api_key: ApiKey):
        super().__init__(f"API key {api_key.name!r} was revoked.")
        self.api_key = api_key


def hash_key(raw_key: str) -> str:
    """Return the digest stored for a key: SHA-256 hex of the whole key."""
    return hashlib.sha256(raw_key.encode("utf-8", "surrogatepass")).hexdigest()


def _new_raw_key() -> tuple[str, str]:
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def issue_api_key(
    name: str, *, can_report: bool = True, can_read: bool = False, created_by=None
) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw key, which is never stored.

    Raise ValueError when a key with this name exists already.
    """
    if ApiKey.objects.filter(name=name).exists():
        raise ValueError(f"An API key named {name!r} exists already.")

    while True:
        prefix, raw_key = _new_raw_key()
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    name=name,
                    prefix=prefix,
                    key_hash=hash_key(raw_key),
                    can_report=can_report,
                    can_read=can_read,
                    created_by=created_by,
                )
        except IntegrityError:
            if ApiKey.objects.filter(name=name).exists():
                raise ValueError(f"An API key named {name!r} exists already.") from None
            continue  # Two keys drew the same prefix: draw again.
        return api_key, raw_key


def revoke_api_key(api_key: ApiKey, *, now: datetime | None = None) -> None:
    """Revoke the key; a revoked key stays revoked with its first revocation time."""
    if api_key.revoked_at is not None:
        return

    api_key.revoked_at = now or timezone.now()
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=api_key.revoked_at
    )


def authenticate_key(raw_key: str, *, now: datetime | None = None) -> ApiKey | None:
    """Return the active key matching raw_key, or None when no key matches.

    Raise ApiKeyRevoked for a revoked key. Record the use in last_used_at, at
    most once a minute per key so that busy keys do not write on every request.
    """
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
        return None

    try:
        api_key = ApiKey.objects.get(key_hash=hash_key(raw_key))
    except ApiKey.DoesNotExist:
        return None

    if api_key.revoked_at is not None:
        raise ApiKeyRevoked(api_key)

    now = now or timezone.now()
    stale_before = now - LAST_USED_PRECISION
    if api_key.last_used_at is None or api_key.last_used_at <= stale_before:
        ApiKey.objects.filter(pk=api_key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before)
        ).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def _complete(data: Mapping) -> dict:
    """Return the report fields of data, with defaults for the optional ones."""
    report = {**OPTIONAL_FIELD_DEFAULTS, **data}
    if report.get("event_id") is None:
        report["event_id"] = uuid.uuid4()
    report["saved_at"] = report["saved_at"].astimezone(UTC)
    return {field: report[field] for field in ("event_id", *CONTENT_FIELDS)}


def _outcome_for_known(record: SaveReport, report: Mapping) -> Outcome:
    same = all(getattr(record, field) == report[field] for field in CONTENT_FIELDS)
    return Outcome.DUPLICATE if same else Outcome.CONFLICT


def save_event_record(
    api_key: ApiKey | None, data: Mapping
) -> tuple[SaveReport, Outcome]:
    """Store one validated report unless its event_id is known.

    Return the stored record and whether it was created, is a duplicate of a
    known one (same content) or conflicts with it (same event_id, other content).
    Safe against concurrent requests carrying the same event_id.
    """
    report = _complete(data)

    try:
        record = _insert_report(api_key, report)
    except IntegrityError:
        # The event_id is known: a retry, a concurrent twin, or a conflict.
        known = (
            SaveReport.objects.select_related("api_key")
            .filter(event_id=report["event_id"])
            .first()
        )
        if known is None:
            raise
        return known, _outcome_for_known(known, report)

    return record, Outcome.CREATED


def _insert_report(api_key: ApiKey | None, report: Mapping) -> SaveReport:
    """Insert one report; raise IntegrityError when its event_id is known.

    Outside a transaction the INSERT commits on its own, without the BEGIN and
    COMMIT round trips of a transaction. Inside one it runs in a savepoint, so
    that a known event_id leaves the surrounding transaction usable.
    """
    if not connection.in_atomic_block:
        return SaveReport.objects.create(api_key=api_key, **report)

    with transaction.atomic():
        return SaveReport.objects.create(api_key=api_key, **report)


def save_event_batch(
    api_key: ApiKey | None, reports: Iterable[Mapping]
) -> list[tuple[SaveReport, Outcome]]:
    """Store validated reports in one transaction; answer per report, in order.

    A report repeating an event_id seen earlier in the same batch is compared with
    that earlier one. When a concurrent request stores one of the event_ids first,
    fall back to storing the reports one by one.
    """
    reports = [_complete(data) for data in reports]
    try:
        with transaction.atomic():
            return _save_batch_at_once(api_key, reports)
    except IntegrityError:
        return [save_event_record(api_key, report) for report in reports]


def _save_batch_at_once(
    api_key: ApiKey | None, reports: list[dict]
) -> list[tuple[SaveReport, Outcome]]:
    event_ids = [report["event_id"] for report in reports]
    known = SaveReport.objects.select_related("api_key").in_bulk(
        event_ids, field_name="event_id"
    )

    received_at = timezone.now()
    results = []
    new_records = []
    for report in reports:
        record = known.get(report["event_id"])
        if record is not None:
            results.append((record, _outcome_for_known(record, report)))
            continue

        record = SaveReport(api_key=api_key, received_at=received_at, **report)
        known[report["event_id"]] = record
        new_records.append(record)
        results.append((record, Outcome.CREATED))

    SaveReport.objects.bulk_create(new_records)
    return results


def database_is_reachable() -> bool:
    """Return whether the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False
