"""The overview page: reports per day, most active users and files, hosts."""

import pytest
from admin_support import (
    OVERVIEW_URL,
    freeze_admin_clock,
    in_zone,
    make_report,
    staff_user,
    utc,
)

from saves.models import SaveReport
from saves.services import issue_api_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    return freeze_admin_clock(monkeypatch)


def overview(client, query: str = "") -> str:
    response = client.get(OVERVIEW_URL + query)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    """Return the HTML of the table with element_id."""
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</table>", start)]


class TestReportsPerDay:
    def test_bars_count_each_day_of_the_last_30(self, admin_client):
        for saved_at in ["2026-03-10 08:00", "2026-03-10 09:00", "2026-03-10 10:00"]:
            make_report(saved_at=utc(saved_at))
        make_report(saved_at=utc("2026-03-09 10:00"))
        make_report(saved_at=utc("2026-02-09 00:00"))  # the first of the 30 days
        make_report(saved_at=utc("2026-02-08 23:59:59"))  # one day too early

        html = overview(admin_client)

        assert "<title>Tue 10 Mar 2026: 3 reports</title>" in html
        assert "<title>Mon 9 Mar 2026: 1 report</title>" in html
        assert "<title>Mon 9 Feb 2026: 1 report</title>" in html
        assert "<title>Sun 8 Mar 2026: 0 reports</title>" in html
        assert "Sun 8 Feb 2026" not in html
        assert html.count('<g class="day">') == 30
        assert (
            "The last 30 days, 9 Feb 2026 to 10 Mar 2026\n    (days in UTC): "
            "<strong>5</strong> reports."
        ) in html

    def test_days_are_the_viewers_days(self, admin_client):
        # 23:30 UTC on 9 March is 00:30 on 10 March in Berlin.
        make_report(saved_at=utc("2026-03-09 23:30"))

        utc_html = overview(admin_client)
        berlin_html = overview(in_zone(admin_client, "Europe/Berlin"))

        assert "<title>Mon 9 Mar 2026: 1 report</title>" in utc_html
        assert "<title>Tue 10 Mar 2026: 1 report</title>" in berlin_html
        assert "(days in Europe/Berlin)" in berlin_html

    def test_bar_heights_scale_to_the_busiest_day(self, admin_client):
        for _ in range(4):
            make_report(saved_at=utc("2026-03-10 08:00"))
        for _ in range(2):
            make_report(saved_at=utc("2026-03-09 08:00"))

        html = overview(admin_client)

        # The axis tops out at 5; the plot is 184 units high, its floor at y=194.
        assert (
            '<rect class="bar" x="715.4" y="46.8" width="18.3" height="147.2">' in html
        )
        assert (
            '<rect class="bar" x="692.4" y="120.4" width="18.3" height="73.6">' in html
        )
        assert 'dy="4" text-anchor="end">5</text>' in html

    def test_one_users_chart(self, admin_client):
        make_report(username="anna", saved_at=utc("2026-03-10 08:00"))
        make_report(username="bob", saved_at=utc("2026-03-10 09:00"))
        make_report(username="bob", saved_at=utc("2026-03-09 09:00"))

        html = overview(admin_client, "?user=bob")

        assert "<h2>Reports per day: bob</h2>" in html
        assert "<title>Tue 10 Mar 2026: 1 report</title>" in html
        assert "<title>Mon 9 Mar 2026: 1 report</title>" in html
        assert '<option value="bob" selected>bob</option>' in html

    def test_user_without_recent_reports_gets_an_empty_chart(self, admin_client):
        make_report(username="anna")

        html = overview(admin_client, "?user=zoe")

        assert "zoe saved nothing in these 30 days." in html
        assert '<option value="zoe" selected>zoe</option>' in html


class TestMostActive:
    def test_users_ranked_by_reports(self, admin_client):
        for username, count in [("anna", 2), ("bob", 3), ("chen", 1)]:
            for _ in range(count):
                make_report(username=username)

        table = section(overview(admin_client), "top-users")

        assert (
            table.index(">bob</a>")
            < table.index(">anna</a>")
            < table.index(">chen</a>")
        )
        assert (
            '<a href="/admin/saves/savereport/?username__exact=bob&amp;saved=30d">3</a>'
            in table
        )

    def test_files_ranked_by_reports_with_full_paths(self, admin_client):
        for path, count in [("/p/a.blend", 1), ("C:\\Проекты\\b.blend", 3)]:
            for _ in range(count):
                make_report(file_path=path)

        table = section(overview(admin_client), "top-files")

        assert table.index("b.blend") < table.index("a.blend")
        assert (
            '<span class="savetrail-file">b.blend</span>'
            '<code class="savetrail-path">C:\\Проекты\\b.blend</code>'
        ) in table
        assert (
            "?q=%22C%3A%5C%D0%9F%D1%80%D0%BE%D0%B5%D0%BA%D1%82%D1%8B%5Cb.blend%22"
            "&amp;saved=30d"
        ) in table

    def test_script_username_is_escaped(self, admin_client):
        make_report(username="<script>alert(1)</script>")

        html = overview(admin_client)

        assert "<script>alert(1)" not in html
        assert (
            '<option value="&lt;script&gt;alert(1)&lt;/script&gt;">'
            "&lt;script&gt;alert(1)&lt;/script&gt;</option>"
        ) in html


class TestLastReportPerHost:
    def test_newest_report_of_each_host_most_recent_host_first(self, admin_client):
        api_key, _ = issue_api_key("farm key")
        make_report(
            hostname="ws-12", file_path="/old.blend", saved_at=utc("2026-03-01")
        )
        make_report(
            hostname="ws-12", file_path="/new.blend", saved_at=utc("2026-03-08")
        )
        make_report(
            hostname="render-01",
            username="farm",
            file_path="/farm.blend",
            saved_at=utc("2026-03-09"),
            api_key=api_key,
        )
        make_report(hostname="", file_path="/nohost.blend", saved_at=utc("2025-01-01"))

        table = section(overview(admin_client), "hosts")

        assert table.index(">render-01</a>") < table.index(">ws-12</a>")
        assert table.index(">ws-12</a>") < table.index(">(none)</a>")
        assert "/new.blend" in table
        assert "/old.blend" not in table
        assert "<td>farm key</td>" in table
        assert "/nohost.blend" in table


def test_linked_from_the_admin_index(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert (
        '<a href="/admin/saves/savereport/overview/" class="viewlink">View</a>' in html
    )


def test_needs_view_permission(client, django_user_model):
    client.force_login(staff_user(django_user_model, "stranger"))

    assert client.get(OVERVIEW_URL).status_code == 403


@pytest.mark.parametrize("reports", [1, 300])
def test_queries_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, reports
):
    SaveReport.objects.bulk_create(
        SaveReport(
            username=f"user {n % 20}",
            hostname=f"ws-{n % 30}",
            saved_at=utc(f"2026-03-{1 + n % 10:02d} 10:00"),
            file_path=f"/proj/{n % 40}.blend",
        )
        for n in range(reports)
    )

    with django_assert_max_num_queries(6):
        overview(admin_client)
