"""Tables and spreadsheets people can read: XLSX columns as wide as their content with dates as
real dates; CLI tables at 80 columns keep dates, serials, SKUs, prices and ids whole (names
wrap or go); piped output is never wrapped."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
from typer.testing import CliRunner, Result

from serialpos.cli.app import app
from serialpos.db.engine import Database
from serialpos.services.demo import build_demo
from serialpos.services.exports import write_xlsx

WHEN = datetime(2026, 11, 23, 14, 5, 9)


def test_xlsx_columns_fit_their_content_and_dates_are_dates(tmp_path: Path) -> None:
    path = tmp_path / "sales.xlsx"
    columns = ["Invoice", "Date", "Serial Number", "Total", "Product"]
    long_serial = "SN-" + "7" * 30
    rows = [
        ("INV-S01-000000123", WHEN, long_serial, Decimal("12345.60"), "x" * 200),
        ("INV-1", WHEN, "S", Decimal("1.00"), "y"),
    ]
    assert write_xlsx(path, columns, rows) == 2
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDE"}
    assert widths["A"] >= len("INV-S01-000000123")
    assert widths["B"] >= len("2026-11-23 14:05:09")
    assert widths["C"] >= len(long_serial)
    assert widths["D"] >= len("12,345.60")
    assert widths["E"] <= 62  # a long name does not make a 200-character column
    date_cell = sheet["B2"]
    assert date_cell.value == WHEN and date_cell.number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["C2"].value == long_serial and sheet["D2"].value == 12345.6


def _report(url: str, *args: str, columns: str | None) -> Result:
    env = {
        "SERIALPOS_USER": "manager",
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "COLUMNS": columns,
        "NO_COLOR": "1",
    }
    result = CliRunner().invoke(app, ["--db", url, "report", *args], env=env)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    return result


def test_cli_tables_at_80_columns_and_piped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    db = Database(url)
    build_demo(db)  # with a day of activity: sales and open orders
    db.dispose()
    narrow = _report(url, "sales", columns="80").stdout
    lines = narrow.splitlines()
    assert all(len(line) <= 80 for line in lines)
    header = next(line for line in lines if line.startswith("Invoice"))
    for column in ("Date", "SKU", "Qty", "Price", "Total", "Serial Number"):
        assert column in header
    rows = [line for line in lines if line.startswith("INV-")]
    assert rows
    for row in rows:  # invoice, date and time, SKU, quantity, price, total: whole
        assert re.match(
            r"INV-S0\d-\d{6} +\d{4}-\d\d-\d\d \d\d:\d\d +[A-Z]{2}-[A-Z0-9]+ +\d+ +"
            r"[\d.]+\.\d\d +[\d.]+\.\d\d",
            row,
        ), row
    assert "…" not in narrow
    waiting = _report(url, "fulfilment", columns="80").stdout
    assert all(len(line) <= 80 for line in waiting.splitlines())
    assert "Created" in waiting and "…" not in waiting

    piped = _report(url, "sales", columns=None).stdout  # not a terminal, no COLUMNS
    widest = max(len(line) for line in piped.splitlines())
    assert widest > 120  # every column, each row on one line
    assert "Aurora X15 smartphone 128GB" in piped and "Cash and Carry" in piped
    row_lines = [line for line in piped.splitlines() if line.startswith("INV-")]
    assert len(row_lines) == len(rows)  # no wrapped continuation lines
