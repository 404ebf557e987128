"""``serialpos report sales|sales-detail|fulfilment``: every format to stdout and to a file,
the filters, the reports permission, and one clear line (exit 1, no file) for bad input."""

from __future__ import annotations

import csv
import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from serialpos.cli import report_export
from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.discounts import Discount, DiscountKind
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.fulfilment_report import FULFILMENT_COLUMNS
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.discounts import LineChange, change_line
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.reports import SALES_DETAIL_COLUMNS


@pytest.fixture
def shop(tmp_path: Path) -> dict[str, str]:
    """S1 sold PH1 serial SN-1 and 2 cables; S2 sold SN-9; an open S1 special order waits
    for a PH1 serial."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    stores.add_store(db, SYSTEM, "S2", "Harbour Mall")
    users.add_user(db, None, "max", "manager", "2222")
    users.add_user(db, SYSTEM, "cam", "cashier", "3333")
    products.create_product(
        db, SYSTEM, sku="PH1", name="Phone", price=Decimal("100"), serial_mode="required"
    )
    products.create_product(db, SYSTEM, sku="CB1", name="Cable, USB-C", price=Decimal("9.50"))
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=["SN-1", "SN-2"])
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S2", sku="PH1", serials=["SN-9"])
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="CB1", quantity=5)
    first, _ = create_order(
        db, SYSTEM, "S1", lines=[NewLine("PH1", "SN-1"), NewLine("CB1", quantity=2)]
    )
    invoice = fulfil(db, SYSTEM, first.order, settle_in="cash").invoice
    second, _ = create_order(db, SYSTEM, "S2", "layby", "pickup", lines=[NewLine("PH1", "SN-9")])
    invoice2 = fulfil(db, SYSTEM, second.order, settle_in="card").invoice
    waiting, lines = create_order(db, SYSTEM, "S1", "special_order", lines=[NewLine("PH1")])
    db.dispose()
    return {
        "url": url,
        "invoice": invoice,
        "invoice2": invoice2,
        "waiting": waiting.order,
        "line": str(lines[0]),
    }


def _run(tmp_path: Path, url: str, *args: str, user: str | None = "max", columns: int = 250) -> Any:
    env = {
        "SERIALPOS_USER": user,
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": str(columns),
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", ""),
    }
    result = CliRunner().invoke(app, ["--db", url, "report", *args], env=env)
    assert "Traceback" not in result.output
    return result


def test_sales_table_with_totals(tmp_path: Path, shop: dict[str, str]) -> None:
    result = _run(tmp_path, shop["url"], "sales")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for column in ("Invoice", "Serial Number", "Sale Type", "Delivery Mode"):
        assert column in result.stdout
    assert any(shop["invoice"] in ln and "SN-1" in ln and "Cash and Carry" in ln for ln in lines)
    assert any("SN-9" in ln and "Lay-by" in ln and "Pickup Later" in ln for ln in lines)
    total = next(ln for ln in lines if ln.strip("│ ").startswith("Total"))
    assert "4" in total.split() and "219.00" in total  # 1 + 2 + 1 units; 100 + 19 + 100

    only_s2 = _run(tmp_path, shop["url"], "sales", "--store", "S2")
    assert "SN-9" in only_s2.stdout and "SN-1" not in only_s2.stdout
    by_serial = _run(tmp_path, shop["url"], "sales-detail", "--serial", "SN-1")
    assert "SN-1" in by_serial.stdout and "SN-9" not in by_serial.stdout
    nothing = _run(tmp_path, shop["url"], "sales", "--from", "2000-01-01", "--to", "2000-01-31")
    assert nothing.exit_code == 0 and "no sales in this filter" in nothing.stdout


def test_sales_show_the_discount_reason_and_approver(tmp_path: Path, shop: dict[str, str]) -> None:
    """A line sold 20.00 off (past the 10% limit, approved by max): the table shows the money
    off, the reason and the approver; JSON has ``discount`` and ``discount_reason``."""
    db = Database(shop["url"])
    order, (line,) = create_order(db, SYSTEM, "S1", lines=[NewLine("PH1", "SN-2")])
    twenty_off = Discount(DiscountKind.AMOUNT, Decimal("20.00"))
    change_line(
        db,
        SYSTEM,
        order.order,
        line,
        LineChange("dented", discount=twenty_off),
        manager_user="max",
        manager_pin="2222",
    )
    fulfil(db, SYSTEM, order.order, settle_in="cash")
    db.dispose()

    result = _run(tmp_path, shop["url"], "sales", "--serial", "SN-2")
    assert result.exit_code == 0, result.output
    assert "Discount" in result.stdout and "Discount Reason" in result.stdout
    row = next(ln for ln in result.stdout.splitlines() if "SN-2" in ln and "PH1" in ln)
    assert "20.00" in row and "80.00" in row and "dented (approved by max)" in row
    rows = json.loads(_run(tmp_path, shop["url"], "sales", "--json", "--sku", "PH1").stdout)
    assert [(r["serial"], r["discount"], r["discount_reason"]) for r in rows] == [
        ("SN-1", "0.00", None),
        ("SN-9", "0.00", None),
        ("SN-2", "20.00", "dented"),
    ]


def test_narrow_terminal_keeps_identifiers_whole(tmp_path: Path, shop: dict[str, str]) -> None:
    """At 80 columns (SSH) less important columns go; invoice numbers and serials stay whole."""
    result = _run(tmp_path, shop["url"], "sales", columns=80)
    assert result.exit_code == 0, result.output
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert shop["invoice"] in result.stdout and shop["invoice2"] in result.stdout
    assert "SN-9" in result.stdout and "…" not in result.stdout
    assert "Kind" not in result.stdout  # the first to go
    waiting = _run(tmp_path, shop["url"], "fulfilment", columns=80)
    assert shop["waiting"] in waiting.stdout and "…" not in waiting.stdout


def test_sales_json_is_one_array(tmp_path: Path, shop: dict[str, str]) -> None:
    for args in (["sales", "--json"], ["sales-detail", "--format", "json"]):
        result = _run(tmp_path, shop["url"], *args, "--sku", "PH1")
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert [
            (
                r["invoice"],
                r["sku"],
                r["serial"],
                r["quantity"],
                r["total"],
                r["sale_type"],
                r["delivery"],
            )
            for r in rows
        ] == [
            (shop["invoice"], "PH1", "SN-1", 1, "100.00", "Sale", "Cash and Carry"),
            (shop["invoice2"], "PH1", "SN-9", 1, "100.00", "Lay-by", "Pickup Later"),
        ]
        assert rows[0]["date"].endswith("Z") and rows[0]["store"] == "S1"


def test_sales_detail_csv_to_stdout_and_file(tmp_path: Path, shop: dict[str, str]) -> None:
    result = _run(tmp_path, shop["url"], "sales-detail", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows[0] == list(SALES_DETAIL_COLUMNS)
    assert [r[SALES_DETAIL_COLUMNS.index("Product")] for r in rows[1:]] == [
        "Phone",
        "Cable, USB-C",
        "Phone",
    ]

    out = tmp_path / "detail.csv"
    written = _run(tmp_path, shop["url"], "sales-detail", "--format", "csv", "--out", str(out))
    assert written.exit_code == 0 and "wrote 3 rows" in written.stdout
    assert out.read_bytes().decode().replace("\r\n", "\n") == result.stdout.replace("\r\n", "\n")


def test_sales_detail_xlsx(tmp_path: Path, shop: dict[str, str]) -> None:
    out = tmp_path / "detail.xlsx"
    result = _run(
        tmp_path,
        shop["url"],
        "sales-detail",
        "--format",
        "xlsx",
        "--out",
        str(out),
        "--store",
        "S1",
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out, read_only=True)
    sheet = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sheet[0] == SALES_DETAIL_COLUMNS
    serial = SALES_DETAIL_COLUMNS.index("Serial Number")
    assert [r[serial - 1 : serial + 2] for r in sheet[1:]] == [
        ("Sale", "SN-1", "Cash and Carry"),
        ("Sale", None, "Cash and Carry"),
    ]
    book.close()


def test_fulfilment(tmp_path: Path, shop: dict[str, str]) -> None:
    table = _run(tmp_path, shop["url"], "fulfilment", "--pending-serial")
    assert table.exit_code == 0, table.output
    assert shop["waiting"] in table.stdout and "Special Order" in table.stdout
    rows = json.loads(_run(tmp_path, shop["url"], "fulfilment", "--json").stdout)
    assert [(r["order"], r["line"], r["sku"], r["serial"], r["pending_serial"]) for r in rows] == [
        (shop["waiting"], int(shop["line"]), "PH1", None, True)
    ]
    assert (
        _run(tmp_path, shop["url"], "fulfilment", "--json", "--store", "S2").stdout.strip() == "[]"
    )
    out = tmp_path / "waiting.xlsx"
    assert (
        _run(tmp_path, shop["url"], "fulfilment", "--format", "xlsx", "--out", str(out)).exit_code
        == 0
    )
    sheet = list(
        load_workbook(out, read_only=True).active.iter_rows(  # type: ignore[union-attr]
            values_only=True
        )
    )
    assert sheet[0] == FULFILMENT_COLUMNS and sheet[1][0] == shop["waiting"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["sales", "--from", "2026-11-30", "--to", "2026-11-01"],
            "error: the date range is the wrong way round: 2026-11-30 is after 2026-11-01",
        ),
        (["sales", "--from", "30/11/2026"], "error: --from '30/11/2026' is not a date"),
        (["sales", "--to", "2026-02-30"], "error: --to '2026-02-30' is not a date"),
        (["sales-detail", "--store", "S9"], "error: there is no store 'S9'"),
        (["fulfilment", "--sku", "NOPE"], "error: there is no product with SKU 'NOPE'"),
        (["sales", "--format", "pdf"], "error: --format 'pdf' is not one of"),
        (["sales", "--format", "xlsx"], "error: an XLSX workbook is written to a file"),
        (["sales", "--json", "--format", "csv"], "error: --json and --format csv"),
        (["sales", "--pending-serial"], "error: --pending-serial is for the fulfilment report"),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path, shop: dict[str, str], args: list[str], message: str
) -> None:
    result = _run(tmp_path, shop["url"], *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_bad_filter_with_out_leaves_no_file(tmp_path: Path, shop: dict[str, str]) -> None:
    for fmt in ("csv", "xlsx", "json"):
        out = tmp_path / f"out.{fmt}"
        result = _run(
            tmp_path,
            shop["url"],
            "sales-detail",
            "--format",
            fmt,
            "--out",
            str(out),
            "--sku",
            "NOPE",
        )
        assert result.exit_code == 1 and not out.exists()
    assert [p.name for p in tmp_path.iterdir() if "out." in p.name] == []


def test_unwritable_path(tmp_path: Path, shop: dict[str, str]) -> None:
    out = tmp_path / "missing-folder" / "x.csv"
    result = _run(tmp_path, shop["url"], "sales-detail", "--format", "csv", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {out}: the folder {out.parent} does not exist\n"
    assert not out.parent.exists()


def test_full_disk_mid_export(
    tmp_path: Path, shop: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills after the first row: one clear line, exit 1, nothing left behind."""
    import csv as csv_module

    real_writer = csv_module.writer

    class FillingWriter:
        """A csv writer on a disk that fills up after the header and one row."""

        def __init__(self, out: Any, **kwargs: Any) -> None:
            self.real = real_writer(out, **kwargs)
            self.rows = 0

        def writerow(self, row: Any) -> Any:
            self.rows += 1
            if self.rows > 2:
                raise OSError(28, "No space left on device")
            return self.real.writerow(row)

    monkeypatch.setattr(csv_module, "writer", FillingWriter)  # as services.exports uses it
    out = tmp_path / "detail.csv"
    result = _run(tmp_path, shop["url"], "sales-detail", "--format", "csv", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {out}: No space left on device\n", (
        result.exception
    )
    assert [p.name for p in tmp_path.iterdir() if "detail" in p.name] == []


