"""Exports: CSV bytes exactly (RFC 4180, formula guard), XLSX read back with openpyxl (typed
cells, sheets continuing past the row limit), JSON, progress, and no file left under the
requested name when the disk fills or the path cannot be written. The sales detail of real
sales (made through the services) exported and read back."""

from __future__ import annotations

import csv
import errno
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from serialpos.db.engine import Database
from serialpos.domain.discounts import Discount, DiscountKind
from serialpos.domain.states import Action
from serialpos.services import exports, ledger, products, users
from serialpos.services.context import Actor
from serialpos.services.exports import write_csv, write_export, write_json, write_xlsx
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.discounts import LineChange, change_line
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.report_filter import ReportFilter
from serialpos.services.reports import SALES_DETAIL_COLUMNS, sales_detail_rows, sales_report

WHEN = datetime(2026, 11, 23, 9, 5, 7, 123456)
COLUMNS = ("Invoice", "Date", "Quantity", "Price", "Serial Number", "Product")
ROWS: list[tuple[object, ...]] = [
    ("INV-S1-000001", WHEN, 1, Decimal("499.99"), "0012345", 'Phone, 6.1" "Pro"'),
    ("INV-S1-000002", WHEN, -1, Decimal("-9.50"), None, "two\r\nlines"),
    ("INV-S1-000003", WHEN, 2, Decimal("0.00"), '=HYPERLINK("x")', "-minus @at +plus"),
]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_csv_bytes(tmp_path: Path) -> None:
    out = tmp_path / "sales.csv"
    assert write_csv(out, COLUMNS, ROWS) == 3
    assert out.read_bytes() == (
        b"Invoice,Date,Quantity,Price,Serial Number,Product\r\n"
        b'INV-S1-000001,2026-11-23 09:05:07,1,499.99,0012345,"Phone, 6.1"" ""Pro"""\r\n'
        b'INV-S1-000002,2026-11-23 09:05:07,-1,-9.50,,"two\r\nlines"\r\n'
        b'INV-S1-000003,2026-11-23 09:05:07,2,0.00,"\'=HYPERLINK(""x"")",'
        b"'-minus @at +plus\r\n"
    )
    assert _files(tmp_path) == ["sales.csv"]
    # Read back by a CSV reader, text cells exactly as written (the guard's quote shown).
    with out.open(encoding="utf-8", newline="") as f:
        back = list(csv.reader(f))
    assert back[0] == list(COLUMNS) and back[2][5] == "two\r\nlines"


def test_csv_without_the_guard_keeps_text_as_recorded(tmp_path: Path) -> None:
    out = tmp_path / "raw.csv"
    write_csv(out, ["Serial Number"], [("=1+1",), ("-5",), ("é ünïcode",)], guard_formulas=False)
    assert out.read_bytes() == "Serial Number\r\n=1+1\r\n-5\r\né ünïcode\r\n".encode()


