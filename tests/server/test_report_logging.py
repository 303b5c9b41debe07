"""One log line per accepted or rejected report; never the API key."""

import re

import pytest
from server_helpers import post_json

pytestmark = pytest.mark.django_db


def report_lines(caplog) -> list[tuple[str, str]]:
    return [
        (record.levelname, re.sub(r"ms=\d+$", "ms=N", record.getMessage()))
        for record in caplog.records
        if record.name == "saves.reports"
    ]


def test_accepted_report_logs_one_info_line(reporter, report, caplog):
    post_json(reporter, "/api/v1/saves/", report())

    assert report_lines(caplog) == [
        (
            "INFO",
            "report status=201 key=anna-workstation user='anna' "
            "path='/proj/shot 010.blend' ms=N",
        )
    ]


def test_rejected_report_logs_one_warning_line(reporter, report, caplog):
    post_json(reporter, "/api/v1/saves/", report(saved_at="2026-03-10T17:42:55"))

    assert report_lines(caplog) == [
        (
            "WARNING",
            "report status=400 key=anna-workstation user='anna' "
            "path='/proj/shot 010.blend' ms=N",
        )
    ]


def test_unauthenticated_report_logs_without_key_name(api_client, report, caplog):
    post_json(api_client, "/api/v1/saves/", report(), HTTP_AUTHORIZATION="Bearer st_x")

    assert report_lines(caplog) == [
        ("WARNING", "report status=401 key=- user=None path=None ms=N")
    ]


def test_control_characters_cannot_forge_log_lines(reporter, report, caplog):
    post_json(reporter, "/api/v1/saves/", report(username="anna\nreport 201 key=x"))

    assert report_lines(caplog)[0][1] == (
        "report status=201 key=anna-workstation user='anna\\nreport 201 key=x' "
        "path='/proj/shot 010.blend' ms=N"
    )


def test_batch_logs_one_line_per_report(reporter, report, caplog):
    post_json(
        reporter,
        "/api/v1/saves/batch/",
        {"reports": [report(username="a"), report(username="")]},
    )

    assert report_lines(caplog) == [
        (
            "INFO",
            "report status=201 key=anna-workstation user='a' "
            "path='/proj/shot 010.blend' ms=N",
        ),
        (
            "WARNING",
            "report status=400 key=anna-workstation user='' "
            "path='/proj/shot 010.blend' ms=N",
        ),
    ]


def test_api_key_never_reaches_the_log(api_client, reporting_key, report, caplog):
    _, raw_key = reporting_key
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    post_json(api_client, "/api/v1/saves/", report())
    post_json(api_client, "/api/v1/saves/", report(username=""))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}x")
    post_json(api_client, "/api/v1/saves/", report())

    assert len(caplog.records) >= 3
    assert raw_key[3:11] not in caplog.text
