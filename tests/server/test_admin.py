"""The save-report list and detail in the admin: what a supervisor sees."""

import logging

import pytest
from admin_support import (
    LIST_URL,
    freeze_admin_clock,
    in_zone,
    make_report,
    staff_user,
    utc,
)
from django.contrib.admin.models import DELETION, LogEntry

from saves.admin import SaveReportAdmin
from saves.models import SaveReport
from saves.services import issue_api_key

pytestmark = pytest.mark.django_db


def page(client, query: str = "") -> str:
    response = client.get(LIST_URL + query)
    assert response.status_code == 200
    return response.content.decode()


def listed_paths(html: str) -> list[str]:
    """Return the file paths shown in the list, top to bottom."""
    marker = '<code class="savetrail-path">'
    return [part.split("</code>", 1)[0] for part in html.split(marker)[1:]]


class TestListShowsStoredValues:
    def test_script_username_is_escaped_everywhere_on_the_page(self, admin_client):
        make_report(username="<script>alert(1)</script>")

        html = page(admin_client)

        escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
        assert f'<td class="field-username">{escaped}</td>' in html
        assert (
            '<a href="?username__exact=%3Cscript%3Ealert%281%29%3C%2Fscript%3E">'
            f"{escaped}</a>"
        ) in html
        assert "<script>alert(1)" not in html

    def test_script_username_is_escaped_on_the_detail_page(self, admin_client):
        report = make_report(username="<script>alert(1)</script>")

        html = admin_client.get(f"{LIST_URL}{report.pk}/change/").content.decode()

        assert (
            '<div class="readonly">&lt;script&gt;alert(1)&lt;/script&gt;</div>' in html
        )
        assert "<script>alert(1)" not in html

    @pytest.mark.parametrize(
        ("path", "name"),
        [
            ("C:\\Users\\Artist\\Проекты\\shot 010.blend", "shot 010.blend"),
            ("\\\\fileserver\\projects\\shot.blend", "shot.blend"),
            (" /tmp/a.blend ", "a.blend "),
            (
                "/proj/<img src=x onerror=alert(1)>.blend",
                "&lt;img src=x onerror=alert(1)&gt;.blend",
            ),
        ],
    )
    def test_file_name_and_full_path_are_shown_exactly(self, admin_client, path, name):
        make_report(file_path=path)

        html = page(admin_client)

        shown_path = path.replace("<", "&lt;").replace(">", "&gt;")
        assert (
            f'<span class="savetrail-file">{name}</span>'
            f'<code class="savetrail-path">{shown_path}</code>'
        ) in html

    def test_columns_show_host_blender_version_and_key(self, admin_client):
        api_key, _ = issue_api_key("ws-12 key")
        make_report(api_key=api_key, hostname="ws-12", blender_version="4.2.3")
        make_report(api_key=None, hostname="", blender_version="")

        html = page(admin_client)

        assert '<td class="field-hostname">ws-12</td>' in html
        assert '<td class="field-blender_version">4.2.3</td>' in html
        assert '<td class="field-sent_with">ws-12 key</td>' in html
        assert '<td class="field-sent_with">none</td>' in html

    def test_revoked_key_is_marked_in_the_list(self, admin_client):
        api_key, _ = issue_api_key("old laptop")
        make_report(api_key=api_key)
        api_key.revoked_at = utc("2026-03-01 00:00:00")
        api_key.save()

        html = page(admin_client)

        assert (
            '<td class="field-sent_with">old laptop <small>(revoked)</small></td>'
            in html
        )

    def test_newest_report_comes_first(self, admin_client):
        make_report(file_path="/old.blend", saved_at=utc("2026-03-01 10:00:00"))
        make_report(file_path="/new.blend", saved_at=utc("2026-03-09 10:00:00"))
        make_report(file_path="/mid.blend", saved_at=utc("2026-03-05 10:00:00"))

        assert listed_paths(page(admin_client)) == [
            "/new.blend",
            "/mid.blend",
            "/old.blend",
        ]


