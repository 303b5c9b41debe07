import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiKey(models.Model):
    """A secret that one artist or workstation uses to send reports.

    Only a SHA-256 digest of the key is stored; the key itself is shown once,
    when it is issued (see services.issue_api_key).
    """

    name = models.CharField(
        max_length=100,
        unique=True,
        help_text="Who or what uses this key, for example an artist or a workstation.",
    )
    prefix = models.CharField(
        max_length=16,
        unique=True,
        editable=False,
        help_text="The start of the key, enough to recognise it.",
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    can_report = models.BooleanField(
        "may send reports", default=True, help_text="Scope 'report': may POST saves."
    )
    can_read = models.BooleanField(
        "may read reports", default=False, help_text="Scope 'read': may list saves."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SaveReport(models.Model):
    """One save of one .blend file, as reported by the add-on."""

    event_id = models.UUIDField(
        unique=True,
        default=uuid.uuid4,
        editable=False,
        help_text="Sent by the add-on so that a retried report is stored once.",
    )
    username = models.CharField(max_length=150)
    saved_at = models.DateTimeField(help_text="When the save completed, in UTC.")
    file_path = models.TextField(
        help_text="Absolute path of the .blend, exactly as sent."
    )
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    api_key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name="API key",
    )
    blender_version = models.CharField(max_length=64, blank=True, default="")
    hostname = models.CharField(max_length=255, blank=True, default="")
    file_size = models.BigIntegerField(
        null=True, blank=True, help_text="Size of the saved file in bytes."
    )

    class Meta:
        ordering = ["-saved_at", "-id"]
        verbose_name = "save report"
        indexes = [
            models.Index(fields=["-saved_at", "-id"], name="save_saved_at_idx"),
            models.Index(
                fields=["username", "-saved_at"], name="save_user_saved_at_idx"
            ),
            models.Index(
                fields=["hostname", "-saved_at"], name="save_host_saved_at_idx"
            ),
            models.Index(fields=["api_key", "-saved_at"], name="save_key_saved_at_idx"),
        ]

    def __str__(self):
        saved_at = f"{self.saved_at:%Y-%m-%d %H:%M:%S}"
        return f"{self.username} saved {self.file_path} at {saved_at} UTC"


class RequestCounter(models.Model):
    """Requests one client made in its current throttling window.

    One row per client, shared by every server process, so that a rate limit
    holds however many workers serve the API (see api/throttling.py). Times are
    whole microseconds since 1970 (UTC), so that one portable SQL statement can
    count a request.
    """

    client = models.CharField(max_length=64, primary_key=True)
    window_start = models.BigIntegerField(help_text="Microseconds since 1970, UTC.")
    count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.client}: {self.count} requests"
