from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views


def with_and_without_slash(route: str, view, name: str) -> list:
    """Route route/ and route alike: a POST must never meet a slash redirect."""
    return [path(f"{route}/", view, name=name), path(route, view)]


urlpatterns = [
    *with_and_without_slash("saves", views.SaveReportsView.as_view(), "saves"),
    *with_and_without_slash(
        "saves/batch", views.SaveReportBatchView.as_view(), "saves-batch"
    ),
    *with_and_without_slash(
        "saves/<int:pk>", views.SaveReportDetailView.as_view(), "save-detail"
    ),
    *with_and_without_slash("health", views.HealthView.as_view(), "health"),
    *with_and_without_slash("schema", SpectacularAPIView.as_view(), "schema"),
    *with_and_without_slash(
        "docs", SpectacularSwaggerView.as_view(url_name="schema"), "docs"
    ),
]
