"""CSV export of save reports, streamed row by row.

The file is UTF-8 with a byte order mark. Excel, which most supervisors open
a CSV with, reads a file without the mark in the machine's legacy code page and
turns "Проекты" and other non-ASCII paths into mojibake; LibreOffice, Google
Sheets and Python's "utf-8-sig" codec all read the mark and drop it.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

BYTE_ORDER_MARK = "\ufeff"
CHUNK_SIZE = 2000

# A spreadsheet runs a cell that starts with one of these as a formula (tab and
# carriage return count because some programs skip them before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    ("saved_at", "saved_at"),
    ("username", "username"),
    ("file_path", "file_path"),
    ("hostname", "hostname"),
    ("blender_version", "blender_version"),
    ("file_size", "file_size"),
    ("api_key", "api_key__name"),
    ("received_at", "received_at"),
    ("event_id", "event_id"),
)


def neutralise(text: str) -> str:
    """Return text that a spreadsheet shows as typed instead of running it."""
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


class _LineBuffer:
    """A file-like object whose write() returns the line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(rows: Iterable[tuple]) -> Iterator[str]:
    """Yield the header line (after the byte order mark), then one line per row."""
    writer = csv.writer(_LineBuffer())
    yield BYTE_ORDER_MARK + writer.writerow([header for header, _ in COLUMNS])
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def export_response(
    queryset: QuerySet, *, filename_time: datetime
) -> StreamingHttpResponse:
    """Stream queryset as CSV, holding one chunk of rows in memory at a time."""
    rows = queryset.values_list(*(lookup for _, lookup in COLUMNS)).iterator(
        chunk_size=CHUNK_SIZE
    )
    response = StreamingHttpResponse(
        (line.encode("utf-8", "backslashreplace") for line in csv_lines(rows)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = filename_time.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = (
        f'attachment; filename="savetrail-reports-{stamp}Z.csv"'
    )
    return response
