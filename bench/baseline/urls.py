from django.contrib import admin
from django.urls import path

from . import views

# The admin stays routed: the project's middleware looks up its address.
urlpatterns = [
    path("api/v1/saves/", views.insert_report),
    path("admin/", admin.site.urls),
]
