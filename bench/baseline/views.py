"""One view: store the posted report with a single SQL statement, answer 201."""

import json

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# The same row SaveTrail stores, sent by the benchmark's only API key.
INSERT_REPORT = """
    INSERT INTO saves_savereport (
        event_id, username, saved_at, file_path, received_at,
        blender_version, hostname, file_size, api_key_id
    )
    VALUES (
        %s, %s, %s, %s, now(), %s, %s, %s,
        (SELECT id FROM saves_apikey ORDER BY id LIMIT 1)
    )
    RETURNING id, received_at
"""


@csrf_exempt
@require_POST
def insert_report(request):
    report = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_REPORT,
            [
                report["event_id"],
                report["username"],
                report["saved_at"],
                report["file_path"],
                report.get("blender_version", ""),
                report.get("hostname", ""),
                report.get("file_size"),
            ],
        )
        record_id, received_at = cursor.fetchone()
    return JsonResponse(
        {"id": record_id, **report, "received_at": received_at}, status=201
    )