def test_xlsx_cells_are_typed(tmp_path: Path) -> None:
    out = tmp_path / "sales.xlsx"
    assert write_xlsx(out, COLUMNS, ROWS) == 3
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Export"]
    rows = list(book["Export"].iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert rows[1] == (
        "INV-S1-000001",
        datetime(2026, 11, 23, 9, 5, 7, 123000),
        1,
        499.99,
        "0012345",
        'Phone, 6.1" "Pro"',
    )
    assert rows[2][2:5] == (-1, -9.5, None)
    # Text that looks like a formula is text in XLSX: nothing to guard, nothing altered.
    assert rows[3][4:] == ('=HYPERLINK("x")', "-minus @at +plus")
    book.close()
    assert _files(tmp_path) == ["sales.xlsx"]


def _numbered(n: int) -> Iterator[tuple[object, ...]]:
    for i in range(1, n + 1):
        yield (f"S{i:03d}", i)


@pytest.mark.parametrize(("rows", "sheets"), [(7, [4, 4, 2]), (6, [4, 4]), (3, [4]), (0, [1])])
def test_xlsx_continues_on_further_sheets(tmp_path: Path, rows: int, sheets: list[int]) -> None:
    out = tmp_path / "long.xlsx"
    assert (
        write_xlsx(out, ["Serial Number", "N"], _numbered(rows), sheet_rows=4, sheet_name="Sales")
        == rows
    )
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Sales", "Sales 2", "Sales 3"][: len(sheets)]
    seen: list[tuple[object, ...]] = []
    for name, size in zip(book.sheetnames, sheets, strict=True):
        values = list(book[name].iter_rows(values_only=True))
        assert len(values) == size and values[0] == ("Serial Number", "N")
        seen += values[1:]
    assert seen == list(_numbered(rows))  # every row once, in order
    book.close()


def test_xlsx_default_sheet_is_excels_limit() -> None:
    assert exports.XLSX_SHEET_ROWS == 1_048_576


def test_json_is_one_array(tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    assert (
        write_json(
            out,
            ["invoice", "date", "price", "serial"],
            [(r[0], r[1], r[3], r[4]) for r in ROWS[:2]],
        )
        == 2
    )
    assert json.loads(out.read_text()) == [
        {
            "invoice": "INV-S1-000001",
            "date": "2026-11-23T09:05:07.123456Z",
            "price": "499.99",
            "serial": "0012345",
        },
        {
            "invoice": "INV-S1-000002",
            "date": "2026-11-23T09:05:07.123456Z",
            "price": "-9.50",
            "serial": None,
        },
    ]
    write_json(out, ["a"], [])
    assert json.loads(out.read_text()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_progress_is_told(tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 10)
    told: list[int] = []
    assert write_export(fmt, tmp_path / f"p.{fmt}", ["S", "N"], _numbered(25), told.append) == 25
    assert told[:2] == [10, 20] and told[-1] == 25


def _failing(after: int) -> Iterator[Sequence[object]]:
    """Rows that stop with a full disk (ENOSPC) after ``after`` rows, as a write would."""
    yield from _numbered(after)
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_full_disk_mid_export_leaves_no_file(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"sales.{fmt}"
    with pytest.raises(OSError) as raised:
        write_export(fmt, out, ["S", "N"], _failing(20_000))
    assert raised.value.errno == errno.ENOSPC
    assert _files(tmp_path) == []  # neither the export nor its temporary files

    out.write_bytes(b"yesterday's export")
    with pytest.raises(OSError):
        write_export(fmt, out, ["S", "N"], _failing(5))
    assert out.read_bytes() == b"yesterday's export"  # an earlier file is left as it was
    assert _files(tmp_path) == [out.name]


def test_full_disk_while_the_workbook_is_assembled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills while a sheet streams into the zip (or while the workbook's parts are
    written at the end): the OSError comes out as it was, and the half-written zip is
    removed."""

    class FullZip(zipfile.ZipFile):
        def open(self, *args: Any, **kwargs: Any) -> Any:
            entry = super().open(*args, **kwargs)

            def full(data: bytes) -> int:
                raise OSError(errno.ENOSPC, "No space left on device")

            entry.write = full  # type: ignore[method-assign]
            return entry

        def writestr(self, *args: Any, **kwargs: Any) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("serialpos.services.xlsx_stream.zipfile.ZipFile", FullZip)
    with pytest.raises(OSError) as raised:
        write_xlsx(tmp_path / "sales.xlsx", ["S", "N"], _numbered(10))
    assert raised.value.errno == errno.ENOSPC
    assert _files(tmp_path) == []


def test_full_disk_at_the_workbook_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class FullAtEnd(zipfile.ZipFile):
        def writestr(self, *args: Any, **kwargs: Any) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("serialpos.services.xlsx_stream.zipfile.ZipFile", FullAtEnd)
    with pytest.raises(OSError) as raised:
        write_xlsx(tmp_path / "sales.xlsx", ["S", "N"], _numbered(10))
    assert raised.value.errno == errno.ENOSPC
    assert _files(tmp_path) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_unwritable_path(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(FileNotFoundError):
        write_export(fmt, tmp_path / "no-such-folder" / f"x.{fmt}", ["S"], [("a",)])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(NotADirectoryError):
        write_export(fmt, blocker / f"x.{fmt}", ["S"], [("a",)])
    assert _files(tmp_path) == ["a-file"]


def test_sales_detail_of_real_sales_exported(db: Database, admin: Actor, tmp_path: Path) -> None:
    products.create_product(
        db, admin, sku="PH1", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    products.create_product(db, admin, sku="CB1", name="Cable", price=Decimal("9.50"))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["0001", "0002"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB1", quantity=5)
    users.add_user(db, admin, "mo", "manager", "4321")
    order, line_ids = create_order(
        db,
        admin,
        "S1",
        "special_order",
        "pickup",
        lines=[
            NewLine("PH1", "0001"),
            NewLine("PH1", "0002"),
            NewLine("CB1", quantity=3),
        ],
    )
    # 30% off the cables (28.50 -> 8.55 off): past the store's 10% limit, so approved.
    change_line(
        db,
        admin,
        order.order,
        line_ids[2],
        LineChange("box torn", discount=Discount(DiscountKind.PERCENT, Decimal("30"))),
        manager_user="mo",
        manager_pin="4321",
    )
    invoice = fulfil(db, admin, order.order, settle_in="card").invoice
    report = sales_report(db, ReportFilter())

    out_csv, out_xlsx = tmp_path / "d.csv", tmp_path / "d.xlsx"
    assert write_csv(out_csv, SALES_DETAIL_COLUMNS, sales_detail_rows(db, ReportFilter())) == 3
    assert write_xlsx(out_xlsx, SALES_DETAIL_COLUMNS, sales_detail_rows(db, ReportFilter())) == 3
    text = out_csv.read_bytes().decode()
    back = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [
        (
            r["Invoice"],
            r["SKU"],
            r["Quantity"],
            r["Total"],
            r["Serial Number"],
            r["Sale Type"],
            r["Delivery Mode"],
            r["Discount"],
            r["Discount Reason"],
        )
        for r in back
    ] == [
        (invoice, "PH1", "1", "100.00", "0001", "Special Order", "Pickup Later", "0.00", ""),
        (invoice, "PH1", "1", "100.00", "0002", "Special Order", "Pickup Later", "0.00", ""),
        (invoice, "CB1", "3", "19.95", "", "Special Order", "Pickup Later", "8.55", "box torn"),
    ]
    # The discount columns come before Total; from Total on the order issue 14 pins.
    assert list(back[0])[list(back[0]).index("Price") :] == [
        "Price",
        "Discount",
        "Discount Reason",
        "Total",
        "Sale Type",
        "Serial Number",
        "Delivery Mode",
        "Customer",
        "Kind",
    ]
    cables = report.rows[2]
    assert (cables.discount, cables.discount_reason, cables.discount_approved_by) == (
        Decimal("8.55"),
        "box torn",
        "mo",
    )
    assert (report.rows[0].discount, report.rows[0].discount_reason) == (Decimal("0.00"), None)
    assert back[0]["Date"] == report.rows[0].date.strftime("%Y-%m-%d %H:%M:%S")

    book = load_workbook(out_xlsx, read_only=True)
    sheet = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sheet[0] == SALES_DETAIL_COLUMNS
    header = list(sheet[0])
    serial_col = header.index("Serial Number")
    assert header[header.index("Total") :] == [
        "Total",
        "Sale Type",
        "Serial Number",
        "Delivery Mode",
        "Customer",
        "Kind",
    ]
    assert [r[serial_col] for r in sheet[1:]] == ["0001", "0002", None]  # text, zeros kept
    assert [r[header.index("Quantity")] for r in sheet[1:]] == [1, 1, 3]
    assert [r[header.index("Price")] for r in sheet[1:]] == [100.0, 100.0, 9.5]
    assert [r[header.index("Discount")] for r in sheet[1:]] == [0.0, 0.0, 8.55]
    assert [r[header.index("Discount Reason")] for r in sheet[1:]] == [None, None, "box torn"]
    assert [r[header.index("Total")] for r in sheet[1:]] == [100.0, 100.0, 19.95]
    assert all(isinstance(r[header.index("Date")], datetime) for r in sheet[1:])
    book.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_memory_stays_flat(tmp_path: Path, fmt: str) -> None:
    """30,000 rows (about 12 MB as Python objects if they were held) written with the
    writers' own allocations peaking under 4 MB: rows are written as they come."""
    import tracemalloc

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(30_000):
            yield (
                f"INV-S1-{i:06d}",
                WHEN,
                "S1",
                "PH1",
                "Phone",
                1,
                Decimal("499.99"),
                f"SN{i:010d}",
                "Special Order",
                "Cash and Carry",
            )

    import serialpos.services.xlsx_stream  # noqa: F401 - its import is not the export's memory

    tracemalloc.start()
    try:
        assert (
            write_export(fmt, tmp_path / f"big.{fmt}", [f"C{i}" for i in range(10)], rows())
            == 30_000
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000, f"{fmt} export peaked at {peak / 1e6:.1f} MB"
