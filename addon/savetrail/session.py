"""The add-on's life in one Blender session: outbox, delivery worker, status, handlers.

Everything here runs on Blender's main thread. The worker thread (worker.py)
never touches bpy; it talks back through its results queue, which a timer drains.
"""

import atexit
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import bpy

from . import preferences, report
from .outbox import Outbox
from .translations import text
from .worker import DeliverySettings, DeliveryWorker

RESULTS_INTERVAL = 0.5  # seconds between two looks at the worker's results
STARTUP_DELAY = 2.0  # seconds after start-up before pending reports are sent


@dataclass
class Status:
    """What the panel shows."""

    pending: int = 0
    rejected: int = 0
    message: str = ""
    is_error: bool = False
    rejected_reasons: tuple = ()


status = Status()
_worker = None
_outbox = None
# Set while our own operator saves, so the save_post handler does not report twice.
_operator_save_in_progress = False


def default_username() -> str:
    return report.default_username()


def outbox_folder() -> Path:
    """Return the folder where unsent reports wait, creating it if needed."""
    if __package__.startswith("bl_ext."):
        return Path(bpy.utils.extension_path_user(__package__, path="outbox", create=True))
    return Path(bpy.utils.user_resource("CONFIG", path=os.path.join("savetrail", "outbox"), create=True))


def online_access_allowed() -> bool:
    # Blender before 4.2 has no online-access switch: the network is always allowed.
    return getattr(bpy.app, "online_access", True)


def delivery_settings() -> DeliverySettings:
    prefs = preferences.get()
    return DeliverySettings(
        server_url=prefs.server_url.strip(),
        api_key=prefs.api_key.strip(),
        connect_timeout=prefs.connect_timeout,
        read_timeout=prefs.read_timeout,
        ca_file=bpy.path.abspath(prefs.ca_file) if prefs.ca_file else "",
        online_allowed=online_access_allowed(),
    )


def get_worker() -> DeliveryWorker:
    """Return the running delivery worker, starting it on first use."""
    global _worker, _outbox

    if _worker is None:
        _outbox = Outbox(outbox_folder())
        _worker = DeliveryWorker(_outbox, delivery_settings(), translate=text)
        _worker.start()
        _refresh_counts()
    if not bpy.app.timers.is_registered(poll_results):
        bpy.app.timers.register(poll_results, first_interval=RESULTS_INTERVAL, persistent=True)
    return _worker


def apply_preferences():
    """Hand changed preferences to the worker and try the pending reports again."""
    if _worker is not None:
        _worker.update_settings(delivery_settings())
        _worker.wake()


def queue_report(file_path: str) -> dict:
    """Write a report of the save of file_path to the outbox and wake the worker.

    The report is on disk when this returns; the network is never waited for.
    """
    prefs = preferences.get()
    worker = get_worker()
    new_report = report.build_report(
        file_path=file_path,
        username=prefs.username or report.default_username(),
        blender_version=bpy.app.version_string,
        hostname=socket.gethostname(),
    )
    _outbox.append(new_report)
    worker.update_settings(delivery_settings())
    worker.wake()
    _refresh_counts()
    return new_report


def send_pending():
    worker = get_worker()
    worker.update_settings(delivery_settings())
    worker.wake()


def poll_results():
    """Timer: show what the worker has done since the last look."""
    if _worker is None:
        return None
    last_error = None
    for event in _worker.drain_results():
        status.message = event.message
        status.is_error = event.is_error
        status.pending = event.pending
        status.rejected = event.rejected
        if event.is_error:
            last_error = event.message
    if last_error:
        _tell_artist(last_error)
    _refresh_counts()
    _redraw_panels()
    return RESULTS_INTERVAL


def _refresh_counts():
    if _outbox is None:
        return
    status.pending = _outbox.pending_count()
    rejected = _outbox.rejected()
    status.rejected = len(rejected)
    status.rejected_reasons = tuple(entry.reason for entry in rejected[-3:])


def _tell_artist(message: str):
    """Put a delivery problem in Blender's status bar and Info log, once per change."""
    if message == getattr(_tell_artist, "last", None):
        return
    _tell_artist.last = message
    try:
        bpy.ops.savetrail.notify(message=message)
    except RuntimeError:
        # No window to report into (background mode): the panel still shows it.
        pass


def _redraw_panels():
    window_manager = getattr(bpy.context, "window_manager", None)
    if window_manager is None:
        return
    for window in window_manager.windows:
        for area in window.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()


@bpy.app.handlers.persistent
def _report_after_save(_filepath, *_args):
    prefs = preferences.get()
    if prefs is None or not prefs.report_every_save or _operator_save_in_progress:
        return
    if bpy.data.filepath:
        queue_report(bpy.data.filepath)


@bpy.app.handlers.persistent
def _send_pending_at_start():
    """Timer, once after start-up: send what earlier sessions left in the outbox."""
    if preferences.get() is not None:
        get_worker()
    return None


def _remove_our_handlers():
    """Remove this add-on's save handler, including copies left by an earlier load of the module."""
    handlers = bpy.app.handlers.save_post
    for handler in list(handlers):
        if getattr(handler, "__module__", None) == __name__ and handler.__name__ == _report_after_save.__name__:
            handlers.remove(handler)


def stop_worker(timeout: float = 1.0):
    """Stop the delivery thread; unsent reports stay in the outbox for the next session."""
    global _worker, _outbox

    if _worker is not None:
        _worker.stop(timeout=timeout)
    _worker = None
    _outbox = None


def register():
    _remove_our_handlers()
    bpy.app.handlers.save_post.append(_report_after_save)
    bpy.app.timers.register(_send_pending_at_start, first_interval=STARTUP_DELAY, persistent=True)
    atexit.register(stop_worker, timeout=0.5)


def unregister():
    _remove_our_handlers()
    for timer in (_send_pending_at_start, poll_results):
        if bpy.app.timers.is_registered(timer):
            bpy.app.timers.unregister(timer)
    atexit.unregister(stop_worker)
    stop_worker()
