"""The pick list PDF: order lines to fetch from the stockroom, in walking order (bin, then SKU),
each with its recorded serial or a box where the picker writes the serial to scan.

Takes plain data; :mod:`serialpos.services.picking` gathers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Spacer, TableStyle

from serialpos.domain.products import SerialMode
from serialpos.files import write_atomically
from serialpos.printing.common import (
    Box,
    PageHeader,
    Rendered,
    Styles,
    para,
    render,
    serial_cell,
    serial_to_scan,
    styles,
)

TITLE = "Pick list"
NO_BIN = "no bin"


@dataclass(frozen=True)
class PickLine:
    order: str
    line: int  # the line's number on its order
    sku: str
    name: str
    quantity: int
    bin: str | None
    serial: str | None
    serial_mode: SerialMode
    package_line: int | None = None  # number of the package line it belongs to, if any

    @property
    def serial_to_scan(self) -> bool:
        return serial_to_scan(self.serial, self.serial_mode)


@dataclass(frozen=True)
class PickListDocument:
    store_code: str
    store_name: str
    printed_at: datetime  # local time
    printed_by: str
    lines: tuple[PickLine, ...]  # printed in this order: see walk_key
    filters: tuple[str, ...] = ()  # what was asked for, in words ("orders opened 2026-11-23")


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    """Bins sort as people number shelves: A2 before A10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in re.findall(r"\d+|\D+", text)
    )


def walk_key(line: PickLine) -> tuple[Any, ...]:
    """Walking order through the stockroom: by bin (lines without a bin last), then SKU (both
    in natural order), then order and line so the same data always prints the same way."""
    where = (line.bin or "").strip()
    return (where == "", _natural(where), _natural(line.sku), line.sku, line.order, line.line)


# Bin, SKU, Product, Qty, Serial, Order, Line, Got: 180 mm, the A4 width inside the margins.
WIDTHS = [20 * mm, 26 * mm, 43 * mm, 12 * mm, 42 * mm, 21 * mm, 8 * mm, 8 * mm]
SERIAL_COLUMN = 4


def _table(lines: tuple[PickLine, ...], st: Styles) -> LongTable:
    head = ["Bin", "SKU", "Product", "Qty", "Serial", "Order", "Line", "Got"]
    rows: list[list[Any]] = [[para(h, st.small_bold) for h in head]]
    boxed: list[tuple[str, tuple[int, int], tuple[int, int], float, Any]] = []
    for i, line in enumerate(lines, start=1):
        name: list[Any] = [para(line.name, st.small)]
        if line.package_line is not None:
            name.append(para(f"in package line {line.package_line}", st.hint))
        rows.append(
            [
                para(line.bin, st.small_bold) if line.bin else para(NO_BIN, st.hint),
                para(line.sku, st.small),
                name,
                str(line.quantity),
                serial_cell(line.serial, line.serial_mode, st),
                para(line.order, st.small),
                str(line.line),
                Box(),
            ]
        )
        if line.serial_to_scan:  # a box to write the scanned serial in
            boxed.append(("BOX", (SERIAL_COLUMN, i), (SERIAL_COLUMN, i), 0.9, colors.black))
    table = LongTable(rows, colWidths=WIDTHS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                (
                    "FONTSIZE",
                    (0, 0),
                    (-1, -1),
                    8,
                ),  # the numbers, plain strings: cheaper than paragraphs
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 1), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
                *boxed,
            ]
        )
    )
    return table


def _summary(doc: PickListDocument) -> str:
    orders = len({line.order for line in doc.lines})
    units = sum(line.quantity for line in doc.lines)
    to_scan = sum(1 for line in doc.lines if line.serial_to_scan)
    text = (
        f"{len(doc.lines)} line{'s' * (len(doc.lines) != 1)}, {units} "
        f"unit{'s' * (units != 1)} from {orders} order{'s' * (orders != 1)}"
    )
    if to_scan:
        text += f"; {to_scan} serial{'s' * (to_scan != 1)} to scan"
    return text


def picklist_render(doc: PickListDocument) -> Rendered:
    st = styles()
    story: list[Any] = []
    if doc.filters:
        story.append(para("; ".join(doc.filters), st.small))
    if not doc.lines:
        story += [
            Spacer(1, 6 * mm),
            para("Nothing to pick: no open order lines match.", st.heading),
        ]
    else:
        story += [para(_summary(doc), st.small), Spacer(1, 3 * mm), _table(doc.lines, st)]
    header = PageHeader(
        TITLE,
        f"{doc.store_code} {doc.store_name}",
        (f"printed {doc.printed_at:%Y-%m-%d %H:%M}", f"by {doc.printed_by}"),
    )
    return render(story, header, author=doc.store_name)


def picklist_pdf(doc: PickListDocument) -> bytes:
    return picklist_render(doc).data


def write_picklist(doc: PickListDocument, path: str | Path) -> Rendered:
    """Write the PDF atomically: a failure never leaves half a file under ``path``."""
    rendered = picklist_render(doc)
    write_atomically(Path(path), rendered.data)
    return rendered