class TestTimesInTheViewersZone:
    def test_time_is_local_with_utc_on_hover(self, admin_client):
        make_report(saved_at=utc("2026-03-10 17:42:55"))

        html = page(in_zone(admin_client, "Europe/Berlin"))

        assert (
            '<time datetime="2026-03-10T17:42:55Z" title="2026-03-10 17:42:55 UTC" '
            "data-viewer-time>2026-03-10 18:42:55</time>"
        ) in html
        assert "Times are in Europe/Berlin; point at a time to see it in UTC." in html

    def test_time_is_utc_without_the_cookie(self, admin_client):
        make_report(saved_at=utc("2026-03-10 17:42:55"))

        html = page(admin_client)

        assert "data-viewer-time>2026-03-10 17:42:55</time>" in html
        assert "Times are in UTC;" in html

    @pytest.mark.parametrize("cookie", ["Mars/Olympus_Mons", "../../etc/passwd", ""])
    def test_unknown_zone_in_the_cookie_falls_back_to_utc(self, admin_client, cookie):
        make_report(saved_at=utc("2026-03-10 17:42:55"))

        html = page(in_zone(admin_client, cookie))

        assert "data-viewer-time>2026-03-10 17:42:55</time>" in html

    def test_detail_shows_local_time_and_utc(self, admin_client):
        report = make_report(saved_at=utc("2026-07-01 06:00:00"))

        client = in_zone(admin_client, "America/New_York")
        html = client.get(f"{LIST_URL}{report.pk}/change/").content.decode()

        assert (
            '<time datetime="2026-07-01T06:00:00Z" title="2026-07-01 06:00:00 UTC" '
            "data-viewer-time>2026-07-01 02:00:00</time> (America/New_York) "
            "&nbsp;·&nbsp; 2026-07-01 06:00:00 UTC"
        ) in html

    def test_api_answers_in_utc_whatever_the_cookie(self, admin_client):
        report = make_report(saved_at=utc("2026-03-10 17:42:55"))

        client = in_zone(admin_client, "Asia/Tokyo")
        response = client.get(f"/api/v1/saves/{report.pk}/")

        assert response.status_code == 200
        assert response.json()["saved_at"] == "2026-03-10T17:42:55Z"


