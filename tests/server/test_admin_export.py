"""CSV export of the save-report list."""

import pytest
from admin_support import (
    EXPORT_URL,
    LIST_URL,
    csv_rows,
    freeze_admin_clock,
    in_zone,
    make_report,
    staff_user,
    utc,
)

from saves.export import neutralise
from saves.services import issue_api_key

pytestmark = pytest.mark.django_db

HEADER = [
    "saved_at",
    "username",
    "file_path",
    "hostname",
    "blender_version",
    "file_size",
    "api_key",
    "received_at",
    "event_id",
]


def export(client, query: str = ""):
    response = client.get(EXPORT_URL + query)
    assert response.status_code == 200
    return response


def test_formula_username_cannot_run_in_a_spreadsheet(admin_client):
    make_report(username='=HYPERLINK("http://example.invalid")')

    rows = csv_rows(export(admin_client))

    assert rows[1][1] == '\'=HYPERLINK("http://example.invalid")'


def test_file_starts_with_bom_and_header_then_exact_rows(admin_client):
    api_key, _ = issue_api_key("ws-12 key")
    report = make_report(
        username="anna",
        saved_at=utc("2026-03-10 17:42:55"),
        file_path="C:\\Users\\Artist\\Проекты\\shot 010.blend",
        hostname="ws-12",
        blender_version="5.0.1",
        file_size=123456,
        api_key=api_key,
        received_at=utc("2026-03-10 17:42:56"),
    )

    body = b"".join(export(admin_client).streaming_content)

    assert (
        body
        == (
            "\ufeffsaved_at,username,file_path,hostname,blender_version,file_size,"
            "api_key,received_at,event_id\r\n"
            "2026-03-10T17:42:55Z,anna,C:\\Users\\Artist\\Проекты\\shot 010.blend,"
            f"ws-12,5.0.1,123456,ws-12 key,2026-03-10T17:42:56Z,{report.event_id}\r\n"
        ).encode()
    )


def test_empty_optional_fields_are_empty_cells(admin_client):
    report = make_report(
        hostname="",
        blender_version="",
        file_size=None,
        api_key=None,
        received_at=utc("2026-03-10 17:42:56"),
        file_path=" /tmp/a.blend ",
    )

    rows = csv_rows(export(admin_client))

    assert rows == [
        HEADER,
        [
            "2026-03-10T11:00:00Z",
            "anna",
            " /tmp/a.blend ",
            "",
            "",
            "",
            "",
            "2026-03-10T17:42:56Z",
            str(report.event_id),
        ],
    ]


def test_times_are_utc_whatever_the_viewers_zone(admin_client):
    make_report(saved_at=utc("2026-03-10 17:42:55"))

    rows = csv_rows(export(in_zone(admin_client, "Asia/Tokyo")))

    assert rows[1][0] == "2026-03-10T17:42:55Z"


def test_export_follows_the_lists_filters_search_and_order(admin_client, monkeypatch):
    freeze_admin_clock(monkeypatch)
    make_report(username="anna", file_path="/a/old.blend", saved_at=utc("2026-02-01"))
    make_report(username="anna", file_path="/a/new.blend", saved_at=utc("2026-03-09"))
    make_report(username="anna", file_path="/a/mid.blend", saved_at=utc("2026-03-05"))
    make_report(username="bob", file_path="/a/bob.blend", saved_at=utc("2026-03-09"))
    make_report(username="anna", file_path="/b/other.blend", saved_at=utc("2026-03-08"))

    rows = csv_rows(export(admin_client, '?username__exact=anna&saved=7d&q="/a/"'))

    assert [row[2] for row in rows[1:]] == ["/a/new.blend", "/a/mid.blend"]


def test_response_streams_as_an_attachment(admin_client, monkeypatch):
    freeze_admin_clock(monkeypatch)

    response = export(admin_client)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="savetrail-reports-20260310-120000Z.csv"'
    )
    assert response["Cache-Control"] == (
        "max-age=0, no-cache, no-store, must-revalidate, private"
    )


def test_rows_are_read_only_while_streaming(admin_client, django_assert_num_queries):
    for number in range(3):
        make_report(file_path=f"/{number}.blend")
    response = export(admin_client)
    lines = iter(response.streaming_content)

    with django_assert_num_queries(0):
        header = next(lines)
    with django_assert_num_queries(1):
        rest = list(lines)

    assert header.startswith(b"\xef\xbb\xbfsaved_at,")
    assert len(rest) == 3


def test_export_selected_action(admin_client):
    chosen = make_report(file_path="/chosen.blend")
    make_report(file_path="/other.blend")

    response = admin_client.post(
        LIST_URL, {"action": "export_selected", "_selected_action": [chosen.pk]}
    )

    assert [row[2] for row in csv_rows(response)[1:]] == ["/chosen.blend"]


def test_viewer_may_export(client, django_user_model):
    client.force_login(staff_user(django_user_model, "viewer", "view_savereport"))
    make_report()

    assert len(csv_rows(export(client))) == 2


def test_staff_without_view_permission_may_not_export(client, django_user_model):
    client.force_login(staff_user(django_user_model, "stranger"))

    assert client.get(EXPORT_URL).status_code == 403


def test_bad_date_in_the_address_goes_back_to_the_list(admin_client):
    response = admin_client.get(EXPORT_URL + "?saved_at__year=abc")

    assert response.status_code == 302
    assert response["Location"] == f"{LIST_URL}?saved_at__year=abc"


def test_filters_outside_the_list_are_refused(admin_client):
    issue_api_key("k")

    response = admin_client.get(EXPORT_URL + "?api_key__key_hash__startswith=a")

    assert response.status_code == 400


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(EXPORT_URL)

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/saves/savereport/export/"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("anna", "anna"),
        ("a=b", "a=b"),
        (" =not-first", " =not-first"),
        ("", ""),
    ],
)
def test_neutralise(text, cell):
    assert neutralise(text) == cell
