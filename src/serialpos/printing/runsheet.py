"""The run sheet PDF: a store's delivery orders for one day, one block per stop with the
customer's name, address and phone, the items with their serials, what is left to collect,
and a line for the customer's signature.

Takes plain data; :mod:`serialpos.services.picking` gathers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, LongTable, Spacer, Table, TableStyle

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

TITLE = "Run sheet"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class RunItem:
    line: int  # the line's number on its order
    sku: str
    name: str
    quantity: int
    serial: str | None
    serial_mode: SerialMode
    package_line: int | None = None  # number of the package line it belongs to, if any


@dataclass(frozen=True)
class RunStop:
    """One delivery: one order."""

    order: str
    status: str  # in words: "fulfilled on INV-S1-000003", "open: not yet fulfilled"
    customer_name: str | None
    customer_phone: str | None
    customer_address: str | None
    items: tuple[RunItem, ...]
    to_collect: Decimal  # still due on the order; zero when paid


@dataclass(frozen=True)
class RunSheetDocument:
    store_code: str
    store_name: str
    day: date
    printed_at: datetime  # local time
    printed_by: str
    stops: tuple[RunStop, ...]
    day_rule: str = ""  # how orders were chosen for the day, printed under the summary


# Line, SKU, Product, Qty, Serial, Got: 180 mm, the A4 width inside the margins.
WIDTHS = [10 * mm, 28 * mm, 68 * mm, 12 * mm, 53 * mm, 9 * mm]
SERIAL_COLUMN = 4


def _items(stop: RunStop, st: Styles) -> LongTable:
    """The stop's items; both header rows repeat on every page, so a long order's items
    still say which order they belong to after a page break."""
    head = ["Line", "SKU", "Product", "Qty", "Serial", "Got"]
    rows: list[list[Any]] = [
        [para(f"Items of order {stop.order}", st.hint)] + [""] * 5,
        [para(h, st.small_bold) for h in head],
    ]
    items = stop.items
    boxed: list[tuple[str, tuple[int, int], tuple[int, int], float, Any]] = []
    for i, item in enumerate(items, start=2):
        name: list[Any] = [para(item.name, st.small)]
        if item.package_line is not None:
            name.append(para(f"in package line {item.package_line}", st.hint))
        rows.append(
            [
                str(item.line),
                para(item.sku, st.small),
                name,
                str(item.quantity),
                serial_cell(item.serial, item.serial_mode, st),
                Box(),
            ]
        )
        if serial_to_scan(item.serial, item.serial_mode):
            boxed.append(("BOX", (SERIAL_COLUMN, i), (SERIAL_COLUMN, i), 0.9, colors.black))
    table = LongTable(rows, colWidths=WIDTHS, repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("LINEBELOW", (0, 1), (-1, 1), 0.8, colors.black),
                ("LINEBELOW", (0, 2), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                *boxed,
            ]
        )
    )
    return table


def _field(label: str, value: str | None, st: Styles, missing: ParagraphStyle) -> list[Any]:
    return [
        para(label, st.small_bold),
        para(value, st.body) if value else para(NOT_RECORDED, missing),
    ]


def _stop(number: int, stop: RunStop, st: Styles) -> list[Any]:
    missing = ParagraphStyle("missing", parent=st.small_bold, textColor=colors.red)
    right = ParagraphStyle("right", parent=st.small, alignment=TA_RIGHT)
    collect = f"To collect: {stop.to_collect:,.2f}" if stop.to_collect > 0 else "Paid in full"
    title = Table(
        [
            [
                para(f"{number}. Order {stop.order}", st.heading),
                para(f"{stop.status} · {collect}", right),
            ]
        ],
        colWidths=[80 * mm, 100 * mm],
    )
    title.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    customer = Table(
        [
            _field("Customer", stop.customer_name, st, missing),
            _field("Phone", stop.customer_phone, st, missing),
            _field("Address", stop.customer_address, st, missing),
        ],
        colWidths=[22 * mm, 158 * mm],
    )
    customer.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    sign = Table(
        [
            ["", "", ""],
            [
                para("Received by (name)", st.hint),
                para("Signature", st.hint),
                para("Date and time", st.hint),
            ],
        ],
        colWidths=[70 * mm, 70 * mm, 40 * mm],
        rowHeights=[10 * mm, None],
    )
    sign.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6 * mm),
            ]
        )
    )
    head = [title, Spacer(1, 1 * mm), customer, Spacer(1, 2 * mm)]
    tail = [Spacer(1, 1 * mm), sign, Spacer(1, 8 * mm)]
    if len(stop.items) <= 25:  # a stop that fits on a page is never split across two
        return [KeepTogether([*head, _items(stop, st), *tail])]
    return [KeepTogether(head), _items(stop, st), KeepTogether(tail)]


def _summary(doc: RunSheetDocument) -> str:
    stops = len(doc.stops)
    units = sum(item.quantity for stop in doc.stops for item in stop.items)
    return (
        f"Deliveries on {doc.day:%Y-%m-%d}: {stops} stop{'s' * (stops != 1)}, "
        f"{units} unit{'s' * (units != 1)}"
    )


def runsheet_render(doc: RunSheetDocument) -> Rendered:
    st = styles()
    story: list[Any] = [para(_summary(doc), st.small)]
    if doc.day_rule:
        story.append(para(doc.day_rule, st.hint))
    story.append(Spacer(1, 4 * mm))
    if not doc.stops:
        story.append(
            para(
                f"Nothing to deliver: no delivery orders at {doc.store_code} on "
                f"{doc.day:%Y-%m-%d}.",
                st.heading,
            )
        )
    for number, stop in enumerate(doc.stops, start=1):
        story += _stop(number, stop, st)
    header = PageHeader(
        TITLE,
        f"{doc.store_code} {doc.store_name} · {doc.day:%A %Y-%m-%d}",
        (f"printed {doc.printed_at:%Y-%m-%d %H:%M}", f"by {doc.printed_by}"),
    )
    return render(story, header, author=doc.store_name)


def runsheet_pdf(doc: RunSheetDocument) -> bytes:
    return runsheet_render(doc).data


def write_runsheet(doc: RunSheetDocument, path: str | Path) -> Rendered:
    """Write the PDF atomically: a failure never leaves half a file under ``path``."""
    rendered = runsheet_render(doc)
    write_atomically(Path(path), rendered.data)
    return rendered