def test_reports_need_a_manager(tmp_path: Path, shop: dict[str, str]) -> None:
    cashier = _run(tmp_path, shop["url"], "sales", user="cam")
    assert cashier.exit_code == 1 and "may not run reports" in cashier.stderr
    nobody = _run(tmp_path, shop["url"], "sales", user=None)
    assert nobody.exit_code == 2 and "needs to know who acts" in nobody.stderr


def test_progress_bar_only_for_large_exports(monkeypatch: pytest.MonkeyPatch) -> None:
    with report_export.export_progress(10, "x") as progress:
        assert progress is None  # a short export: no bar
    monkeypatch.setattr(report_export, "PROGRESS_FROM", 1)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm")
    with report_export.export_progress(10, "x") as progress:
        assert progress is not None
        progress(5)


def test_a_reader_that_stops_early_is_no_error(tmp_path: Path, shop: dict[str, str]) -> None:
    """``report ... | head -1``: the rest is dropped quietly, not an "error: Broken pipe"."""
    import subprocess
    import sys

    env = {
        **os.environ,
        "SERIALPOS_USER": "max",
        "SERIALPOS_DB": shop["url"],
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    env.pop("SERIALPOS_CONFIG", None)
    command = [sys.executable, "-m", "serialpos", "report", "sales-detail", "--format", "csv"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before the first row is written
        err = proc.stderr.read()
        code = proc.wait(timeout=60)
    assert (code, err) == (0, b"")
