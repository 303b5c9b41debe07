"""POST /api/v1/saves/: storing one report exactly, or saying why not."""

import pytest
from server_helpers import post_json

from saves.models import SaveReport
from saves.services import revoke_api_key

SAVES = "/api/v1/saves/"
OFFSET_REQUIRED = {
    "code": "offset_required",
    "detail": "Add a UTC offset or Z to the time, for example 2026-03-10T17:42:55Z.",
}

pytestmark = pytest.mark.django_db


def stored_record_json(record: SaveReport) -> dict:
    return {
        "id": record.id,
        "event_id": str(record.event_id),
        "username": record.username,
        "saved_at": record.saved_at.isoformat().replace("+00:00", "Z"),
        "file_path": record.file_path,
        "received_at": record.received_at.isoformat().replace("+00:00", "Z"),
        "blender_version": record.blender_version,
        "hostname": record.hostname,
        "file_size": record.file_size,
        "api_key": record.api_key.name,
    }


def test_valid_report_is_stored_exactly_and_answered_201(reporter, report):
    body = report()

    response = post_json(reporter, SAVES, body)

    assert response.status_code == 201
    record = SaveReport.objects.get()
    assert response.json() == stored_record_json(record)
    assert response.json() | {"id": 0, "received_at": ""} == {
        "id": 0,
        "event_id": body["event_id"],
        "username": "anna",
        "saved_at": "2026-03-10T17:42:55Z",
        "file_path": "/proj/shot 010.blend",
        "received_at": "",
        "blender_version": "5.0.1",
        "hostname": "ws-12",
        "file_size": 123456,
        "api_key": "anna-workstation",
    }


def test_only_required_fields_are_stored_with_empty_optional_ones(reporter):
    body = {
        "username": "anna",
        "saved_at": "2026-03-10T17:42:55Z",
        "file_path": "/proj/a.blend",
    }

    response = post_json(reporter, SAVES, body)

    assert response.status_code == 201
    record = SaveReport.objects.get()
    assert response.json()["event_id"] == str(record.event_id)
    assert (record.blender_version, record.hostname, record.file_size) == ("", "", None)


def test_saved_at_without_offset_is_refused_and_nothing_stored(reporter, report):  # A1
    response = post_json(reporter, SAVES, report(saved_at="2026-03-10T22:42:55"))

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Some fields are invalid: saved_at.",
        "fields": {"saved_at": [OFFSET_REQUIRED]},
    }
    assert SaveReport.objects.count() == 0


def test_saved_at_with_offset_is_stored_and_returned_in_utc(reporter, report):  # A2
    response = post_json(reporter, SAVES, report(saved_at="2026-03-10T22:42:55+05:00"))

    assert response.status_code == 201
    assert response.json()["saved_at"] == "2026-03-10T17:42:55Z"
    stored = SaveReport.objects.get().saved_at
    assert stored.isoformat() == "2026-03-10T17:42:55+00:00"


def test_saved_at_keeps_its_microseconds(reporter, report):
    response = post_json(reporter, SAVES, report(saved_at="2026-03-10T17:42:55.25Z"))

    assert response.json()["saved_at"] == "2026-03-10T17:42:55.250000Z"


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", "bob\u0000"), ("file_path", "/proj/\u0000.blend")],
)
def test_nul_character_is_a_field_error(reporter, report, field, value):  # A3
    response = post_json(reporter, SAVES, report(**{field: value}))

    assert response.status_code == 400
    assert response.json()["fields"] == {
        field: [
            {
                "code": "null_characters_not_allowed",
                "detail": "Null characters are not allowed.",
            }
        ]
    }
    assert SaveReport.objects.count() == 0


@pytest.mark.parametrize("field", ["username", "file_path", "hostname"])
def test_lone_surrogate_is_a_field_error(reporter, report, field):  # A4
    response = post_json(reporter, SAVES, report(**{field: "/proj/\udcf6.blend"}))

    assert response.status_code == 400
    assert response.json()["fields"] == {
        field: [
            {
                "code": "surrogate_characters_not_allowed",
                "detail": "Surrogate characters are not allowed: U+DCF6.",
            }
        ]
    }
    assert SaveReport.objects.count() == 0


