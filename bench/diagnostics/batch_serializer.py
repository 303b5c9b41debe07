"""Diagnostic, not part of make bench: the batch view with one reused serializer.

    python bench/diagnostics/batch_serializer.py

Times 500-report batches in process (Django test Client, PostgreSQL, logging
off) with SaveReportBatchView.post as it is, then with a version of it, defined
here only, that validates and represents every report with one serializer
instead of a new one per report. Same answers, fewer field copies.
"""

import json
import logging
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

from common import SERVER_DIR, Database  # noqa: E402

BATCHES = 6


def batch() -> str:
    reports = [
        {
            "event_id": str(uuid.uuid4()),
            "username": "anna",
            "saved_at": "2026-03-10T17:42:55Z",
            "file_path": f"/projects/shot {number}.blend",
            "blender_version": "5.0.1",
            "hostname": "ws-12",
            "file_size": 123456,
        }
        for number in range(500)
    ]
    return json.dumps({"reports": reports})


def reused_serializer_post(self, request):
    """SaveReportBatchView.post with one serializer for every report."""
    from rest_framework import serializers
    from rest_framework.response import Response

    from saves import services
    from saves.api.serializers import BatchSerializer

    envelope = BatchSerializer(data=request.data)
    envelope.is_valid(raise_exception=True)
    reports = envelope.validated_data["reports"]

    serializer = self.get_serializer()
    checked = []
    for report in reports:
        try:
            checked.append((serializer.run_validation(report), None))
        except serializers.ValidationError as error:
            checked.append((None, error.detail))
    valid = [data for data, errors in checked if errors is None]
    stored = iter(services.save_event_batch(request.auth, valid))

    results = []
    for report, (_data, errors) in zip(reports, checked, strict=True):
        if errors is not None:
            result = self.invalid_result(report, errors)
        else:
            record, outcome = next(stored)
            result = {"event_id": str(record.event_id), "status": str(outcome)}
            result["record"] = serializer.to_representation(record)
        results.append(result)
        self.log_item(report, result["status"])
    self.logged = True
    return Response({"results": results})


def measure(api_key: str) -> None:
    sys.path.insert(0, str(SERVER_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    logging.disable(logging.CRITICAL)
    from django.test import Client

    from saves.api import views

    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    for label in ("as it is", "one reused serializer"):
        if label == "one reused serializer":
            views.SaveReportBatchView.post = reused_serializer_post
        seconds = []
        for _ in range(BATCHES):
            body = batch()
            started = time.perf_counter()
            response = client.post(
                "/api/v1/saves/batch/", body, content_type="application/json"
            )
            seconds.append(time.perf_counter() - started)
            statuses = {item["status"] for item in response.json()["results"]}
            if response.status_code != 200 or statuses != {"created"}:
                raise SystemExit(f"{label}: {response.status_code} {statuses}")
        typical = statistics.median(seconds)
        print(
            f"{label}: {typical * 1000:.0f} ms per 500 reports "
            f"({500 / typical:.0f} reports/s)"
        )


def main() -> None:
    if len(sys.argv) > 1:
        measure(sys.argv[1])
        return
    with Database("diagnose") as database:
        api_key = database.create_key("diagnose")
        subprocess.run(
            [sys.executable, __file__, api_key], env=database.server_env(), check=True
        )


if __name__ == "__main__":
    main()
