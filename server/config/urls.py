from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("saves.api.urls")),
]

handler400 = "saves.api.exceptions.bad_request_view"
handler404 = "saves.api.exceptions.page_not_found_view"
handler500 = "saves.api.exceptions.server_error_view"
