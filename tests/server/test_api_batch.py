"""POST /api/v1/saves/batch/: many reports at once, answered one by one."""

import json
import uuid

import pytest
from server_helpers import post_json

from saves.models import SaveReport

BATCH = "/api/v1/saves/batch/"

pytestmark = pytest.mark.django_db


def test_each_report_gets_its_answer_in_the_order_sent(reporter, report):
    known = report(username="known")
    post_json(reporter, "/api/v1/saves/", known)
    fresh = report(username="fresh")
    conflicting = known | {"file_path": "/proj/changed.blend"}
    invalid = report(saved_at="2026-03-10T17:42:55")

    response = post_json(
        reporter, BATCH, {"reports": [fresh, known, invalid, conflicting]}
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [result["status"] for result in results] == [
        "created",
        "duplicate",
        "invalid",
        "conflict",
    ]
    assert [result["event_id"] for result in results] == [
        fresh["event_id"],
        known["event_id"],
        invalid["event_id"],
        known["event_id"],
    ]
    assert results[0]["record"]["username"] == "fresh"
    assert results[1]["record"]["username"] == "known"
    assert results[2]["errors"] == {
        "saved_at": [
            {
                "code": "offset_required",
                "detail": "Add a UTC offset or Z to the time, "
                "for example 2026-03-10T17:42:55Z.",
            }
        ]
    }
    assert results[3] == {
        "event_id": known["event_id"],
        "status": "conflict",
        "detail": "A report with this event_id is stored already, "
        "with different content.",
    }
    assert sorted(SaveReport.objects.values_list("username", flat=True)) == [
        "fresh",
        "known",
    ]


def test_created_record_matches_the_single_report_answer(reporter, report):
    body = report()

    batch = post_json(reporter, BATCH, {"reports": [body]}).json()["results"][0]
    single = post_json(reporter, "/api/v1/saves/", body)

    assert single.status_code == 200
    assert batch["record"] == single.json()


def test_repeat_inside_one_batch_is_stored_once(reporter, report):
    body = report()

    response = post_json(
        reporter,
        BATCH,
        {"reports": [body, body, body | {"username": "someone else"}]},
    )

    statuses = [result["status"] for result in response.json()["results"]]
    assert statuses == ["created", "duplicate", "conflict"]
    assert SaveReport.objects.count() == 1


def test_report_without_event_id_gets_one(reporter, report):
    body = report()
    del body["event_id"]

    result = post_json(reporter, BATCH, {"reports": [body]}).json()["results"][0]

    assert result["status"] == "created"
    assert result["event_id"] == str(SaveReport.objects.get().event_id)
    assert uuid.UUID(result["event_id"]).version == 4


@pytest.mark.parametrize("item", ["text", 42, None, ["a"]])
def test_item_that_is_not_an_object_is_invalid_alone(reporter, report, item):
    response = post_json(reporter, BATCH, {"reports": [item, report()]})

    results = response.json()["results"]
    assert results[0]["status"] == "invalid"
    assert results[0]["event_id"] is None
    assert list(results[0]["errors"]) == ["non_field_errors"]
    assert results[1]["status"] == "created"


def test_item_with_a_lone_surrogate_event_id_is_invalid_alone(reporter, report):
    body = '{"reports": [{"username": "a", "saved_at": "2026-03-10T22:42:55Z", '
    body += '"file_path": "/a.blend", "event_id": "x\\ud800"}, %s]}'
    body %= json.dumps(report())

    response = reporter.post(BATCH, body, content_type="application/json")

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["event_id"] is None
    assert results[0]["status"] == "invalid"
    assert list(results[0]["errors"]) == ["event_id"]
    assert results[1]["status"] == "created"


def test_null_item_is_answered_no_data_provided(reporter, report):
    response = post_json(reporter, BATCH, {"reports": [None, report()]})

    assert response.json()["results"][0] == {
        "event_id": None,
        "status": "invalid",
        "errors": {
            "non_field_errors": [{"code": "null", "detail": "No data provided"}]
        },
    }


def test_text_item_is_answered_with_the_expected_object(reporter):
    response = post_json(reporter, BATCH, {"reports": ["text"]})

    assert response.json()["results"][0]["errors"] == {
        "non_field_errors": [
            {
                "code": "invalid",
                "detail": "Invalid data. Expected a dictionary, but got str.",
            }
        ]
    }


def test_records_in_the_answer_match_the_single_post_answer(reporter, report):
    reports = [report(file_path=f"/proj/{number}.blend") for number in range(3)]
    reports[1] |= {"hostname": "ws-12", "file_size": 7, "blender_version": "5.0.1"}

    results = post_json(reporter, BATCH, {"reports": reports}).json()["results"]

    for sent, result in zip(reports, results, strict=True):
        single = post_json(reporter, "/api/v1/saves/", sent)
        assert single.status_code == 200
        assert result["record"] == single.json()


def test_five_hundred_reports_are_stored(reporter, report):
    reports = [report(file_path=f"/proj/{number}.blend") for number in range(500)]

    response = post_json(reporter, BATCH, {"reports": reports})

    assert response.status_code == 200
    assert {result["status"] for result in response.json()["results"]} == {"created"}
    assert SaveReport.objects.count() == 500


def test_more_than_five_hundred_reports_are_refused(reporter, report):
    reports = [report() for _ in range(501)]

    response = post_json(reporter, BATCH, {"reports": reports})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Some fields are invalid: reports.",
        "fields": {
            "reports": [
                {
                    "code": "max_length",
                    "detail": "Ensure this field has no more than 500 elements.",
                }
            ]
        },
    }
    assert SaveReport.objects.count() == 0


def test_empty_batch_answers_empty_results(reporter):
    response = post_json(reporter, BATCH, {"reports": []})

    assert (response.status_code, response.json()) == (200, {"results": []})


def test_batch_without_reports_list_is_refused(reporter):
    response = post_json(reporter, BATCH, {"reports": "many"})

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "reports": [
            {
                "code": "not_a_list",
                "detail": 'Expected a list of items but got type "str".',
            }
        ]
    }


def test_batch_without_trailing_slash_works_alike(reporter, report):
    response = post_json(reporter, "/api/v1/saves/batch", {"reports": [report()]})

    assert response.status_code == 200
    assert SaveReport.objects.count() == 1


def test_batch_needs_the_report_scope(reader, report):
    response = post_json(reader, BATCH, {"reports": [report()]})

    assert response.status_code == 403
    assert SaveReport.objects.count() == 0


def test_batch_without_key_answers_401(api_client, report):
    response = post_json(api_client, BATCH, {"reports": [report()]})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
