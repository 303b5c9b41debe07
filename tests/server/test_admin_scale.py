"""At a million reports the admin runs the same few, bounded queries.

PostgreSQL only (DATABASE_URL=postgres://...): the estimate, the trigram
indexes and the plans checked here exist only there. How long the pages take
is measured by the benchmarks in bench/, not here.
"""

import re
from datetime import UTC, datetime

import pytest
from admin_support import (
    EXPORT_URL,
    KEYS_URL,
    LIST_URL,
    NOW,
    OVERVIEW_URL,
    csv_rows,
    freeze_admin_clock,
)
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saves.admin_queries import periods_with_rows
from saves.models import ApiKey, SaveReport
from saves.services import issue_api_key

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: set DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db,
]

ROWS = 1_000_000
KEYS = 10

# Report n (1 to ROWS) was saved n * 30 s before NOW, by one of 100 users on one
# of 60 hosts with one of 10 keys: a year of a busy studio, one save every 30 s.
LOAD_SQL = """
    INSERT INTO saves_savereport (
        event_id, username, saved_at, file_path, received_at, api_key_id,
        blender_version, hostname, file_size
    )
    SELECT
        lpad(to_hex(n), 32, '0')::uuid,
        'artist_' || lpad(mod(n, 100)::text, 3, '0'),
        %(now)s::timestamptz - n * interval '30 seconds',
        '/projects/show_' || mod(n, 40)
            || '/shots/sh' || lpad(mod(n, 997)::text, 4, '0')
            || '/scene_v' || mod(n, 23) || '.blend',
        %(now)s::timestamptz - n * interval '30 seconds' + interval '1 second',
        (%(keys)s::bigint[])[1 + mod(n, %(key_count)s)],
        '5.0.1',
        'ws-' || lpad(mod(n, 60)::text, 3, '0'),
        1000000 + n
    FROM generate_series(1, %(rows)s) AS n
"""

# The table's indexes, as the migrations made them, except those behind a
# constraint (primary key, unique event_id): dropped before the load and built
# again after it, which is several times faster than growing them row by row.
SECONDARY_INDEXES_SQL = """
    SELECT indexname, indexdef FROM pg_indexes
    WHERE tablename = 'saves_savereport' AND indexname NOT IN (
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'saves_savereport'::regclass
    )
"""


def reports_saved_since(seconds_before_now: int) -> int:
    """Return how many loaded reports were saved at most that long before NOW."""
    return seconds_before_now // 30


@pytest.fixture(scope="module", autouse=True)
def million_reports(django_db_setup, django_db_blocker):
    """Load ROWS reports once for the module (committed), and remove them after."""
    with django_db_blocker.unblock():
        key_ids = [issue_api_key(f"scale key {n}")[0].pk for n in range(KEYS)]
        with connection.cursor() as cursor:
            cursor.execute(SECONDARY_INDEXES_SQL)
            indexes = cursor.fetchall()
            assert "save_file_path_trgm_idx" in dict(indexes)
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(
                LOAD_SQL,
                {"now": NOW, "keys": key_ids, "key_count": KEYS, "rows": ROWS},
            )
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("VACUUM ANALYZE saves_savereport")
        yield
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE saves_savereport")
        ApiKey.objects.all().delete()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    return freeze_admin_clock(monkeypatch)


def get(client, url, django_assert_max_num_queries, most: int) -> tuple[str, list]:
    """GET url, asserting at most `most` queries and no unbounded COUNT."""
    with django_assert_max_num_queries(most) as captured:
        response = client.get(url)
    assert response.status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    for statement in sql:
        if "COUNT(" in statement and "saves_savereport" in statement:
            assert "LIMIT 100001" in statement or "GROUP BY" in statement, statement
    return response.content.decode(), sql


def test_unfiltered_list_uses_the_estimate(admin_client, django_assert_max_num_queries):
    html, sql = get(admin_client, LIST_URL, django_assert_max_num_queries, 9)

    estimate = int(re.search(r"about ([\d,]+) save reports", html)[1].replace(",", ""))
    assert 0.95 * ROWS <= estimate <= 1.05 * ROWS
    assert not [statement for statement in sql if "COUNT(" in statement]


