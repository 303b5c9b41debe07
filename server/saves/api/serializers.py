"""The report as JSON, validated strictly: text exactly as sent, times with offset."""

import re
from datetime import UTC

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from saves.models import SaveReport

MAX_PATH_LENGTH = 32767  # Windows long paths; POSIX systems allow less.
MAX_BATCH_SIZE = 500
BATCH_STATUSES = ["created", "duplicate", "conflict", "invalid"]
CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
OFFSET_REQUIRED = "Add a UTC offset or Z to the time, for example 2026-03-10T17:42:55Z."
OUT_OF_RANGE = "The time is out of range once converted to UTC."
# A save time outside these years is a broken clock, not a save; refusing it keeps
# every date the admin computes from a report (next day, next year) in range.
SAVED_AT_YEARS = (1970, 2999)
IMPLAUSIBLE_YEAR = (
    f"A save time must fall in the years {SAVED_AT_YEARS[0]} to {SAVED_AT_YEARS[1]}: "
    "check the clock of the computer that saved."
)


class ExactTextField(serializers.CharField):
    """A string kept exactly as sent: no trimming, no conversion from numbers.

    NUL characters and lone surrogates are still refused (by CharField's own
    validators): no database stores them faithfully.
    """

    default_error_messages = {"invalid": "Send text (a JSON string)."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return data


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its UTC offset; read and shown in UTC."""

    default_error_messages = {
        "offset_required": OFFSET_REQUIRED,
        "overflow": OUT_OF_RANGE,
        "implausible_year": IMPLAUSIBLE_YEAR,
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("offset_required")
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            self.fail("overflow")
        if not SAVED_AT_YEARS[0] <= value.year <= SAVED_AT_YEARS[1]:
            self.fail("implausible_year")
        return value


class StrictUUIDField(serializers.UUIDField):
    """A UUID written as text in its usual 8-4-4-4-12 form, nothing else."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not CANONICAL_UUID.fullmatch(data):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class SaveReportSerializer(serializers.ModelSerializer):
    event_id = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text="A UUID the client makes per save, so that a retry is stored "
        "once. The server makes one when it is absent.",
    )
    username = ExactTextField(max_length=150, help_text="Who saved, exactly as sent.")
    saved_at = AwareDateTimeField(
        help_text="When the save completed: ISO 8601 with an offset or Z. "
        "Returned in UTC."
    )
    file_path = ExactTextField(
        max_length=MAX_PATH_LENGTH,
        help_text="Absolute path of the saved .blend, stored exactly as sent.",
    )
    blender_version = ExactTextField(max_length=64, required=False, allow_blank=True)
    hostname = ExactTextField(max_length=255, required=False, allow_blank=True)
    file_size = serializers.IntegerField(
        min_value=0,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text="Size of the saved file in bytes.",
    )
    api_key = serializers.SlugRelatedField(
        slug_field="name", read_only=True, help_text="Name of the key that sent it."
    )

    class Meta:
        model = SaveReport
        fields = [
            "id",
            "event_id",
            "username",
            "saved_at",
            "file_path",
            "received_at",
            "blender_version",
            "hostname",
            "file_size",
            "api_key",
        ]
        read_only_fields = ["id", "received_at"]


@extend_schema_field(
    {
        "type": "array",
        "maxItems": MAX_BATCH_SIZE,
        "items": {"anyOf": [{"$ref": "#/components/schemas/SaveReportRequest"}, {}]},
        "description": "Up to 500 reports, each as POST /api/v1/saves/ takes it. "
        "An item that is not a valid report is answered as invalid; the others "
        "are stored all the same.",
    }
)
class ReportListField(serializers.ListField):
    """A list of reports, each left as sent: the view validates them one by one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.JSONField(allow_null=True))
        kwargs.setdefault("max_length", MAX_BATCH_SIZE)
        super().__init__(**kwargs)


class BatchSerializer(serializers.Serializer):
    reports = ReportListField()


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer."""

    code = serializers.CharField(help_text="Stable, for programs: e.g. invalid_key.")
    detail = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=FieldErrorSerializer(many=True),
        required=False,
        help_text="Errors per field; only in 400 answers.",
    )


class BatchResultSerializer(serializers.Serializer):
    event_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=BATCH_STATUSES)
    record = SaveReportSerializer(required=False)
    detail = serializers.CharField(required=False)
    errors = serializers.DictField(
        child=FieldErrorSerializer(many=True), required=False
    )


class BatchResponseSerializer(serializers.Serializer):
    results = BatchResultSerializer(many=True)


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()
