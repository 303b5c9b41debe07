"""The overview page: the last 30 days at a glance, and the last report per host."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.utils import timezone

from .admin_filters import start_of_day
from .admin_queries import latest_per_value
from .charts import bar_chart, sparkline_points
from .models import SaveReport

DAYS = 30
TOP_USERS = 15
TOP_FILES = 10
MAX_HOSTS = 300  # the page says so when it shows only the first 300 hosts


def overview_response(model_admin, request) -> TemplateResponse:
    today = timezone.localdate(model_admin.clock())
    first_day = today - timedelta(days=DAYS - 1)
    days = [first_day + timedelta(days=n) for n in range(DAYS)]
    recent = SaveReport.objects.filter(
        saved_at__gte=start_of_day(first_day),
        saved_at__lt=start_of_day(today + timedelta(days=1)),
    )

    per_user = reports_per_user_and_day(recent)
    totals = defaultdict(int)
    for counts in per_user.values():
        for day, count in counts.items():
            totals[day] += count
    users = sorted(per_user, key=lambda name: (-sum(per_user[name].values()), name))

    chosen_user = request.GET.get("user", "")
    chart_counts = per_user.get(chosen_user, {}) if chosen_user else totals
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Overview",
        "opts": model_admin.opts,
        "first_day": first_day,
        "today": today,
        "time_zone": timezone.get_current_timezone_name(),
        "chosen_user": chosen_user,
        "users": users,
        "chart": bar_chart([(day, chart_counts.get(day, 0)) for day in days]),
        "total": sum(totals.values()),
        "top_users": [
            {
                "username": name,
                "total": sum(per_user[name].values()),
                "points": sparkline_points(
                    [per_user[name].get(day, 0) for day in days]
                ),
            }
            for name in users[:TOP_USERS]
        ],
        "top_files": list(
            recent.values("file_path")
            .annotate(total=Count("*"))
            .order_by("-total", "file_path")[:TOP_FILES]
        ),
        "hosts": last_report_per_host(),
        "max_hosts": MAX_HOSTS,
    }
    return TemplateResponse(request, "admin/saves/savereport/overview.html", context)


def reports_per_user_and_day(recent) -> dict[str, dict]:
    """Return {username: {day: reports}}, days in the viewer's time zone.

    One GROUP BY over the 30 days' rows, read through the saved_at index.
    """
    # Known limitation: the overview reads every report of the last 30 days
    # (twice: here and for the top files), so its cost follows the studio's
    # activity, not the table's size; daily totals kept in a table of their
    # own would make it constant.
    rows = (
        recent.annotate(
            day=TruncDate("saved_at", tzinfo=timezone.get_current_timezone())
        )
        .values_list("username", "day")
        .annotate(total=Count("*"))
        .order_by()
    )
    per_user = defaultdict(dict)
    for username, day, total in rows:
        per_user[username][day] = total
    return dict(per_user)


def last_report_per_host() -> list[SaveReport]:
    """Return the newest report of each host, the most recently heard host first."""
    ids = latest_per_value(
        SaveReport, "hostname", newest_first_by="saved_at", limit=MAX_HOSTS
    )
    reports = SaveReport.objects.select_related("api_key").in_bulk(ids)
    return sorted(
        reports.values(), key=lambda report: (report.saved_at, report.pk), reverse=True
    )
