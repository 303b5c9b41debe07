"""Sidebar filters of the save-report list: by value, and by date range."""

from datetime import date, datetime, time, timedelta

from django.contrib import admin, messages
from django.utils import timezone

from .admin_queries import distinct_values


class IndexedValuesFilter(admin.FieldListFilter):
    """One link per distinct value of a field, found without reading every row.

    Django's own AllValuesFieldListFilter runs SELECT DISTINCT over the whole
    table on every page; this one walks the field's index instead.
    """

    # Known limitation: only the first 300 values (in index order) are offered;
    # past that a sidebar stops helping, and the search box finds the rest.
    max_choices = 300

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg = f"{field_path}__exact"
        self.lookup_val = params.get(self.lookup_kwarg)
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [self.lookup_kwarg]

    def choices(self, changelist):
        yield {
            "selected": self.lookup_val is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": "All",
        }
        values = distinct_values(
            self.field.model, self.field.column, limit=self.max_choices
        )
        for value in values:
            yield {
                "selected": self.lookup_val is not None and value in self.lookup_val,
                "query_string": changelist.get_query_string({self.lookup_kwarg: value}),
                "display": value or "(none)",
            }


class SavedAtFilter(admin.ListFilter):
    """Today, the last 7 or 30 days, or a custom range, in the viewer's days.

    A day runs from midnight to midnight in the viewer's time zone; "last 7
    days" is today and the six days before it. A custom range names its first
    and last day, both included.
    """

    title = "saved"
    template = "admin/saves/saved_at_filter.html"
    period_parameter = "saved"
    from_parameter = "saved_from"
    to_parameter = "saved_to"
    periods = {
        "today": ("Today", 1),
        "7d": ("Last 7 days", 7),
        "30d": ("Last 30 days", 30),
    }

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.model_admin = model_admin
        for name in self.expected_parameters():
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1]

    def expected_parameters(self):
        return [self.period_parameter, self.from_parameter, self.to_parameter]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        first_day, last_day = self.selected_days(request)
        if first_day is not None:
            queryset = queryset.filter(saved_at__gte=start_of_day(first_day))
        if (
            last_day is not None and last_day < date.max
        ):  # the last day has no day after
            queryset = queryset.filter(
                saved_at__lt=start_of_day(last_day + timedelta(days=1))
            )
        return queryset

    def selected_days(self, request) -> tuple[date | None, date | None]:
        """Return the first and last day selected; None where open-ended."""
        period = self.used_parameters.get(self.period_parameter)
        if period in self.periods:
            today = timezone.localdate(self.model_admin.clock())
            return today - timedelta(days=self.periods[period][1] - 1), today

        return (
            self._parse_day(request, self.from_parameter),
            self._parse_day(request, self.to_parameter),
        )

    def _parse_day(self, request, parameter: str) -> date | None:
        text = self.used_parameters.get(parameter, "").strip()
        if not text:
            return None

        try:
            return date.fromisoformat(text)
        except ValueError:
            messages.warning(
                request,
                f"“{text}” is not a date like 2026-03-10; "
                "that end of the date range was ignored.",
            )
            return None

    def choices(self, changelist):
        mine = self.expected_parameters()
        period = self.used_parameters.get(self.period_parameter)
        custom = not period and (
            self.used_parameters.get(self.from_parameter)
            or self.used_parameters.get(self.to_parameter)
        )
        yield {
            "selected": not period and not custom,
            "query_string": changelist.get_query_string(remove=mine),
            "display": "Any date",
        }
        for value, (label, _days) in self.periods.items():
            yield {
                "selected": period == value,
                "query_string": changelist.get_query_string(
                    {self.period_parameter: value}, remove=mine
                ),
                "display": label,
            }
        yield {
            "range_form": True,
            "selected": bool(custom),
            "from_name": self.from_parameter,
            "from_value": self.used_parameters.get(self.from_parameter, ""),
            "to_name": self.to_parameter,
            "to_value": self.used_parameters.get(self.to_parameter, ""),
            "hidden": sorted(
                (name, value)
                for name, values in changelist.filter_params.items()
                if name not in mine
                for value in values
            ),
        }


def start_of_day(day: date) -> datetime:
    """Return the first instant of day in the current (the viewer's) time zone."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
