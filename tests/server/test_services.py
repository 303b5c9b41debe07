"""services.py: keys issued, checked and revoked; reports stored once."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import transaction
from django.db.models import QuerySet

from saves import services
from saves.models import ApiKey, SaveReport
from saves.services import Outcome

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def report_data(**changes) -> dict:
    data = {
        "event_id": uuid.uuid4(),
        "username": "anna",
        "saved_at": datetime(2026, 3, 10, 17, 42, 55, tzinfo=UTC),
        "file_path": "/proj/shot 010.blend",
    }
    data.update(changes)
    return data


def test_issued_key_has_the_documented_format():
    api_key, raw_key = services.issue_api_key("anna")

    prefix, secret = raw_key.removeprefix("st_").split("_", 1)
    assert raw_key.startswith("st_")
    assert prefix == api_key.prefix
    assert len(prefix) == 8
    assert len(secret) == 43
    assert api_key.key_hash == services.hash_key(raw_key)


def test_issued_keys_differ():
    _, first = services.issue_api_key("anna")
    _, second = services.issue_api_key("bob")

    assert first != second


def test_authenticate_key_finds_the_key_and_records_its_use():
    api_key, raw_key = services.issue_api_key("anna")

    found = services.authenticate_key(raw_key, now=NOW)

    assert found == api_key
    api_key.refresh_from_db()
    assert api_key.last_used_at == NOW


def test_last_use_is_written_at_most_once_a_minute():
    api_key, raw_key = services.issue_api_key("anna")
    services.authenticate_key(raw_key, now=NOW)

    services.authenticate_key(raw_key, now=NOW + timedelta(seconds=59))
    api_key.refresh_from_db()
    within_the_minute = api_key.last_used_at
    services.authenticate_key(raw_key, now=NOW + timedelta(seconds=60))
    api_key.refresh_from_db()

    assert within_the_minute == NOW
    assert api_key.last_used_at == NOW + timedelta(seconds=60)


@pytest.mark.parametrize("raw_key", ["", "st_", "nope", "st_abcdefgh_" + "x" * 300])
def test_authenticate_key_returns_none_for_unknown_keys(raw_key):
    services.issue_api_key("anna")

    assert services.authenticate_key(raw_key) is None


def test_authenticate_key_raises_for_a_revoked_key():
    api_key, raw_key = services.issue_api_key("anna")
    services.revoke_api_key(api_key, now=NOW)

    with pytest.raises(services.ApiKeyRevoked) as error:
        services.authenticate_key(raw_key)

    assert str(error.value) == "API key 'anna' was revoked."


def test_revoking_twice_keeps_the_first_time():
    api_key, _ = services.issue_api_key("anna")
    services.revoke_api_key(api_key, now=NOW)

    services.revoke_api_key(api_key, now=NOW + timedelta(days=1))

    assert ApiKey.objects.get().revoked_at == NOW
    assert api_key.is_active is False


def test_save_event_record_stores_saved_at_in_utc():
    plus_five = timezone(timedelta(hours=5))
    saved_at = datetime(2026, 3, 10, 22, 42, 55, tzinfo=plus_five)

    record, outcome = services.save_event_record(None, report_data(saved_at=saved_at))

    assert outcome is Outcome.CREATED
    assert record.saved_at.isoformat() == "2026-03-10T17:42:55+00:00"
    assert SaveReport.objects.get().saved_at.isoformat() == "2026-03-10T17:42:55+00:00"


def test_save_event_record_tells_duplicate_from_conflict():
    data = report_data()
    created, _ = services.save_event_record(None, data)

    duplicate = services.save_event_record(None, dict(data))
    conflict = services.save_event_record(None, data | {"hostname": "ws-2"})

    assert duplicate == (created, Outcome.DUPLICATE)
    assert conflict == (created, Outcome.CONFLICT)
    assert SaveReport.objects.count() == 1


def test_duplicate_leaves_the_surrounding_transaction_usable():
    data = report_data()
    services.save_event_record(None, data)

    with transaction.atomic():
        services.save_event_record(None, dict(data))
        services.save_event_record(None, report_data())

    assert SaveReport.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_duplicate_outside_a_transaction_leaves_the_connection_usable():
    data = report_data()
    created, _ = services.save_event_record(None, data)

    duplicate = services.save_event_record(None, dict(data))
    conflict = services.save_event_record(None, data | {"hostname": "ws-2"})
    fresh, outcome = services.save_event_record(None, report_data())

    assert duplicate == (created, Outcome.DUPLICATE)
    assert conflict == (created, Outcome.CONFLICT)
    assert outcome is Outcome.CREATED
    assert sorted(SaveReport.objects.values_list("pk", flat=True)) == sorted(
        [created.pk, fresh.pk]
    )


def test_save_event_batch_falls_back_to_one_by_one_on_a_race(monkeypatch):
    known = report_data()
    services.save_event_record(None, known)
    monkeypatch.setattr(QuerySet, "in_bulk", lambda queryset, *args, **kw: {})
    fresh = report_data(username="fresh")

    results = services.save_event_batch(None, [fresh, known])

    assert [outcome for _, outcome in results] == [Outcome.CREATED, Outcome.DUPLICATE]
    assert SaveReport.objects.count() == 2


def test_save_event_batch_gives_every_created_record_an_id():
    results = services.save_event_batch(None, [report_data(), report_data()])

    assert all(record.pk is not None for record, _ in results)
    assert sorted(record.pk for record, _ in results) == sorted(
        SaveReport.objects.values_list("pk", flat=True)
    )