@pytest.mark.parametrize("page_number", [2, 50])
def test_changing_page_counts_nothing(
    admin_client, django_assert_max_num_queries, page_number
):
    html, sql = get(
        admin_client, f"{LIST_URL}?p={page_number}", django_assert_max_num_queries, 9
    )

    assert f'<span class="this-page">{page_number}</span>' in html
    assert not [statement for statement in sql if "COUNT(" in statement]


@pytest.mark.parametrize(
    ("query", "count_text"),
    [
        ("?username__exact=artist_042", "10,000 save reports"),
        ("?hostname__exact=ws-007&saved=30d", "1,416 save reports"),
        ("?saved=7d", f"{reports_saved_since(int(6.5 * 86400)):,} save reports"),
        ("?saved=30d", f"{reports_saved_since(int(29.5 * 86400)):,} save reports"),
        ("?q=sh0042", "1,003 save reports"),
        ("?saved_at__year=2025", "more than 100,000 save reports"),
        ("?saved_at__year=2025&saved_at__month=6", "86,400 save reports"),
        (
            "?saved_at__year=2025&saved_at__month=6&saved_at__day=3",
            "2,880 save reports",
        ),
        ("?api_key__id__exact={key}", "100,000 save reports"),
    ],
)
def test_filtered_lists_count_at_most_the_limit(
    admin_client, django_assert_max_num_queries, query, count_text
):
    key = ApiKey.objects.order_by("pk").first().pk

    html, _ = get(
        admin_client,
        LIST_URL + query.format(key=key),
        django_assert_max_num_queries,
        9,
    )

    assert count_text in html


def test_overview(admin_client, django_assert_max_num_queries):
    html, _ = get(admin_client, OVERVIEW_URL, django_assert_max_num_queries, 6)

    assert (
        f"<strong>{reports_saved_since(int(29.5 * 86400)):,}</strong> reports." in html
    )
    assert "<title>Mon 9 Mar 2026: 2,880 reports</title>" in html
    assert "<title>Tue 10 Mar 2026: 1,440 reports</title>" in html
    assert html.count('<a href="/admin/saves/savereport/?hostname__exact=ws-') == 60


def test_api_key_list(admin_client, django_assert_max_num_queries):
    html, _ = get(admin_client, KEYS_URL, django_assert_max_num_queries, 5)

    assert html.count('<td class="field-reports_sent">100,000</td>') == KEYS


def test_export_of_a_filtered_list(admin_client):
    response = admin_client.get(EXPORT_URL + "?username__exact=artist_042")

    rows = csv_rows(response)
    assert len(rows) == 1 + 10_000
    assert rows[1][:3] == [
        "2026-03-10T11:39:00Z",
        "artist_042",
        "/projects/show_2/shots/sh0042/scene_v19.blend",
    ]


@pytest.mark.parametrize("column", ["username", "file_path"])
def test_search_uses_the_trigram_index(column):
    plan = SaveReport.objects.filter(**{f"{column}__icontains": "sh0042"}).explain()

    assert f"save_{column}_trgm_idx" in plan


@pytest.mark.parametrize(
    ("column", "index"),
    [("username", "save_user_saved_at_idx"), ("hostname", "save_host_saved_at_idx")],
)
def test_filter_choices_walk_the_index(column, index):
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            EXPLAIN SELECT (SELECT MIN({column}) FROM saves_savereport
                            WHERE {column} > 'artist_042')
            """
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert f"Index Only Scan using {index}" in plan


@pytest.mark.parametrize(
    ("filters", "index"),
    [({}, "save_saved_at_idx"), ({"username": "artist_042"}, "save_user_saved_at_idx")],
)
def test_date_hierarchy_probes_read_an_index_only(filters, index):
    years = [datetime(year, 1, 1, tzinfo=UTC) for year in range(2025, 2028)]
    with CaptureQueriesContext(connection) as captured:
        found = periods_with_rows(
            SaveReport.objects.filter(**filters), "saved_at", years
        )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + captured.captured_queries[0]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert found == [True, True]
    assert plan.count(f"using {index}") == 2
    assert "Seq Scan" not in plan