class TestFilters:
    def test_user_filter_lists_each_user_once_and_filters(self, admin_client):
        for username in ["bob", "anna", "bob", "chen"]:
            make_report(username=username, file_path=f"/{username}.blend")

        html = page(admin_client, "?username__exact=bob")

        assert (
            '<li class="selected">\n    <a href="?username__exact=bob">bob</a>' in html
        )
        assert html.count('<a href="?username__exact=anna">anna</a>') == 1
        assert '<a href="?username__exact=chen">chen</a>' in html
        assert listed_paths(html) == ["/bob.blend", "/bob.blend"]

    def test_host_filter_includes_reports_without_a_host(self, admin_client):
        make_report(hostname="ws-12", file_path="/a.blend")
        make_report(hostname="", file_path="/b.blend")

        html = page(admin_client, "?hostname__exact=")

        assert '<a href="?hostname__exact=">(none)</a>' in html
        assert listed_paths(html) == ["/b.blend"]

    def test_api_key_filter(self, admin_client):
        first, _ = issue_api_key("first")
        second, _ = issue_api_key("second")
        make_report(api_key=first, file_path="/first.blend")
        make_report(api_key=second, file_path="/second.blend")

        html = page(admin_client, f"?api_key__id__exact={second.pk}")

        assert f"second ({second.prefix}…)" in html
        assert listed_paths(html) == ["/second.blend"]

    # In Berlin on 10 March 2026 (UTC+1), today began at 2026-03-09 23:00 UTC.
    DAY_EDGES = {
        "/today-first-second.blend": "2026-03-09 23:00:00",
        "/yesterday-last-second.blend": "2026-03-09 22:59:59",
        "/7d-first-second.blend": "2026-03-03 23:00:00",
        "/7d-missed.blend": "2026-03-03 22:59:59",
        "/30d-first-second.blend": "2026-02-08 23:00:00",
        "/30d-missed.blend": "2026-02-08 22:59:59",
    }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("?saved=today", ["/today-first-second.blend"]),
            (
                "?saved=7d",
                [
                    "/today-first-second.blend",
                    "/yesterday-last-second.blend",
                    "/7d-first-second.blend",
                ],
            ),
            (
                "?saved=30d",
                [
                    "/today-first-second.blend",
                    "/yesterday-last-second.blend",
                    "/7d-first-second.blend",
                    "/7d-missed.blend",
                    "/30d-first-second.blend",
                ],
            ),
            (
                "?saved_from=2026-02-09&saved_to=2026-03-03",
                ["/7d-missed.blend", "/30d-first-second.blend"],
            ),
            ("?saved_to=2026-02-08", ["/30d-missed.blend"]),
            ("?saved_from=2026-03-10", ["/today-first-second.blend"]),
            (
                "?saved_to=9999-12-31",  # the last day there is: no day after it
                [
                    "/today-first-second.blend",
                    "/yesterday-last-second.blend",
                    "/7d-first-second.blend",
                    "/7d-missed.blend",
                    "/30d-first-second.blend",
                    "/30d-missed.blend",
                ],
            ),
        ],
    )
    def test_date_ranges_follow_the_viewers_days(
        self, admin_client, monkeypatch, query, expected
    ):
        freeze_admin_clock(monkeypatch)
        for path, saved_at in self.DAY_EDGES.items():
            make_report(file_path=path, saved_at=utc(saved_at))

        html = page(in_zone(admin_client, "Europe/Berlin"), query)

        assert listed_paths(html) == expected

    def test_key_hashes_cannot_be_probed_through_filters(self, admin_client):
        issue_api_key("k")

        response = admin_client.get(LIST_URL + "?api_key__key_hash__startswith=a")

        assert response.status_code == 400

    def test_invalid_date_is_ignored_with_a_warning(self, admin_client):
        make_report(file_path="/a.blend")

        html = page(admin_client, "?saved_from=2026-13-01")

        assert (
            "“2026-13-01” is not a date like 2026-03-10; that end of the date "
            "range was ignored."
        ) in html
        assert listed_paths(html) == ["/a.blend"]

    def test_custom_range_form_keeps_the_other_filters(self, admin_client):
        make_report(username="anna")

        html = page(admin_client, "?username__exact=anna&q=shot&saved_from=2026-03-01")

        start = html.index('<form method="get" class="savetrail-range">')
        form = html[start : html.index("</form>", start)]
        assert '<input type="hidden" name="q" value="shot">' in form
        assert '<input type="hidden" name="username__exact" value="anna">' in form
        assert '<input type="date" name="saved_from" value="2026-03-01">' in form
        assert '<input type="date" name="saved_to" value="">' in form
        assert form.count('type="hidden"') == 2

    def test_export_link_carries_the_current_filters(self, admin_client):
        html = page(admin_client, "?saved=7d&username__exact=anna")

        assert (
            '<a href="/admin/saves/savereport/export/'
            '?saved=7d&amp;username__exact=anna" class="savetrail-export" download>'
            "Export CSV</a>"
        ) in html


class TestSearch:
    @pytest.fixture(autouse=True)
    def reports(self):
        make_report(
            username="anna",
            file_path="/proj/shot 010.blend",
            saved_at=utc("2026-03-10 11:00:00"),
        )
        make_report(
            username="bob",
            file_path="/proj/shot 020.blend",
            saved_at=utc("2026-03-10 10:00:00"),
        )
        make_report(
            username="annabel",
            file_path="/assets/tree.blend",
            saved_at=utc("2026-03-10 09:00:00"),
        )

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("anna", ["/proj/shot 010.blend", "/assets/tree.blend"]),
            ("SHOT", ["/proj/shot 010.blend", "/proj/shot 020.blend"]),
            ("bob shot", ["/proj/shot 020.blend"]),
            ('"shot 020"', ["/proj/shot 020.blend"]),
            ("nothing-like-this", []),
        ],
    )
    def test_search_matches_user_or_path(self, admin_client, query, expected):
        html = page(admin_client, f"?q={query}")

        assert listed_paths(html) == expected

    def test_search_says_how_many_it_found(self, admin_client):
        html = page(admin_client, "?q=shot")

        assert (
            '<span class="small quiet">2 save reports found (<a href="?">clear search '
            "and filters</a>)</span>"
        ) in html

    def test_no_count_beside_the_search_box_without_a_search(self, admin_client):
        assert "found (" not in page(admin_client)


