"""A supervisor's day in the admin, in a real Chromium (Berlin time zone)."""

import csv
import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from browser_support import ARTIFACTS, NOW, hide_navigation, screenshot
from playwright.sync_api import expect

from saves.models import ApiKey, SaveReport
from saves.services import hash_key

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_day(report) -> str:
    return f"{report.saved_at.astimezone(BERLIN):%Y-%m-%d}"


def open_reports(page):
    page.get_by_role("link", name="Save reports", exact=True).last.click()
    expect(page).to_have_title("Select save report to view | SaveTrail")


def listed_rows(page):
    return page.locator("#result_list tbody tr")


def test_find_a_report_by_search_user_and_date(page, studio):
    open_reports(page)
    hide_navigation(page)
    expect(page.locator(".savetrail-zone")).to_have_text(
        "Times are in Europe/Berlin; point at a time to see it in UTC."
    )
    screenshot(page, "admin-list")

    page.locator("#searchbar").fill('"fox_rig"')
    page.locator("#searchbar").press("Enter")
    found = [r for r in studio if "fox_rig" in r.file_path]
    expect(page.locator(".paginator")).to_contain_text(f"{len(found)} save reports")

    filters = page.locator("#changelist-filter")
    filters.get_by_role("link", name="bruno", exact=True).click()
    filters.get_by_role("link", name="Last 7 days", exact=True).click()

    expected = sorted(
        (r for r in found if r.username == "bruno" and berlin_day(r) >= "2026-03-04"),
        key=lambda report: report.saved_at,
        reverse=True,
    )
    expect(listed_rows(page)).to_have_count(len(expected))
    expect(page.locator("td.field-username")).to_have_text(["bruno"] * len(expected))
    newest = page.locator("th.field-saved time").first
    local = expected[0].saved_at.astimezone(BERLIN)
    expect(newest).to_have_text(f"{local:%Y-%m-%d %H:%M:%S}")
    expect(newest).to_have_attribute(
        "title", f"{expected[0].saved_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    )
    assert "q=%22fox_rig%22" in page.url
    assert "saved=7d" in page.url
    assert "username__exact=bruno" in page.url
    screenshot(page, "admin-list-filtered")


def test_custom_date_range(page, studio):
    open_reports(page)

    range_form = page.locator("form.savetrail-range")
    range_form.get_by_label("From").fill("2026-03-02")
    range_form.get_by_label("To").fill("2026-03-03")
    range_form.get_by_role("button", name="Show").click()

    in_range = [r for r in studio if "2026-03-02" <= berlin_day(r) <= "2026-03-03"]
    expect(page.locator(".paginator")).to_contain_text(f"{len(in_range)} save reports")
    expect(listed_rows(page)).to_have_count(len(in_range))


def test_overview_from_the_admin_index(page, studio):
    page.get_by_role("link", name="Overview of the last 30 days").click()

    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator("svg.savetrail-chart g.day")).to_have_count(30)
    today = sum(1 for r in studio if berlin_day(r) == "2026-03-10")
    expect(page.locator("svg.savetrail-chart g.day title").last).to_have_text(
        f"Tue 10 Mar 2026: {today} reports"
    )
    expect(page.locator("#hosts tbody tr")).to_have_count(7)
    hide_navigation(page)
    page.screenshot(path=ARTIFACTS / "overview.png", full_page=True)

    page.get_by_label("Show").select_option("chen")
    page.get_by_role("button", name="Draw").click()

    expect(page.locator("h2").first).to_have_text("Reports per day: chen")
    chens_today = sum(
        1 for r in studio if r.username == "chen" and berlin_day(r) == "2026-03-10"
    )
    expect(page.locator("svg.savetrail-chart g.day title").last).to_have_text(
        re.compile(rf"^Tue 10 Mar 2026: {chens_today} reports?$")
    )


def test_export_the_filtered_list_as_csv(page, studio):
    formula = SaveReport.objects.create(
        username='=HYPERLINK("http://example.invalid")',
        saved_at=NOW,
        file_path="/mnt/projects/nightfall/notes.blend",
        hostname="ws-03",
    )
    open_reports(page)
    page.locator("#changelist-filter").get_by_role(
        "link", name="ws-03", exact=True
    ).click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value

    text = download.path().read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    on_ws03 = sorted(
        (r for r in [*studio, formula] if r.hostname == "ws-03"),
        key=lambda report: (report.saved_at, report.pk),
        reverse=True,
    )
    assert text.startswith("\ufeffsaved_at,username,file_path,hostname,")
    assert download.suggested_filename == "savetrail-reports-20260310-120000Z.csv"
    assert len(rows) == 1 + len(on_ws03)
    assert rows[1] == [
        "2026-03-10T12:00:00Z",
        '\'=HYPERLINK("http://example.invalid")',
        "/mnt/projects/nightfall/notes.blend",
        "ws-03",
        "",
        "",
        "",
        f"{formula.received_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        str(formula.event_id),
    ]
    assert {row[3] for row in rows[1:]} == {"ws-03"}
    assert [row[2] for row in rows[2:]] == [r.file_path for r in on_ws03[1:]]


def test_create_a_key_then_revoke_it(page):
    page.get_by_role("link", name="API keys").first.click()
    page.get_by_role("link", name="Add API key").click()
    page.get_by_label("Name").fill("ws-09")
    page.get_by_label("May read reports").check()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist .success")).to_have_text(
        "The API key “ws-09” was created. Copy it now: it is shown only this once."
    )
    raw_key = page.locator("#issued-key").input_value()
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-key-done")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == raw_key
    api_key = ApiKey.objects.get(name="ws-09")
    assert raw_key.startswith(f"st_{api_key.prefix}_")
    assert api_key.key_hash == hash_key(raw_key)
    assert (api_key.can_report, api_key.can_read) == (True, True)
    screenshot(page, "api-key-issued")

    page.get_by_role("link", name="Back to API keys").click()
    row = page.locator("#result_list tbody tr", has_text="ws-09")
    expect(row.locator("td.field-key_start")).to_have_text(f"st_{api_key.prefix}_…")
    expect(row.locator("td.field-scopes")).to_have_text("report, read")
    assert raw_key.split("_", 2)[2] not in page.content()

    row.get_by_role("link", name="ws-09").click()
    page.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Yes, revoke it").click()

    expect(page.locator(".messagelist .success")).to_have_text(
        "Revoked: ws-09. Reports sent with a revoked key are refused with 401."
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    expect(page.get_by_role("link", name="Revoke")).to_have_count(0)


def test_a_script_in_a_username_stays_text(page):
    SaveReport.objects.create(
        username="<script>alert(1)</script>",
        saved_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        file_path="/tmp/<img src=x onerror=alert(2)>.blend",
        hostname="ws-01",
    )

    open_reports(page)
    expect(page.locator("td.field-username")).to_have_text("<script>alert(1)</script>")
    expect(page.locator("code.savetrail-path")).to_have_text(
        "/tmp/<img src=x onerror=alert(2)>.blend"
    )
    page.goto("/admin/saves/savereport/overview/")
    expect(page.locator("#top-users td").first).to_have_text(
        "<script>alert(1)</script>"
    )

    assert page.dialogs == []
