from django.contrib import admin
from django.urls import include, path, re_path

from saves.api.exceptions import api_not_found_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("saves.api.urls")),
    # Unknown API addresses answer JSON even with DEBUG on.
    re_path(r"^api/", api_not_found_view),
]

handler400 = "saves.api.exceptions.bad_request_view"
handler404 = "saves.api.exceptions.page_not_found_view"
handler500 = "saves.api.exceptions.server_error_view"
