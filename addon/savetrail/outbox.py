"""A folder of reports waiting for the server: durable, ordered, shared by sessions.

Layout of the outbox folder:

    pending/<stamp>-<event_id>.json     one report per file; the name sorts oldest first
    rejected/<stamp>-<event_id>.json    {"report": ..., "reason": ..., "rejected_at": ...}
    corrupt/<name>                      entries that could not be read, set aside
    delivery.lock                       held by the one process that is sending

Every write goes to a hidden ".tmp" file beside its target, is fsynced, renamed over
the target with os.replace, and the folder is fsynced: after a crash or a power cut a
report is either wholly there or not written yet. Temporary files that a crash left
behind are never read and are removed once they are old.

Two Blender sessions may share the folder. Appending never conflicts (each report is
a new file). Sending is serialised by an exclusive, non-blocking lock on
delivery.lock (flock on POSIX, msvcrt.locking on Windows), held for one delivery
pass. The operating system releases it when the holder exits or crashes, so no stale
claim is ever left to recover; a session that finds it taken simply tries later.
Should a report still be sent twice, the server stores one record per event_id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

if os.name == "nt":
    import msvcrt
else:
    import fcntl

logger = logging.getLogger(__name__)

PENDING = "pending"
REJECTED = "rejected"
CORRUPT = "corrupt"
LOCK_FILE = "delivery.lock"
TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 600
MAX_ENTRY_BYTES = 1_000_000

_ENTRY_NAME = re.compile(r"^\d{20}-(?P<event_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$")


@dataclass(frozen=True)
class RejectedReport:
    event_id: str
    report: dict
    reason: str
    rejected_at: str


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    rejected: int
    corrupt: int


class Outbox:
    """Reports kept on disk until the server has confirmed them."""

    def __init__(self, folder: str | os.PathLike[str], *, clock_ns: Callable[[], int] = time.time_ns):
        self.folder = Path(folder)
        self._clock_ns = clock_ns
        self._lock = threading.Lock()
        self._last_stamp = 0
        self._pending_paths: dict[str, Path] = {}

    def append(self, report: dict) -> None:
        """Store the report durably; it is on disk when this returns."""
        event_id = _checked_event_id(report.get("event_id"))
        data = json.dumps(report).encode("ascii")
        with self._lock:
            stamp = max(self._clock_ns(), self._last_stamp + 1)
            self._last_stamp = stamp

        path = self._folder(PENDING) / f"{stamp:020d}-{event_id}.json"
        _write_durably(path, data)
        with self._lock:
            self._pending_paths[event_id] = path

    def pending(self, limit: int | None = None) -> list[dict]:
        """Return up to ``limit`` waiting reports, oldest first; set unreadable ones aside."""
        folder = self._folder(PENDING)
        reports = []
        for name in sorted(os.listdir(folder)):
            if limit is not None and len(reports) >= limit:
                break
            path = folder / name
            if name.startswith("."):
                _remove_if_stale_temp(path)
                continue

            report = self._read_entry(path)
            if report is None:
                continue

            reports.append(report)
            with self._lock:
                self._pending_paths[report["event_id"]] = path
        return reports

    def remove(self, event_id: str) -> None:
        """Forget a report the server has confirmed.

        The folder is not fsynced here: if a power cut undoes the removal, the report
        is sent once more and the server answers that it already has it.
        """
        path = self._pending_path(event_id)
        if path is not None:
            path.unlink(missing_ok=True)

    def reject(self, event_id: str, reason: str) -> bool:
        """Move a report the server refused to rejected/, with the server's reason."""
        path = self._pending_path(event_id)
        if path is None:
            return False

        report = self._read_entry(path)
        if report is None:
            return False

        rejected_at = datetime.fromtimestamp(self._clock_ns() / 1e9, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {"report": report, "reason": reason, "rejected_at": rejected_at}
        _write_durably(self._folder(REJECTED) / path.name, json.dumps(record).encode("ascii"))
        path.unlink(missing_ok=True)
        return True

    def rejected(self) -> list[RejectedReport]:
        """Return the reports the server refused, oldest first."""
        folder = self._folder(REJECTED)
        rejected = []
        for name in sorted(os.listdir(folder)):
            path = folder / name
            if name.startswith("."):
                _remove_if_stale_temp(path)
                continue

            record = self._read_entry(path, rejected=True)
            if record is not None:
                rejected.append(
                    RejectedReport(
                        event_id=record["report"]["event_id"],
                        report=record["report"],
                        reason=record["reason"],
                        rejected_at=record["rejected_at"],
                    )
                )
        return rejected

    def discard_rejected(self, event_id: str | None = None) -> int:
        """Delete one rejected report, or all of them; return how many were deleted."""
        if event_id is not None:
            _checked_event_id(event_id)
        discarded = 0
        for path in self._folder(REJECTED).glob(f"*-{event_id or '*'}.json"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                discarded += 1
        return discarded

    def requeue_rejected(self, event_id: str) -> bool:
        """Put a rejected report back in the queue, in its old place, to send it again."""
        _checked_event_id(event_id)
        for path in sorted(self._folder(REJECTED).glob(f"*-{event_id}.json")):
            record = self._read_entry(path, rejected=True)
            if record is None:
                continue

            _write_durably(self._folder(PENDING) / path.name, json.dumps(record["report"]).encode("ascii"))
            path.unlink(missing_ok=True)
            return True
        return False

    def counts(self) -> OutboxCounts:
        """Count the entries of each kind without reading them."""
        return OutboxCounts(
            pending=self._count(PENDING),
            rejected=self._count(REJECTED),
            corrupt=self._count(CORRUPT),
        )

    @contextlib.contextmanager
    def delivery_lock(self) -> Iterator[bool]:
        """Try to become the one process sending; yield whether this process is it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            held = _try_lock(descriptor)
            try:
                yield held
            finally:
                if held:
                    _unlock(descriptor)
        finally:
            os.close(descriptor)

    def _folder(self, kind: str) -> Path:
        folder = self.folder / kind
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            _fsync_folder(self.folder)
        return folder

    def _count(self, kind: str) -> int:
        folder = self.folder / kind
        if not folder.is_dir():
            return 0
        return sum(1 for name in os.listdir(folder) if not name.startswith("."))

    def _pending_path(self, event_id: str) -> Path | None:
        _checked_event_id(event_id)
        with self._lock:
            path = self._pending_paths.pop(event_id, None)
        if path is not None and path.exists():
            return path
        return next(iter(sorted(self._folder(PENDING).glob(f"*-{event_id}.json"))), None)

    def _read_entry(self, path: Path, *, rejected: bool = False) -> dict | None:
        """Return the entry's JSON, or None when it vanished or was set aside as corrupt."""
        match = _ENTRY_NAME.match(path.name)
        try:
            with open(path, "rb") as entry:
                data = entry.read(MAX_ENTRY_BYTES + 1)
        except FileNotFoundError:
            return None  # another session sent or moved it meanwhile
        except OSError as error:
            self._set_aside(path, f"unreadable: {error}")
            return None

        try:
            if match is None:
                raise ValueError("the file name is not <stamp>-<event_id>.json")
            if len(data) > MAX_ENTRY_BYTES:
                raise ValueError(f"larger than {MAX_ENTRY_BYTES} bytes")
            entry = json.loads(data.decode("utf-8"))
            report = entry.get("report") if rejected and isinstance(entry, dict) else entry
            if not isinstance(report, dict) or report.get("event_id") != match["event_id"]:
                raise ValueError("not a report with the event_id of its file name")
            if rejected and not (isinstance(entry.get("reason"), str) and isinstance(entry.get("rejected_at"), str)):
                raise ValueError("no reason or rejection time")
        except ValueError as error:
            self._set_aside(path, str(error))
            return None
        return entry

    def _set_aside(self, path: Path, problem: str) -> None:
        target = self._folder(CORRUPT) / path.name
        if target.exists():
            target = target.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}")
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return
        except OSError as error:
            logger.warning("Outbox entry %s is %s and cannot be set aside: %s", path, problem, error)
            return
        logger.warning("Outbox entry %s is %s; moved to %s", path, problem, target)


def _checked_event_id(event_id: object) -> str:
    """Return the event_id if it is a canonical UUID string (it becomes part of a file name)."""
    try:
        canonical = str(uuid.UUID(str(event_id)))
    except ValueError:
        canonical = None
    if canonical != event_id:
        raise ValueError(f"event_id must be a lower-case UUID string, not {event_id!r}")
    return canonical


def _write_durably(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    try:
        with os.fdopen(descriptor, "wb") as temporary_file:
            temporary_file.write(data)
            temporary_file.flush()
            os.fsync(temporary_file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # Known limitation: Windows cannot fsync a folder; NTFS journals the rename itself.
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as error:  # some network file systems refuse to sync folders
        logger.debug("Cannot fsync %s: %s", folder, error)
    finally:
        os.close(descriptor)


def _remove_if_stale_temp(path: Path) -> None:
    """Remove a temporary file that a crash left behind; a fresh one may still be written."""
    if not path.name.endswith(TEMP_SUFFIX):
        return
    try:
        if time.time() - path.stat().st_mtime > STALE_TEMP_SECONDS:
            path.unlink()
    except OSError as error:  # gone already, or not ours to delete: it is never read anyway
        logger.debug("Cannot remove the temporary file %s: %s", path, error)


if os.name == "nt":

    def _try_lock(descriptor: int) -> bool:
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)

else:

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as error:
            # Known limitation: a file system without locks (rare network shares) gives no
            # exclusion; delivery goes on and the server's event_id check drops duplicates.
            logger.warning("Cannot lock %s: %s; sending without the lock", LOCK_FILE, error)
        return True

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
