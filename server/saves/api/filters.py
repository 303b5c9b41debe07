"""Query filters of the report listing."""

import django_filters

from saves.models import SaveReport


class SaveReportFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(
        field_name="username", strip=False, help_text="Exactly this user."
    )
    path_contains = django_filters.CharFilter(
        field_name="file_path",
        lookup_expr="icontains",
        strip=False,
        help_text="Paths containing this text, ignoring case.",
    )
    saved_after = django_filters.IsoDateTimeFilter(
        field_name="saved_at",
        lookup_expr="gte",
        help_text="Saved at or after this ISO 8601 time (UTC without an offset).",
    )
    saved_before = django_filters.IsoDateTimeFilter(
        field_name="saved_at",
        lookup_expr="lt",
        help_text="Saved before this ISO 8601 time (UTC without an offset).",
    )
    hostname = django_filters.CharFilter(
        field_name="hostname", strip=False, help_text="Exactly this host."
    )

    class Meta:
        model = SaveReport
        fields = [
            "username",
            "path_contains",
            "saved_after",
            "saved_before",
            "hostname",
        ]
