"""The admin's bounded queries and its paginator, on their own."""

import pytest
from admin_support import make_report, utc
from django.db import connection

from saves.admin_queries import (
    distinct_values,
    estimated_row_count,
    latest_per_value,
    periods_with_rows,
)
from saves.models import SaveReport
from saves.pagination import CountKind, EstimatedCountPaginator

pytestmark = pytest.mark.django_db


def test_distinct_values_in_order_once_each():
    for username in ["chen", "anna", "bob", "anna", "Zoe", "ánna"]:
        make_report(username=username)

    values = distinct_values(SaveReport, "username", limit=10)

    assert sorted(values) == sorted({"chen", "anna", "bob", "Zoe", "ánna"})


def test_distinct_values_stop_at_the_limit():
    for username in ["d", "c", "b", "a"]:
        make_report(username=username)

    assert distinct_values(SaveReport, "username", limit=2) == ["a", "b"]


def test_distinct_values_of_an_empty_table():
    assert distinct_values(SaveReport, "hostname", limit=10) == []


def test_latest_per_value_picks_the_newest_row_of_each():
    old = make_report(hostname="ws-1", saved_at=utc("2026-03-01 10:00"))
    new = make_report(hostname="ws-1", saved_at=utc("2026-03-02 10:00"))
    same_time_lower_id = make_report(hostname="ws-2", saved_at=utc("2026-03-02 10:00"))
    same_time_higher_id = make_report(hostname="ws-2", saved_at=utc("2026-03-02 10:00"))

    ids = latest_per_value(SaveReport, "hostname", newest_first_by="saved_at", limit=10)

    assert ids == [new.pk, same_time_higher_id.pk]
    assert old.pk not in ids
    assert same_time_lower_id.pk not in ids


def test_periods_with_rows():
    make_report(saved_at=utc("2026-01-15 10:00"))
    make_report(saved_at=utc("2026-03-01 00:00"))
    boundaries = [utc(f"2026-{month:02d}-01 00:00") for month in range(1, 6)]

    found = periods_with_rows(SaveReport.objects.all(), "saved_at", boundaries)

    assert found == [True, False, True, False]


def test_periods_with_rows_respect_the_querysets_filters():
    make_report(username="anna", saved_at=utc("2026-01-15 10:00"))
    make_report(username="bob", saved_at=utc("2026-02-15 10:00"))
    boundaries = [utc(f"2026-{month:02d}-01 00:00") for month in range(1, 4)]

    found = periods_with_rows(
        SaveReport.objects.filter(username="bob"), "saved_at", boundaries
    )

    assert found == [False, True]


def test_estimate_comes_from_postgresql_statistics_only():
    for _ in range(3):
        make_report()

    if connection.vendor != "postgresql":
        assert estimated_row_count(SaveReport) is None
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE saves_savereport")
    assert estimated_row_count(SaveReport) == 3


class TestPaginator:
    def test_exact_count_below_the_limit(self):
        for _ in range(3):
            make_report()

        paginator = EstimatedCountPaginator(SaveReport.objects.all(), 2)

        assert (paginator.count, paginator.count_kind) == (3, CountKind.EXACT)
        assert paginator.num_pages == 2

    def test_count_stops_above_the_limit(self, monkeypatch):
        monkeypatch.setattr(EstimatedCountPaginator, "count_limit", 2)
        for _ in range(5):
            make_report()

        paginator = EstimatedCountPaginator(
            SaveReport.objects.filter(username="anna"), 2
        )

        assert (paginator.count, paginator.count_kind) == (2, CountKind.AT_LEAST)

    def test_estimate_for_the_whole_table(self, monkeypatch):
        monkeypatch.setattr(EstimatedCountPaginator, "count_limit", 2)
        monkeypatch.setattr(
            "saves.pagination.estimated_row_count", lambda model: 5_000_000
        )

        paginator = EstimatedCountPaginator(SaveReport.objects.all(), 100)

        assert (paginator.count, paginator.count_kind) == (
            5_000_000,
            CountKind.ESTIMATE,
        )

    def test_small_estimate_is_replaced_by_an_exact_count(self, monkeypatch):
        monkeypatch.setattr("saves.pagination.estimated_row_count", lambda model: 40)
        make_report()

        paginator = EstimatedCountPaginator(SaveReport.objects.all(), 100)

        assert (paginator.count, paginator.count_kind) == (1, CountKind.EXACT)

    def test_open_ended_pages(self, monkeypatch):
        monkeypatch.setattr(EstimatedCountPaginator, "count_limit", 2)
        for day in range(1, 6):
            make_report(saved_at=utc(f"2026-03-0{day} 10:00"))
        queryset = SaveReport.objects.filter(username="anna").order_by("saved_at")
        paginator = EstimatedCountPaginator(queryset, 2)

        pages = [paginator.page(number) for number in (1, 2, 3, 4)]

        assert [len(page) for page in pages] == [2, 2, 1, 0]
        assert [page.has_next() for page in pages] == [True, True, False, False]
        assert pages[2][0].saved_at == utc("2026-03-05 10:00")
        assert list(paginator.get_elided_page_range(3)) == [1, 2, 3]
