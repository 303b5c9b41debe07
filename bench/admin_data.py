"""Fill a SaveTrail database with realistic save reports, in bulk, in SQL.

A studio of 100 artists on 200 workstations, 12 shows of 2,000 shots, saving
evenly over the last two years, oldest first on disk as in a live table: the
newest report is a minute old. Every value is a function of the row number, so
a run with the same row count builds the same table. The indexes (but for the
primary key and the unique event_id) are dropped during the insert and built
again from their own definitions.
"""

import time

import psycopg

USERS = 100
KEYS = 5
SPAN_DAYS = 730

CREATE_KEYS = """
    INSERT INTO saves_apikey (name, prefix, key_hash, can_report, can_read, created_at)
    SELECT 'studio key ' || n, 'bench' || lpad(n::text, 3, '0'),
           encode(sha256(('bench key ' || n)::bytea), 'hex'), true, false, now()
    FROM generate_series(1, %(keys)s) AS n
"""

# g runs from 1 (two years ago) to the row count (a minute ago): rows lie on disk
# in the order they arrived, as in a live audit log.
INSERT_REPORTS = """
    INSERT INTO saves_savereport (
        event_id, username, saved_at, file_path, received_at,
        api_key_id, blender_version, hostname, file_size
    )
    SELECT
        md5('savetrail bench ' || g)::uuid,
        'artist_' || lpad(artist::text, 3, '0'),
        saved_at,
        '/projects/show_' || lpad((g * 31 %% 12)::text, 2, '0') || '/shots/sh'
            || lpad(shot::text, 4, '0') || '/anim/sh' || lpad(shot::text, 4, '0')
            || '_anim_v' || lpad((g / 997 %% 60)::text, 3, '0') || '.blend',
        saved_at + interval '2 seconds',
        first_key + g %% %(keys)s,
        CASE WHEN g %% 10 = 0 THEN '4.2.9' WHEN g %% 10 < 4 THEN '4.5.3'
             ELSE '5.0.1' END,
        'ws-' || lpad((artist + 100 * (g %% 2))::text, 3, '0'),
        1000000 + g * 7919 %% 200000000
    FROM (
        SELECT g, g * 7919 %% %(users)s AS artist, g * 17 %% 2000 AS shot,
               now() - interval '1 minute'
                   - (%(rows)s - g)::float8 / %(rows)s
                   * (%(span_days)s * interval '1 day')
                   AS saved_at,
               (SELECT min(id) FROM saves_apikey) AS first_key
        FROM generate_series(1::bigint, %(rows)s) AS g
    ) AS numbered
"""

SECONDARY_INDEXES = """
    SELECT indexname, indexdef FROM pg_indexes
    WHERE tablename = 'saves_savereport' AND indexname NOT IN (
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'saves_savereport'::regclass
    )
"""


def fill(database_url: str, rows: int) -> dict:
    """Insert rows reports (and the keys that sent them); return the timings."""
    timings = {}
    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("SET synchronous_commit = off")
        connection.execute("SET maintenance_work_mem = '1GB'")
        connection.execute(CREATE_KEYS, {"keys": KEYS})
        indexes = connection.execute(SECONDARY_INDEXES).fetchall()
        for name, _definition in indexes:
            connection.execute(f'DROP INDEX "{name}"')

        connection.execute(
            INSERT_REPORTS,
            {"rows": rows, "users": USERS, "keys": KEYS, "span_days": SPAN_DAYS},
        )
        timings["insert_seconds"] = time.monotonic() - started

        for _name, definition in indexes:
            connection.execute(definition)
        timings["index_seconds"] = time.monotonic() - started - sum(timings.values())

        connection.execute("VACUUM (ANALYZE) saves_savereport")
        timings["vacuum_seconds"] = time.monotonic() - started - sum(timings.values())
        timings["table_size"] = connection.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('saves_savereport'))"
        ).fetchone()[0]
    timings["seconds"] = time.monotonic() - started
    return timings