class TestDateHierarchy:
    @pytest.fixture(autouse=True)
    def reports(self):
        make_report(saved_at=utc("2025-12-31 23:30:00"))
        make_report(saved_at=utc("2026-03-02 10:00:00"))
        make_report(saved_at=utc("2026-03-09 10:00:00"))

    def test_years_with_reports(self, admin_client):
        html = page(admin_client)

        assert '<a href="?saved_at__year=2025">2025</a>' in html
        assert '<a href="?saved_at__year=2026">2026</a>' in html

    def test_a_year_lists_only_its_months_with_reports(self, admin_client):
        html = page(admin_client, "?saved_at__year=2026")

        assert (
            '<a href="?saved_at__month=3&amp;saved_at__year=2026">March 2026</a>'
            in html
        )
        assert "January 2026" not in html
        assert "February 2026" not in html

    def test_a_month_lists_only_its_days_with_reports(self, admin_client):
        html = page(admin_client, "?saved_at__year=2026&saved_at__month=3")

        assert "March 2</a>" in html
        assert "March 9</a>" in html
        assert "March 3</a>" not in html

    def test_days_are_the_viewers_days(self, admin_client):
        # 2025-12-31 23:30 UTC is already New Year's Day in Berlin.
        in_utc = page(admin_client, "?saved_at__year=2026")
        in_berlin = page(in_zone(admin_client, "Europe/Berlin"), "?saved_at__year=2026")

        assert "January 2026" not in in_utc
        assert "January 2026</a>" in in_berlin


