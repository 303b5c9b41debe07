from django.urls import path, re_path

from . import views

app_name = "extensions"

ARCHIVE = r"(?P<filename>savetrail-[0-9A-Za-z.+-]+\.zip)"

urlpatterns = [
    path("", views.repository, name="repository"),
    path("index.json", views.index_json, name="index-json"),
    re_path(rf"^{ARCHIVE}$", views.archive, name="archive"),
    re_path(rf"^legacy/{ARCHIVE}$", views.legacy_archive, name="legacy-archive"),
]
