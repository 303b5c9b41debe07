"""The report as JSON, validated strictly: text exactly as sent, times with offset."""

from datetime import UTC

from django.utils import timezone
from rest_framework import serializers

from saves.models import SaveReport

MAX_PATH_LENGTH = 32767  # Windows long paths; POSIX systems allow less.
MAX_BATCH_SIZE = 500
BATCH_STATUSES = ["created", "duplicate", "conflict", "invalid"]


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
        "offset_required": (
            "Add a UTC offset or Z to the time, for example 2026-03-10T17:42:55Z."
        ),
        "overflow": "The time is out of range once converted to UTC.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("offset_required")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            self.fail("overflow")


class SaveReportSerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(
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


class BatchSerializer(serializers.Serializer):
    """The envelope of a batch; each report in it is validated on its own."""

    reports = serializers.ListField(
        child=serializers.JSONField(allow_null=True), max_length=MAX_BATCH_SIZE
    )


class BatchRequestSchema(serializers.Serializer):
    """A batch as the OpenAPI schema shows it."""

    reports = SaveReportSerializer(many=True, max_length=MAX_BATCH_SIZE)


class FieldErrorSchema(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class ErrorSchema(serializers.Serializer):
    """The body of every error answer."""

    code = serializers.CharField(help_text="Stable, for programs: e.g. invalid_key.")
    detail = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=FieldErrorSchema(many=True),
        required=False,
        help_text="Errors per field; only in 400 answers.",
    )


class BatchResultSchema(serializers.Serializer):
    event_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=BATCH_STATUSES)
    record = SaveReportSerializer(required=False)
    detail = serializers.CharField(required=False)
    errors = serializers.DictField(child=FieldErrorSchema(many=True), required=False)


class BatchResponseSchema(serializers.Serializer):
    results = BatchResultSchema(many=True)


class HealthSchema(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()
