"""Show the admin's times in the viewer's own time zone."""

import zoneinfo

from django.urls import reverse
from django.utils import timezone

TIME_ZONE_COOKIE = "savetrail_tz"


def viewer_time_zone(request) -> zoneinfo.ZoneInfo | None:
    """Return the zone the browser reported in its cookie, if it is a real one."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if not name or len(name) > 64:
        return None

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class ViewerTimeZoneMiddleware:
    """Activate the viewer's time zone for admin pages.

    saves/viewer_timezone.js stores the browser's zone in a cookie. Only the
    admin uses it: the API always answers in UTC, whoever asks.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        zone = viewer_time_zone(request)
        if zone is None or not request.path.startswith(self.admin_prefix):
            return self.get_response(request)

        with timezone.override(zone):
            return self.get_response(request)