@pytest.mark.parametrize(
    "file_path",
    [
        "/proj/" + "a" * 288 + ".blend",  # A5: 300 characters
        "/proj/" + "b" * 4988 + ".blend",  # A6: 5,000 characters
        "C:\\Users\\Artist\\Проекты\\shot 010.blend",  # A7
        "\\\\fileserver\\projects\\shot.blend",  # A8: UNC
        " /tmp/a.blend ",  # A9: spaces are part of the path
        "/tmp/tab\there\nand newline.blend",
        "/проект/шот 😀 010.blend",
        "C:\\" + "d" * 32764,  # the longest Windows path
    ],
)
def test_file_path_is_stored_and_returned_exactly(reporter, report, file_path):
    response = post_json(reporter, SAVES, report(file_path=file_path))

    assert response.status_code == 201
    assert response.json()["file_path"] == file_path
    assert SaveReport.objects.get().file_path == file_path


def test_file_path_longer_than_windows_allows_is_refused(reporter, report):
    response = post_json(reporter, SAVES, report(file_path="C:\\" + "d" * 32765))

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "file_path": [
            {
                "code": "max_length",
                "detail": "Ensure this field has no more than 32767 characters.",
            }
        ]
    }


@pytest.mark.parametrize("username", [" anna ", "Анна", "a" * 150, "<b>x</b>"])
def test_username_is_stored_exactly(reporter, report, username):
    response = post_json(reporter, SAVES, report(username=username))

    assert response.status_code == 201
    assert SaveReport.objects.get().username == username


@pytest.mark.parametrize(
    ("changes", "field", "code", "detail"),
    [
        ({"username": ""}, "username", "blank", "This field may not be blank."),
        ({"file_path": ""}, "file_path", "blank", "This field may not be blank."),
        ({"username": None}, "username", "null", "This field may not be null."),
        (
            {"username": "a" * 151},
            "username",
            "max_length",
            "Ensure this field has no more than 150 characters.",
        ),
        ({"username": 42}, "username", "invalid", "Send text (a JSON string)."),
        ({"file_path": ["/a"]}, "file_path", "invalid", "Send text (a JSON string)."),
        (
            {"saved_at": "yesterday"},
            "saved_at",
            "invalid",
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
        ({"saved_at": "2026-03-10"}, "saved_at", "offset_required", None),
        (
            {"saved_at": "0001-01-01T00:00:00+05:00"},
            "saved_at",
            "overflow",
            "The time is out of range once converted to UTC.",
        ),
        ({"event_id": "not-a-uuid"}, "event_id", "invalid", "Must be a valid UUID."),
        (
            {"file_size": -1},
            "file_size",
            "min_value",
            "Ensure this value is greater than or equal to 0.",
        ),
        ({"file_size": 1.5}, "file_size", "invalid", "A valid integer is required."),
        ({"file_size": True}, "file_size", "invalid", "A valid integer is required."),
    ],
)
def test_malformed_field_gets_its_400(reporter, report, changes, field, code, detail):
    response = post_json(reporter, SAVES, report(**changes))

    assert response.status_code == 400
    expected = OFFSET_REQUIRED if detail is None else {"code": code, "detail": detail}
    assert response.json() == {
        "code": "invalid",
        "detail": f"Some fields are invalid: {field}.",
        "fields": {field: [expected]},
    }
    assert SaveReport.objects.count() == 0


@pytest.mark.parametrize("field", ["username", "saved_at", "file_path"])
def test_missing_required_field_gets_its_400(reporter, report, field):
    body = report()
    del body[field]

    response = post_json(reporter, SAVES, body)

    assert response.status_code == 400
    assert response.json()["fields"] == {
        field: [{"code": "required", "detail": "This field is required."}]
    }


def test_body_that_is_not_an_object_is_refused(reporter):
    response = post_json(reporter, SAVES, ["anna"])

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Some fields are invalid: non_field_errors.",
        "fields": {
            "non_field_errors": [
                {
                    "code": "invalid",
                    "detail": "Invalid data. Expected a dictionary, but got list.",
                }
            ]
        },
    }


