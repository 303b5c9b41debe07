"""GET /api/v1/saves/ and /api/v1/saves/<id>/: reading needs the read scope."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from saves.models import SaveReport

SAVES = "/api/v1/saves/"

pytestmark = pytest.mark.django_db


def make_record(**fields) -> SaveReport:
    values = {
        "username": "anna",
        "saved_at": datetime(2026, 3, 10, 17, 42, 55, tzinfo=UTC),
        "file_path": "/proj/shot 010.blend",
        "hostname": "ws-12",
    }
    values.update(fields)
    return SaveReport.objects.create(**values)


def listed_ids(response) -> list[int]:
    return [record["id"] for record in response.json()["results"]]


def test_list_is_newest_first(reader):
    old = make_record(saved_at=datetime(2026, 3, 9, tzinfo=UTC))
    new = make_record(saved_at=datetime(2026, 3, 11, tzinfo=UTC))
    middle = make_record(saved_at=datetime(2026, 3, 10, tzinfo=UTC))

    response = reader.get(SAVES)

    assert response.status_code == 200
    assert listed_ids(response) == [new.id, middle.id, old.id]
    assert response.json()["next"] is None
    assert response.json()["results"][0] == {
        "id": new.id,
        "event_id": str(new.event_id),
        "username": "anna",
        "saved_at": "2026-03-11T00:00:00Z",
        "file_path": "/proj/shot 010.blend",
        "received_at": new.received_at.isoformat().replace("+00:00", "Z"),
        "blender_version": "",
        "hostname": "ws-12",
        "file_size": None,
        "api_key": None,
    }


def test_cursor_pages_cover_every_record_once(reader):
    start = datetime(2026, 3, 10, tzinfo=UTC)
    records = [make_record(saved_at=start + timedelta(minutes=n)) for n in range(7)]
    # Two records saved at the same instant must not be skipped or repeated.
    records.append(make_record(saved_at=start + timedelta(minutes=3)))

    seen = []
    url = f"{SAVES}?page_size=3"
    while url:
        page = reader.get(url).json()
        seen.extend(record["id"] for record in page["results"])
        url = page["next"]

    expected = sorted(records, key=lambda r: (r.saved_at, r.id), reverse=True)
    assert seen == [record.id for record in expected]


@pytest.mark.parametrize(
    ("query", "expected_names"),
    [
        ("username=anna", ["anna"]),
        ("username=ann", []),
        ("username=%20anna", [" anna"]),
        ("hostname=ws-2", ["bob"]),
        ("path_contains=SHOT", ["anna", " anna"]),
        ("path_contains=%D0%BF%D1%80%D0%BE%D0%B5%D0%BA%D1%82", ["bob"]),
        ("saved_after=2026-03-10T12:00:00Z", ["bob", "anna"]),
        ("saved_before=2026-03-10T12:00:00Z", [" anna"]),
        ("saved_after=2026-03-10T13:00:00%2B01:00", ["bob", "anna"]),
        (
            "saved_after=2026-03-10T12:00:00Z&saved_before=2026-03-11T12:00:00Z",
            ["anna"],
        ),
    ],
)
def test_filters_select_the_matching_reports(reader, query, expected_names):
    make_record(
        username="bob",
        hostname="ws-2",
        file_path="/проект/a.blend",
        saved_at=datetime(2026, 3, 12, tzinfo=UTC),
    )
    make_record(username="anna", saved_at=datetime(2026, 3, 11, tzinfo=UTC))
    make_record(username=" anna", saved_at=datetime(2026, 3, 9, tzinfo=UTC))

    response = reader.get(f"{SAVES}?{query}")

    assert response.status_code == 200
    assert [r["username"] for r in response.json()["results"]] == expected_names


@pytest.mark.parametrize(
    ("query", "code", "detail"),
    [
        ("saved_after=yesterday", "invalid", "Enter a valid date/time."),
        (
            "saved_after=2026-03-10T12:00:00",
            "offset_required",
            "Add a UTC offset or Z to the time, for example 2026-03-10T17:42:55Z.",
        ),
        ("saved_after=", "blank", "Enter a time, or leave the parameter out."),
        (
            "saved_after=0001-01-01T00:00:00%2B05:00",
            "overflow",
            "The time is out of range once converted to UTC.",
        ),
    ],
)
def test_time_filters_are_as_strict_as_saved_at(reader, query, code, detail):
    response = reader.get(f"{SAVES}?{query}")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "saved_after": [{"code": code, "detail": detail}]
    }


@pytest.mark.parametrize("page_size", ["0", "501", "-1", "ten", "", "²", "５"])
def test_page_size_out_of_range_answers_400(reader, page_size):
    response = reader.get(f"{SAVES}?page_size={page_size}")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "page_size": [{"code": "invalid", "detail": "Ask for 1 to 500 reports a page."}]
    }


@pytest.mark.parametrize(
    "query", ["username=a%00b", "path_contains=%00", "hostname=%00"]
)
def test_text_filter_with_nul_matches_nothing(reader, query):
    make_record()

    response = reader.get(f"{SAVES}?{query}")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_broken_cursor_answers_404_json(reader):
    response = reader.get(f"{SAVES}?cursor=garbage")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Invalid cursor"}


def test_forged_cursor_position_answers_404_json(reader):
    make_record()
    forged = base64.b64encode(b"p=not-a-date&r=1").decode()  # well-formed, bad time

    response = reader.get(f"{SAVES}?cursor={forged}")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Invalid cursor"}


def test_detail_returns_one_report(reader):
    record = make_record()

    response = reader.get(f"{SAVES}{record.id}/")

    assert response.status_code == 200
    assert response.json()["event_id"] == str(record.event_id)


def test_detail_without_trailing_slash_works_alike(reader):
    record = make_record()

    response = reader.get(f"{SAVES}{record.id}")

    assert response.status_code == 200


@pytest.mark.parametrize("record_id", ["424242", "9" * 30])
def test_detail_of_unknown_report_answers_404(reader, record_id):
    response = reader.get(f"{SAVES}{record_id}/")

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "detail": "There is no report with this id.",
    }


def test_reading_without_read_scope_answers_403(reporter):
    record = make_record()

    listing = reporter.get(SAVES)
    detail = reporter.get(f"{SAVES}{record.id}/")

    assert (listing.status_code, detail.status_code) == (403, 403)
    assert listing.json() == {
        "code": "permission_denied",
        "detail": "Reading reports needs an API key with the 'read' scope, or staff.",
    }


def test_reading_without_key_answers_401(api_client):
    response = api_client.get(SAVES)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_staff_session_may_read(api_client):
    staff = get_user_model().objects.create_user("ops", password="x", is_staff=True)
    api_client.force_login(staff)
    record = make_record()

    response = api_client.get(SAVES)

    assert response.status_code == 200
    assert listed_ids(response) == [record.id]


def test_staff_session_may_not_report(api_client, report):
    staff = get_user_model().objects.create_user("ops", password="x", is_staff=True)
    api_client.force_login(staff)

    response = api_client.post(SAVES, report(), format="json")

    assert response.status_code == 403
    assert SaveReport.objects.count() == 0


def test_session_of_non_staff_user_may_not_read(api_client):
    user = get_user_model().objects.create_user("artist", password="x")
    api_client.force_login(user)

    response = api_client.get(SAVES)

    assert response.status_code == 403
