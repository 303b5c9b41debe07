"""Template helpers of the SaveTrail admin: times, paths, the date hierarchy."""

import re
from datetime import UTC, date, datetime, timedelta

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import PAGE_VAR
from django.db.models import Max, Min
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst

from ..admin_filters import start_of_day
from ..admin_queries import periods_with_rows
from ..pagination import CountKind

register = template.Library()


@register.filter
def viewer_time(value: datetime | None) -> str:
    """Return value in the viewer's time zone, with UTC on hover."""
    if value is None:
        return "never"

    utc = value.astimezone(UTC)
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{} UTC" data-viewer-time>{}</time>',
        f"{utc:%Y-%m-%dT%H:%M:%SZ}",
        f"{utc:%Y-%m-%d %H:%M:%S}",
        f"{local:%Y-%m-%d %H:%M:%S}",
    )


def viewer_and_utc_time(value: datetime) -> str:
    """Return value in the viewer's time zone, then in UTC, both written out."""
    utc = value.astimezone(UTC)
    return format_html(
        "{} ({}) &nbsp;·&nbsp; {} UTC",
        viewer_time(value),
        timezone.get_current_timezone_name(),
        f"{utc:%Y-%m-%d %H:%M:%S}",
    )


def file_name(path: str) -> str:
    """Return the last part of a POSIX, Windows or UNC path."""
    return re.split(r"[\\/]", path)[-1]


@register.filter
def file_with_path(path: str) -> str:
    """Return the file name, and under it the full path exactly as stored."""
    return format_html(
        '<span class="savetrail-file">{}</span><code class="savetrail-path">{}</code>',
        file_name(path),
        path,
    )


@register.simple_tag
def viewer_time_zone_name() -> str:
    return timezone.get_current_timezone_name()


def cheap_date_hierarchy(cl):
    """Build Django's date hierarchy without a DISTINCT over the listed rows.

    Django asks the database for the distinct years, months or days of every
    row in the list. Here the first and last time come from the index (MIN and
    MAX), and each candidate year, month or day is one index probe, all in
    one statement.
    """
    field = cl.date_hierarchy
    year = cl.params.get(f"{field}__year")
    month = cl.params.get(f"{field}__month")
    day = cl.params.get(f"{field}__day")

    def link(filters):
        return cl.get_query_string(filters, [f"{field}__"])

    if year and month and day:
        shown = date(int(year), int(month), int(day))
        return {
            "show": True,
            "back": {
                "link": link({f"{field}__year": year, f"{field}__month": month}),
                "title": capfirst(formats.date_format(shown, "YEAR_MONTH_FORMAT")),
            },
            "choices": [
                {"title": capfirst(formats.date_format(shown, "MONTH_DAY_FORMAT"))}
            ],
        }

    if not year:
        bounds = cl.queryset.aggregate(first=Min(field), last=Max(field))
        if bounds["first"] is None:
            return {"show": False}
        first = timezone.localtime(bounds["first"])
        last = timezone.localtime(bounds["last"])
        if first.year == last.year:
            year = str(first.year)
            if first.month == last.month:
                month = str(first.month)

    if year and month:
        month_start = date(int(year), int(month), 1)
        days = [month_start + timedelta(days=n) for n in range(31)]
        days = [d for d in days if d.month == month_start.month]
        found = _periods_found(cl, days, days[-1] + timedelta(days=1))
        return {
            "show": True,
            "back": {"link": link({f"{field}__year": year}), "title": year},
            "choices": [
                {
                    "link": link(
                        {
                            f"{field}__year": year,
                            f"{field}__month": month,
                            f"{field}__day": str(d.day),
                        }
                    ),
                    "title": capfirst(formats.date_format(d, "MONTH_DAY_FORMAT")),
                }
                for d in found
            ],
        }

    if year:
        months = [date(int(year), n, 1) for n in range(1, 13)]
        found = _periods_found(cl, months, date(int(year) + 1, 1, 1))
        return {
            "show": True,
            "back": {"link": link({}), "title": "All dates"},
            "choices": [
                {
                    "link": link(
                        {f"{field}__year": year, f"{field}__month": str(m.month)}
                    ),
                    "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
                }
                for m in found
            ],
        }

    years = [date(n, 1, 1) for n in range(first.year, last.year + 1)]
    found = _periods_found(cl, years, date(last.year + 1, 1, 1))
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": link({f"{field}__year": str(y.year)}), "title": str(y.year)}
            for y in found
        ],
    }


def _periods_found(cl, starts: list[date], end: date) -> list[date]:
    """Return the period starts whose period holds at least one listed row."""
    boundaries = [start_of_day(d) for d in [*starts, end]]
    found = periods_with_rows(cl.queryset, cl.date_hierarchy, boundaries)
    return [start for start, has_rows in zip(starts, found, strict=True) if has_rows]


@register.tag(name="cheap_date_hierarchy")
def cheap_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=cheap_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )


@register.simple_tag
def result_count_text(cl) -> str:
    """Return "1,234 save reports", "about 5,000,000 ..." or "more than ..."."""
    count = cl.result_count
    opts = cl.opts
    noun = opts.verbose_name if count == 1 else opts.verbose_name_plural
    kind = getattr(cl.paginator, "count_kind", CountKind.EXACT)
    if kind is CountKind.ESTIMATE:
        return f"about {count:,} {noun}"
    if kind is CountKind.AT_LEAST:
        return f"more than {count:,} {noun}"
    return f"{count:,} {noun}"


@register.filter
def thousands(value: int) -> str:
    """Return 12345 as "12,345"."""
    return f"{value:,}"


@register.filter
def slot_left(bar, chart) -> float:
    """Return the left edge of the column a bar stands in (for hovering)."""
    return round(bar.center - chart.slot_width / 2, 1)


@register.simple_tag
def open_ended_page_link(cl, number) -> str:
    """Return a page link like Django's, without marking any page as the last."""
    if number == cl.paginator.ELLIPSIS:
        return format_html("{} ", number)
    if number == cl.page_num:
        return format_html('<span class="this-page">{}</span> ', number)
    return format_html(
        '<a href="{}">{}</a> ', cl.get_query_string({PAGE_VAR: number}), number
    )
