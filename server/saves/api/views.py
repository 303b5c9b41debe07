"""API views: validate, call one service, serialize."""

import logging
import time

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import generics, permissions, status
from rest_framework.exceptions import (
    ErrorDetail,
    MethodNotAllowed,
    NotFound,
    ValidationError,
)
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from saves import services
from saves.models import ApiKey, SaveReport

from . import schema
from .authentication import ApiKeyAuthentication, HasReadScope, HasReportScope
from .exceptions import Conflict, DatabaseUnavailable, PayloadTooLarge, field_errors
from .filters import SaveReportFilter
from .serializers import BatchSerializer, SaveReportSerializer

logger = logging.getLogger("saves.reports")

MAX_BODY_SIZE = 1024 * 1024
LOGGED_PATH_LENGTH = 300
NO_DATA = ErrorDetail("No data provided", code="null")


class NewestFirstPagination(CursorPagination):
    ordering = ("-saved_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        """Return the page_size asked for; refuse one out of 1-500 (400)."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        digits = value.isascii() and value.isdigit()  # "²".isdigit() is True
        if not digits or not 1 <= int(value) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Ask for 1 to {self.max_page_size} reports a page."
                    ]
                }
            )
        return int(value)

    def decode_cursor(self, request):
        """Decode the cursor; a forged position is as invalid as a garbled cursor."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                self.ordering_field().to_python(cursor.position)
            except DjangoValidationError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor

    def ordering_field(self):
        return SaveReport._meta.get_field(self.ordering[0].lstrip("-"))

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class RequestShapeChecks:
    """Refuse unknown methods (405) and bodies over 1 MiB (413) before anything.

    Neither answer depends on who asks, so neither waits for authentication.
    """

    http_method_names = ["get", "post", "head"]

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method)

        # Known limitation: Django reads a body sent without Content-Length
        # (chunked) as empty, so such a report is answered 400, never stored.
        content_length = request.META.get("CONTENT_LENGTH") or "0"
        if content_length.isdigit() and int(content_length) > MAX_BODY_SIZE:
            raise PayloadTooLarge()

        super().initial(request, *args, **kwargs)


class ReportReceivingView(RequestShapeChecks, generics.GenericAPIView):
    """Log one line per received report: key name, user, path, status, time."""

    serializer_class = SaveReportSerializer

    def initial(self, request, *args, **kwargs):
        self.started = time.monotonic()
        self.logged = False
        self.submitted = None
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "POST" and not self.logged:
            report = self.submitted if isinstance(self.submitted, dict) else {}
            self.log_report(report, response.status_code)
        return response

    def log_report(self, report, status_code: int) -> None:
        self.logged = True
        api_key = self.request.auth
        elapsed_ms = (time.monotonic() - self.started) * 1000
        path = report.get("file_path")
        if isinstance(path, str) and len(path) > LOGGED_PATH_LENGTH:
            path = path[:LOGGED_PATH_LENGTH] + "…"
        logger.log(
            logging.INFO if status_code < 400 else logging.WARNING,
            "report status=%s key=%s user=%r path=%r ms=%.0f",
            status_code,
            api_key.name if isinstance(api_key, ApiKey) else "-",
            report.get("username"),
            path,
            elapsed_ms,
        )


@schema.saves_view
class SaveReportsView(ReportReceivingView):
    queryset = SaveReport.objects.select_related("api_key")
    pagination_class = NewestFirstPagination
    filterset_class = SaveReportFilter

    def get_permissions(self):
        if self.request.method == "POST":
            return [HasReportScope()]
        return [HasReadScope()]

    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request):
        self.submitted = request.data
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        record, outcome = services.save_event_record(
            request.auth, serializer.validated_data
        )
        if outcome is services.Outcome.CONFLICT:
            raise Conflict()

        answer = status.HTTP_201_CREATED
        if outcome is services.Outcome.DUPLICATE:
            answer = status.HTTP_200_OK
        return Response(self.get_serializer(record).data, status=answer)


@schema.batch_view
class SaveReportBatchView(ReportReceivingView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasReportScope]

    def post(self, request):
        envelope = BatchSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        reports = envelope.validated_data["reports"]

        # One serializer for every item: building its fields is most of the cost.
        serializer = self.get_serializer()
        checked = [self.check_report(serializer, report) for report in reports]
        valid = [data for data, errors in checked if errors is None]
        stored = iter(services.save_event_batch(request.auth, valid))

        results = []
        for report, (_, errors) in zip(reports, checked, strict=True):
            if errors is not None:
                result = self.invalid_result(report, errors)
            else:
                result = self.stored_result(serializer, *next(stored))
            results.append(result)
            self.log_item(report, result["status"])
        self.logged = True
        return Response({"results": results})

    @staticmethod
    def check_report(serializer, report) -> tuple[dict | None, dict | None]:
        """Return (validated data, None), or (None, errors) as is_valid shows them."""
        try:
            return serializer.run_validation(report), None
        except ValidationError as exc:
            errors = exc.detail
        if isinstance(errors, list) and [e.code for e in errors] == ["null"]:
            # What Serializer.errors shows for a null item, kept as it was.
            errors = {api_settings.NON_FIELD_ERRORS_KEY: [NO_DATA]}
        return None, errors

    @staticmethod
    def stored_result(serializer, record, outcome) -> dict:
        result = {"event_id": str(record.event_id), "status": str(outcome)}
        if outcome is services.Outcome.CONFLICT:
            result["detail"] = Conflict.default_detail
        else:
            result["record"] = serializer.to_representation(record)
        return result

    @staticmethod
    def invalid_result(report, errors) -> dict:
        event_id = report.get("event_id") if isinstance(report, dict) else None
        if not isinstance(event_id, str) or not _encodable(event_id):
            event_id = None  # echo only what JSON can carry back (no lone surrogates)
        return {
            "event_id": event_id,
            "status": "invalid",
            "errors": field_errors(errors),
        }

    def log_item(self, report, item_status: str) -> None:
        status_codes = {"created": 201, "duplicate": 200, "conflict": 409}
        report = report if isinstance(report, dict) else {}
        self.log_report(report, status_codes.get(item_status, 400))


@schema.detail_view
class SaveReportDetailView(RequestShapeChecks, generics.RetrieveAPIView):
    queryset = SaveReport.objects.select_related("api_key")
    serializer_class = SaveReportSerializer
    permission_classes = [HasReadScope]

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound("There is no report with this id.") from None


@schema.health_view
class HealthView(RequestShapeChecks, APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    def get(self, request):
        if not services.database_is_reachable():
            raise DatabaseUnavailable()
        return Response({"status": "ok", "database": "ok"})


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
