"""Build the report of one save from plain values (no Blender here)."""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from datetime import datetime, timezone

UNKNOWN_USER = "unknown"


def build_report(
    file_path: str | os.PathLike[str],
    *,
    blender_version: str,
    username: str = "",
    saved_at: datetime | None = None,
    hostname: str | None = None,
    file_size: int | None = None,
    event_id: str | None = None,
) -> dict:
    """Return the JSON-ready report of one save.

    Blank ``username`` means the operating system login. ``saved_at`` defaults to
    now and must be time zone aware. ``hostname`` and ``file_size`` are looked up
    when not given; a value that cannot be found is left out of the report.
    """
    file_path = os.fspath(file_path)
    if not file_path:
        raise ValueError("file_path is empty: the file has never been saved")

    report = {
        "event_id": event_id or str(uuid.uuid4()),
        "username": username if username.strip() else default_username(),
        "saved_at": utc_timestamp(saved_at),
        "file_path": file_path,
        "blender_version": blender_version,
        "hostname": socket.gethostname() if hostname is None else hostname,
        "file_size": _file_size(file_path) if file_size is None else file_size,
    }
    return {name: value for name, value in report.items() if value not in (None, "")}


def default_username() -> str:
    """Return the operating system login, or "unknown" when it cannot be found."""
    try:
        username = getpass.getuser()
    except (ImportError, KeyError, OSError):  # no pwd module, or an account without a name
        username = ""
    if not username:
        try:
            username = os.getlogin()
        except OSError:
            username = ""
    return username or UNKNOWN_USER


def utc_timestamp(moment: datetime | None = None) -> str:
    """Return ``moment`` (default now) as UTC ISO 8601 with a "Z", whole seconds."""
    if moment is None:
        moment = datetime.now(timezone.utc)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("saved_at must be time zone aware")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _file_size(file_path: str) -> int | None:
    try:
        return os.path.getsize(file_path)
    except OSError:
        return None
