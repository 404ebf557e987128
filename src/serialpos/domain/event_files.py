"""Event files: what the host system reads for every completed stockroom document.

The format is pinned (docs/event_files.md): UTF-8 without a byte-order mark, the header
``event_type,document_id,store,completed_at,user,sku,quantity,serials``, one row per product
line (units added and units removed are two lines), ``completed_at`` in ISO 8601 UTC, serials
joined with ``|``. Rows are sorted by SKU and serials by their text, so writing the same
document twice gives the same bytes.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

HEADER = (
    "event_type",
    "document_id",
    "store",
    "completed_at",
    "user",
    "sku",
    "quantity",
    "serials",
)
SERIAL_SEPARATOR = "|"


class EventType(enum.StrEnum):
    """What completed. The value is the file's ``event_type`` and the start of its name."""

    ASN_RECEIPT = "asn_receipt"
    BLIND_RECEIPT = "blind_receipt"
    TRANSFER_SHIPMENT = "transfer_shipment"
    TRANSFER_RECEIPT = "transfer_receipt"
    RTV = "rtv"
    ADJUSTMENT = "adjustment"
    COUNT = "count"


@dataclass(frozen=True)
class EventLine:
    """One product line of a document: its signed quantity and the serials it moved."""

    sku: str
    quantity: int
    serials: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventFile:
    event_type: str
    document_id: str
    store: str
    completed_at: datetime  # UTC; naive values are taken as UTC
    user: str
    lines: tuple[EventLine, ...]

    @property
    def name(self) -> str:
        return file_name(self.event_type, self.document_id)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def file_name(event_type: str, document_id: str) -> str:
    """``{event_type}-{document_id}.csv``; characters a file name cannot safely hold (a
    vendor's ``ASN/2026/7``) become ``_`` so the file always lands in the outbox folder."""
    safe = _UNSAFE.sub("_", document_id)
    if safe.startswith("."):
        safe = "_" + safe[1:]
    return f"{event_type}-{safe}.csv"


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_lines(lines: Iterable[EventLine]) -> tuple[EventLine, ...]:
    """One line per SKU and direction, serials sorted: lines of one SKU that move the same way
    are added together, while units added and units removed (an adjustment or a count that
    finds some and misses others) stay on two lines, so the host sees which serial went
    which way. Additions come before removals."""
    quantities: dict[tuple[str, bool], int] = {}
    serials: dict[tuple[str, bool], set[str]] = {}
    for line in lines:
        key = (line.sku, line.quantity < 0)
        quantities[key] = quantities.get(key, 0) + line.quantity
        serials.setdefault(key, set()).update(line.serials)
    return tuple(
        EventLine(key[0], quantities[key], tuple(sorted(serials[key])))
        for key in sorted(quantities)
    )


def render(event: EventFile) -> bytes:
    """The file's bytes: deterministic for a given document."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    when = iso_utc(event.completed_at)
    for line in merge_lines(event.lines):
        writer.writerow(
            (
                event.event_type,
                event.document_id,
                event.store,
                when,
                event.user,
                line.sku,
                line.quantity,
                SERIAL_SEPARATOR.join(line.serials),
            )
        )
    return out.getvalue().encode("utf-8")
