"""The admin: a read-only audit log of save reports, and the API keys."""

import logging

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from . import overview
from .admin_filters import IndexedValuesFilter, SavedAtFilter
from .export import export_response
from .models import ApiKey, SaveReport
from .pagination import EstimatedCountPaginator
from .services import issue_api_key, revoke_api_key
from .templatetags.saves_admin import file_with_path, viewer_and_utc_time, viewer_time

logger = logging.getLogger(__name__)

admin.site.site_header = "SaveTrail administration"
admin.site.site_title = "SaveTrail"
admin.site.site_url = None  # the server has no public pages to "view"
admin.site.index_title = "Who saved which Blender file, where and when"
admin.site.index_template = "admin/saves/index.html"
admin.site.login_template = "admin/saves/login.html"


class SaveTrailAssets:
    """The style sheet and the time-zone script of every SaveTrail admin page."""

    css = {"all": ["saves/admin.css"]}
    js = ["saves/viewer_timezone.js"]


class QuerysetOnlyChangeList(ChangeList):
    """The change list's filtered, searched and ordered rows, not a page of them."""

    def get_results(self, request):
        self.result_count = None
        self.result_list = None


@admin.register(SaveReport)
class SaveReportAdmin(admin.ModelAdmin):
    """Save reports are an audit log: nobody adds or edits one here."""

    # The current time, for "today" and "the last 30 days"; tests replace it.
    clock = staticmethod(timezone.now)

    list_display = (
        "saved",
        "username",
        "file",
        "hostname",
        "blender_version",
        "sent_with",
    )
    list_display_links = ("saved",)
    list_filter = (
        ("username", IndexedValuesFilter),
        ("hostname", IndexedValuesFilter),
        "api_key",
        SavedAtFilter,
    )
    search_fields = ("username", "file_path")
    search_help_text = (
        'Finds reports whose user or file path contains every word; put "quotes" '
        "around words that belong together."
    )
    date_hierarchy = "saved_at"
    list_select_related = ("api_key",)
    list_per_page = 100
    sortable_by = ("saved",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ("export_selected", "delete_selected")
    # Deleting from the audit log is for a few rows at a time: Django's
    # confirmation page lists every row, and an audit log is not emptied by
    # accident.
    delete_limit = 1000
    fields = (
        "saved_both",
        "username",
        "full_path",
        "hostname",
        "blender_version",
        "size",
        "sent_with",
        "received_both",
        "event_id",
    )
    readonly_fields = fields

    Media = SaveTrailAssets

    @admin.display(description="saved", ordering="saved_at")
    def saved(self, report):
        return viewer_time(report.saved_at)

    @admin.display(description="saved")
    def saved_both(self, report):
        return viewer_and_utc_time(report.saved_at)

    @admin.display(description="received")
    def received_both(self, report):
        return viewer_and_utc_time(report.received_at)

    @admin.display(description="file")
    def file(self, report):
        return file_with_path(report.file_path)

    @admin.display(description="file path")
    def full_path(self, report):
        return format_html('<code class="savetrail-path">{}</code>', report.file_path)

    @admin.display(description="file size")
    def size(self, report):
        if report.file_size is None:
            return "unknown"
        return f"{report.file_size:,} bytes"

    @admin.display(description="API key")
    def sent_with(self, report):
        api_key = report.api_key
        if api_key is None:
            return "none"
        if api_key.revoked_at is not None:
            return format_html("{} <small>(revoked)</small>", api_key.name)
        return api_key.name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "overview/",
                view(self.overview_view),
                name="saves_savereport_overview",
            ),
            path("export/", view(self.export_view), name="saves_savereport_export"),
            *super().get_urls(),
        ]

    def get_changelist(self, request, **kwargs):
        match = request.resolver_match
        if match is not None and match.url_name == "saves_savereport_export":
            return QuerysetOnlyChangeList
        return super().get_changelist(request, **kwargs)

    def export_view(self, request):
        """Stream the list as CSV, with the filters and search of the page."""
        if not self.has_view_permission(request):
            raise PermissionDenied

        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # The list itself explains a bad date or filter in the address.
            list_url = reverse("admin:saves_savereport_changelist")
            return HttpResponseRedirect(f"{list_url}?{request.GET.urlencode()}")

        logger.info(
            "%s exported save reports as CSV (filters: %s)",
            request.user.get_username(),
            request.GET.urlencode() or "none",
        )
        return export_response(changelist.queryset, filename_time=self.clock())

    @admin.action(
        description="Export selected save reports as CSV", permissions=["view"]
    )
    def export_selected(self, request, queryset):
        logger.info(
            "%s exported selected save reports as CSV", request.user.get_username()
        )
        return export_response(queryset, filename_time=self.clock())

    @admin.action(description="Delete selected save reports", permissions=["delete"])
    def delete_selected(self, request, queryset):
        if queryset.order_by()[: self.delete_limit + 1].count() > self.delete_limit:
            self.message_user(
                request,
                f"Select at most {self.delete_limit:,} save reports to delete at once.",
                messages.ERROR,
            )
            return None
        return django_delete_selected(self, request, queryset)

    def delete_model(self, request, obj):
        logger.warning(
            "%s deleted save report %s (%s)", request.user.get_username(), obj.pk, obj
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        ids = sorted(queryset.values_list("pk", flat=True))
        logger.warning(
            "%s deleted %s save reports: ids %s",
            request.user.get_username(),
            len(ids),
            ids,
        )
        super().delete_queryset(request, queryset)

    def overview_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied

        return overview.overview_response(self, request)


class KeyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued here and shown once; afterwards only their prefix shows.

    Keys are revoked, never deleted, so that every report still names the key
    that sent it.
    """

    list_display = (
        "name",
        "key_start",
        "scopes",
        "status",
        "created",
        "last_used",
        "reports_sent",
    )
    list_filter = (KeyStatusFilter, "can_report", "can_read")
    search_fields = ("name", "prefix")
    actions = ("revoke_selected",)
    show_facets = admin.ShowFacets.NEVER
    add_fields = ("name", "can_report", "can_read")
    info_fields = (
        "key_start",
        "status",
        "created",
        "created_by",
        "last_used",
        "reports_sent",
    )

    Media = SaveTrailAssets

    def get_queryset(self, request):
        # One index-only count per key listed, not a join over every report.
        # Known limitation: still exact, so the list costs as much as the
        # listed keys' reports to count (about a million index entries in a
        # few tenths of a second); a stored counter would need the services
        # to update it on every report.
        sent = (
            SaveReport.objects.filter(api_key=OuterRef("pk"))
            .order_by()
            .values("api_key")
            .annotate(total=Count("*"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(reports_sent=Coalesce(Subquery(sent), 0))
        )

    @admin.display(description="key")
    def key_start(self, api_key):
        return format_html("<code>st_{}_…</code>", api_key.prefix)

    @admin.display(description="scopes")
    def scopes(self, api_key):
        granted = [
            scope
            for scope, allowed in (
                ("report", api_key.can_report),
                ("read", api_key.can_read),
            )
            if allowed
        ]
        return ", ".join(granted) or "none"

    @admin.display(description="status", ordering="revoked_at")
    def status(self, api_key):
        if api_key.revoked_at is None:
            return "Active"
        return format_html("Revoked {}", viewer_time(api_key.revoked_at))

    @admin.display(description="created", ordering="created_at")
    def created(self, api_key):
        return viewer_time(api_key.created_at)

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, api_key):
        return viewer_time(api_key.last_used_at)

    @admin.display(description="reports sent", ordering="reports_sent")
    def reports_sent(self, api_key):
        return f"{api_key.reports_sent:,}"

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return (*self.add_fields, *self.info_fields)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.revoked_at is not None:
            return self.get_fields(request, obj)
        return self.info_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save_and_add_another": False,
            "show_save_and_continue": object_id is not None,
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return

        issued, raw_key = issue_api_key(
            obj.name,
            can_report=obj.can_report,
            can_read=obj.can_read,
            created_by=request.user,
        )
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(issued, field.attname))
        obj._state.adding = False
        # Lives only for this request, to be shown once by response_add().
        obj.issued_key = raw_key

    def response_add(self, request, obj, post_url_continue=None):
        raw_key = getattr(obj, "issued_key", None)
        if raw_key is None:
            return super().response_add(request, obj, post_url_continue)

        context = {
            **self.admin_site.each_context(request),
            "title": f"API key for {obj.name}",
            "opts": self.opts,
            "api_key": obj,
            "raw_key": raw_key,
        }
        response = TemplateResponse(request, "admin/saves/apikey/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def get_urls(self):
        return [
            path(
                "<int:key_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="saves_apikey_revoke",
            ),
            *super().get_urls(),
        ]

    def revoke_view(self, request, key_id):
        """Ask to confirm, then revoke one key."""
        api_key = get_object_or_404(ApiKey, pk=key_id)
        if not self.has_change_permission(request, api_key):
            raise PermissionDenied
        change_url = reverse("admin:saves_apikey_change", args=[api_key.pk])

        if request.method == "POST":
            self._revoke(request, [api_key])
            return HttpResponseRedirect(change_url)

        context = {
            **self.admin_site.each_context(request),
            "title": f"Revoke the key {api_key.name}?",
            "opts": self.opts,
            "api_key": api_key,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/saves/apikey/revoke.html", context)

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke_selected(self, request, queryset):
        self._revoke(request, list(queryset.filter(revoked_at__isnull=True)))

    def _revoke(self, request, api_keys):
        if not api_keys:
            self.message_user(
                request, "Those keys were revoked already.", messages.INFO
            )
            return

        for api_key in api_keys:
            revoke_api_key(api_key)
            self.log_change(request, api_key, "Revoked the key.")
            logger.warning(
                "%s revoked API key %s (%s)",
                request.user.get_username(),
                api_key.name,
                api_key.prefix,
            )
        names = ", ".join(api_key.name for api_key in api_keys)
        self.message_user(
            request,
            f"Revoked: {names}. Reports sent with a revoked key are refused with 401.",
            messages.SUCCESS,
        )