class TestReadOnly:
    def test_nobody_may_add_a_report(self, admin_client):
        assert admin_client.get(f"{LIST_URL}add/").status_code == 403

    def test_nobody_may_change_a_report(self, admin_client):
        report = make_report(username="anna")

        response = admin_client.post(
            f"{LIST_URL}{report.pk}/change/", {"username": "mallory"}
        )

        assert response.status_code == 403
        report.refresh_from_db()
        assert report.username == "anna"

    def test_detail_page_has_no_save_button(self, admin_client):
        report = make_report()

        html = admin_client.get(f"{LIST_URL}{report.pk}/change/").content.decode()

        assert "View save report" in html
        assert 'name="_save"' not in html

    def test_staff_with_view_permission_sees_but_cannot_delete(
        self, client, django_user_model
    ):
        client.force_login(staff_user(django_user_model, "viewer", "view_savereport"))
        report = make_report()

        html = page(client)
        assert "/proj/shot 010.blend" in html
        assert "Delete selected save reports" not in html
        assert client.get(f"{LIST_URL}{report.pk}/delete/").status_code == 403
        assert (
            client.post(f"{LIST_URL}{report.pk}/delete/", {"post": "yes"}).status_code
            == 403
        )
        assert SaveReport.objects.count() == 1

    def test_staff_even_with_delete_permission_cannot_delete(
        self, client, django_user_model
    ):
        user = staff_user(
            django_user_model, "editor", "view_savereport", "delete_savereport"
        )
        client.force_login(user)
        report = make_report()

        response = client.post(f"{LIST_URL}{report.pk}/delete/", {"post": "yes"})

        assert response.status_code == 403
        assert SaveReport.objects.count() == 1

    def test_staff_without_permission_is_refused(self, client, django_user_model):
        client.force_login(staff_user(django_user_model, "stranger"))

        assert client.get(LIST_URL).status_code == 403

    def test_superuser_deletion_is_logged(self, admin_client, admin_user, caplog):
        report = make_report(username="anna", saved_at=utc("2026-03-10 17:42:55"))
        caplog.set_level(logging.WARNING, logger="saves.admin")

        response = admin_client.post(f"{LIST_URL}{report.pk}/delete/", {"post": "yes"})

        assert response.status_code == 302
        assert not SaveReport.objects.exists()
        entry = LogEntry.objects.get()
        assert (entry.user, entry.action_flag, entry.object_id) == (
            admin_user,
            DELETION,
            str(report.pk),
        )
        assert caplog.messages == [
            f"admin deleted save report {report.pk} (anna saved /proj/shot 010.blend "
            "at 2026-03-10 17:42:55 UTC)"
        ]

    def test_bulk_deletion_is_logged(self, admin_client, caplog):
        reports = [make_report(), make_report()]
        caplog.set_level(logging.WARNING, logger="saves.admin")
        ids = [report.pk for report in reports]

        admin_client.post(
            LIST_URL,
            {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        )

        assert not SaveReport.objects.exists()
        assert LogEntry.objects.filter(action_flag=DELETION).count() == 2
        assert caplog.messages == [f"admin deleted 2 save reports: ids {ids}"]

    def test_bulk_deletion_is_refused_above_the_limit(self, admin_client, monkeypatch):
        monkeypatch.setattr(SaveReportAdmin, "delete_limit", 2)
        ids = [make_report().pk for _ in range(3)]

        response = admin_client.post(
            LIST_URL,
            {"action": "delete_selected", "_selected_action": ids},
            follow=True,
        )

        assert (
            "Select at most 2 save reports to delete at once."
            in response.content.decode()
        )
        assert SaveReport.objects.count() == 3


class TestCounting:
    def test_exact_count_when_small(self, admin_client):
        for _ in range(3):
            make_report()

        html = page(admin_client)

        assert "3 save reports" in html

    def test_count_stops_at_the_limit_and_pages_stay_reachable(
        self, admin_client, monkeypatch
    ):
        monkeypatch.setattr("saves.pagination.EstimatedCountPaginator.count_limit", 3)
        monkeypatch.setattr(SaveReportAdmin, "list_per_page", 2)
        for day in range(1, 6):
            make_report(
                file_path=f"/{day}.blend", saved_at=utc(f"2026-03-0{day} 10:00")
            )

        first = page(admin_client, "?username__exact=anna")
        third = page(admin_client, "?username__exact=anna&p=3")

        assert "more than 3 save reports" in first
        assert "Select every matching report (more than 3 save reports)" in first
        assert listed_paths(first) == ["/5.blend", "/4.blend"]
        assert '<a href="?p=2&amp;username__exact=anna">2</a>' in first
        assert listed_paths(third) == ["/1.blend"]
        assert '<a href="?p=4&amp;username__exact=anna">' not in third

    def test_list_does_not_count_the_whole_table(
        self, admin_client, django_assert_max_num_queries
    ):
        make_report()

        # On PostgreSQL, one of the ten asks pg_class for the estimate.
        with django_assert_max_num_queries(10) as captured:
            page(admin_client)

        counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
        assert len(counts) == 1
        assert "LIMIT 100001" in counts[0]

    @pytest.mark.parametrize("reports", [1, 150])
    def test_queries_do_not_grow_with_rows(
        self, admin_client, django_assert_max_num_queries, reports
    ):
        keys = [issue_api_key(f"key {n}")[0] for n in range(3)]
        SaveReport.objects.bulk_create(
            SaveReport(
                username=f"user {n % 7}",
                hostname=f"ws-{n % 5}",
                saved_at=utc(f"2026-0{1 + n % 3}-0{1 + n % 9} 10:00:00"),
                file_path=f"/proj/{n}.blend",
                api_key=keys[n % 3],
            )
            for n in range(reports)
        )

        with django_assert_max_num_queries(9):
            page(admin_client, "?saved_at__year=2026")
        with django_assert_max_num_queries(9):
            page(admin_client, "?saved_at__year=2026&saved_at__month=2&p=1")
        with django_assert_max_num_queries(9):
            page(admin_client, "?q=proj&username__exact=user+3")