def test_same_report_without_trailing_slash_is_stored_alike(reporter, report):  # A10
    body = report()

    response = post_json(reporter, "/api/v1/saves", body)

    assert response.status_code == 201
    assert response.json()["event_id"] == body["event_id"]
    assert SaveReport.objects.count() == 1


def test_body_over_one_mebibyte_is_refused_with_413(reporter, report):  # A11
    body = report(file_path="/" + "x" * (3 * 1024 * 1024))

    response = post_json(reporter, SAVES, body)

    assert response.status_code == 413
    assert response.json() == {
        "code": "payload_too_large",
        "detail": "The request body is larger than 1 MiB.",
    }
    assert SaveReport.objects.count() == 0


def test_same_event_twice_answers_201_then_200_with_one_row(reporter, report):  # A12
    body = report()

    first = post_json(reporter, SAVES, body)
    second = post_json(reporter, SAVES, body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert SaveReport.objects.count() == 1


def test_same_event_with_offset_spelling_changed_is_a_duplicate(reporter, report):
    body = report(saved_at="2026-03-10T17:42:55Z")
    post_json(reporter, SAVES, body)

    response = post_json(
        reporter, SAVES, body | {"saved_at": "2026-03-10T18:42:55+01:00"}
    )

    assert response.status_code == 200


def test_same_event_with_other_content_answers_409(reporter, report):
    body = report()
    post_json(reporter, SAVES, body)

    response = post_json(reporter, SAVES, body | {"file_path": "/proj/other.blend"})

    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "detail": "A report with this event_id is stored already, "
        "with different content.",
    }
    assert SaveReport.objects.get().file_path == "/proj/shot 010.blend"


def test_no_authorization_header_answers_401(api_client, report):  # A15
    response = post_json(api_client, SAVES, report())

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Send an API key in the header Authorization: Bearer <key>.",
    }
    assert SaveReport.objects.count() == 0


def test_revoked_key_answers_401(api_client, reporting_key, report):  # A15
    api_key, raw_key = reporting_key
    revoke_api_key(api_key)

    response = post_json(
        api_client, SAVES, report(), HTTP_AUTHORIZATION=f"Bearer {raw_key}"
    )

    assert response.status_code == 401
    assert response.json() == {
        "code": "revoked_key",
        "detail": "This API key was revoked. Ask an administrator for a new one.",
    }
    assert SaveReport.objects.count() == 0


@pytest.mark.parametrize(
    "authorization",
    ["Bearer st_nope_wrong", "Bearer ", "Bearer st_Проект", "bearer garbage"],
)
def test_unknown_key_answers_401(api_client, report, authorization):
    response = post_json(api_client, SAVES, report(), HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_key"
    assert SaveReport.objects.count() == 0


def test_other_authorization_scheme_is_not_authenticated(api_client, report):
    response = post_json(
        api_client, SAVES, report(), HTTP_AUTHORIZATION="Basic YW5uYTpwdw=="
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_key_without_report_scope_answers_403(reader, report):
    response = post_json(reader, SAVES, report())

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "This API key may not send reports: it lacks the 'report' scope.",
    }
    assert SaveReport.objects.count() == 0


def test_report_records_the_key_that_sent_it(reporter, reporting_key, report):
    post_json(reporter, SAVES, report())

    assert SaveReport.objects.get().api_key == reporting_key[0]


@pytest.mark.parametrize("saved_at", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_save_time_from_a_broken_clock_answers_400(reporter, report, saved_at):
    response = post_json(reporter, SAVES, report(saved_at=saved_at))

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "saved_at": [
            {
                "code": "implausible_year",
                "detail": "A save time must fall in the years 1970 to 2999: "
                "check the clock of the computer that saved.",
            }
        ]
    }
    assert SaveReport.objects.count() == 0
