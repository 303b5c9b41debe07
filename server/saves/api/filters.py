"""Query filters of the report listing."""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField

from saves.models import SaveReport

from .serializers import OFFSET_REQUIRED, OUT_OF_RANGE


class AwareIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with its offset, as saved_at itself must be sent."""

    def clean(self, value):
        if value == "":
            raise ValidationError("Enter a time, or leave the parameter out.", "blank")
        return super().clean(value)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], "invalid")
        if timezone.is_naive(parsed):
            raise ValidationError(OFFSET_REQUIRED, "offset_required")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(OUT_OF_RANGE, "overflow") from None


class AwareIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = AwareIsoDateTimeField


class AnyTextField(forms.CharField):
    """Text as sent, NUL included: the filter, not the form, deals with NUL."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]


class TextFilter(django_filters.CharFilter):
    """Match text exactly as given; text with NUL matches nothing.

    No stored report holds NUL (it is refused on the way in), and PostgreSQL
    cannot even compare with it.
    """

    field_class = AnyTextField

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        if "\x00" in (value or ""):
            return queryset.none()
        return super().filter(queryset, value)


class SaveReportFilter(django_filters.FilterSet):
    username = TextFilter(field_name="username", help_text="Exactly this user.")
    # Known limitation: on SQLite, "ignoring case" covers ASCII letters only
    # (SQLite's LIKE); PostgreSQL folds every alphabet, Cyrillic included.
    path_contains = TextFilter(
        field_name="file_path",
        lookup_expr="icontains",
        help_text="Paths containing this text, ignoring case.",
    )
    saved_after = AwareIsoDateTimeFilter(
        field_name="saved_at",
        lookup_expr="gte",
        help_text="Saved at or after this time (ISO 8601 with an offset or Z).",
    )
    saved_before = AwareIsoDateTimeFilter(
        field_name="saved_at",
        lookup_expr="lt",
        help_text="Saved before this time (ISO 8601 with an offset or Z).",
    )
    hostname = TextFilter(field_name="hostname", help_text="Exactly this host.")

    class Meta:
        model = SaveReport
        fields = [
            "username",
            "path_contains",
            "saved_after",
            "saved_before",
            "hostname",
        ]
