"""``serialpos print picklist|runsheet`` on a real SQLite file: the PDFs written and read back,
the store taken from the terminal config, and every bad input refused with one clear line,
exit 1 (2 for a missing option) and no file left behind, even when the disk fills mid-write."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.views import Customer

IMEI = ["490154203237518", "356938035643809"]


class Shop:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
        db = Database(self.url)
        migrate.upgrade(db)
        stores.add_store(db, SYSTEM, "S1", "Main Street")
        stores.add_store(db, SYSTEM, "S2", "Harbour Mall")
        for name, role in (
            ("ada", "admin"),
            ("sam", "stockroom"),
            ("cam", "cashier"),
            ("max", "manager"),
        ):
            users.add_user(db, None if name == "ada" else SYSTEM, name, role, "1234")
        products.create_product(
            db, SYSTEM, sku="PH1", name="Phone", price=Decimal("100"), serial_mode="required"
        )
        products.create_product(db, SYSTEM, sku="CB1", name="Cable", price=Decimal("5"))
        ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=IMEI)
        ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="CB1", quantity=10)
        self.delivery, _ = create_order(
            db,
            SYSTEM,
            "S1",
            "special_order",
            "delivery",
            Customer("Ann Lee", "555-0100", "12 Quay Street"),
            [NewLine("PH1", IMEI[0]), NewLine("CB1", quantity=2)],
        )
        self.pickup, _ = create_order(
            db, SYSTEM, "S1", "special_order", "pickup", lines=[NewLine("PH1")]
        )
        created = self.delivery.created_at.replace(tzinfo=UTC).astimezone()
        self.day = created.date().isoformat()
        self.db = db

    def run(
        self,
        *args: str,
        user: str | None = "sam",
        code: int = 0,
        env: dict[str, str | None] | None = None,
    ) -> Any:
        base: dict[str, str | None] = {
            "SERIALPOS_USER": None,
            "SERIALPOS_DB": None,
            "SERIALPOS_CONFIG": None,
            "SERIALPOS_STORE": None,
            "XDG_CONFIG_HOME": str(self.tmp / "config"),
            "XDG_DATA_HOME": str(self.tmp / "data"),
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
        argv = ["--db", self.url] + (["--user", user] if user else []) + list(args)
        result = CliRunner().invoke(app, argv, env={**base, **(env or {})})
        shown = f"argv={argv}\nstdout={result.stdout!r}\nstderr={result.stderr!r}"
        assert "Traceback" not in result.output, shown
        assert result.exit_code == code, shown
        if code == 1:  # a refusal: one line on stderr (2 is Typer's own usage message)
            assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, shown
            assert result.stdout == "", shown
        return result


@pytest.fixture
def shop(tmp_path: Path) -> Shop:
    built = Shop(tmp_path)
    yield built
    built.db.dispose()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_picklist_writes_the_pdf(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "pick.pdf"
    done = shop.run("print", "picklist", "--store", "S1", "--out", str(out))
    assert done.stdout.strip() == f"wrote {out}: 3 lines from 2 orders, 1 page"
    text = pdf_text(out)
    for expected in (
        "Pick list",
        "S1 Main Street",
        "by sam",
        "page 1 of 1",
        shop.delivery.order,
        shop.pickup.order,
        IMEI[0],
        "serial to scan",
        "Cable",
    ):
        assert expected in text, expected

    # one order, repeated option; then a day and a delivery mode
    shop.run(
        "print",
        "picklist",
        "--store",
        "S1",
        "--order",
        shop.pickup.order,
        "--order",
        shop.pickup.order,
        "--out",
        str(out),
    )
    text = pdf_text(out)
    assert shop.pickup.order in text and shop.delivery.order not in text
    assert "1 line, 1 unit from 1 order; 1 serial to scan" in text
    shop.run(
        "print",
        "picklist",
        "--store",
        "S1",
        "--date",
        shop.day,
        "--delivery",
        "delivery",
        "--out",
        str(out),
    )
    text = pdf_text(out)
    assert shop.delivery.order in text and shop.pickup.order not in text

    # nothing matches: the file still says so, so yesterday's list is never read as today's
    empty = shop.run("print", "picklist", "--store", "S2", "--out", str(out))
    assert empty.stdout.strip() == f"wrote {out}: nothing to pick"
    assert "Nothing to pick" in pdf_text(out)
    assert leftovers(tmp_path) == []


def test_store_from_the_terminal_config(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "pick.pdf"
    config = tmp_path / "terminal.toml"
    config.write_text('[terminal]\nstore = "S1"\n')
    shop.run("--config", str(config), "print", "picklist", "--out", str(out))
    assert shop.delivery.order in pdf_text(out)
    shop.run("print", "picklist", "--out", str(out), env={"SERIALPOS_STORE": "S2"})
    assert "S2 Harbour Mall" in pdf_text(out)
    missing = shop.run("print", "picklist", "--out", str(out), code=2)
    assert "say which store: --store CODE" in missing.stderr


def test_runsheet_writes_the_pdf(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "run.pdf"
    done = shop.run(
        "print", "runsheet", "--store", "S1", "--date", shop.day, "--out", str(out), user="max"
    )
    assert done.stdout.strip() == f"wrote {out}: 2 items from 1 order, 1 page"
    text = pdf_text(out)
    for expected in (
        "Run sheet",
        "Ann Lee",
        "555-0100",
        "12 Quay Street",
        IMEI[0],
        "Cable",
        shop.delivery.order,
        "To collect",
        "Received by (name)",
        "by max",
    ):
        assert expected in text, expected
    assert shop.pickup.order not in text
    empty = shop.run(
        "print", "runsheet", "--store", "S1", "--date", "2001-01-01", "--out", str(out), user="max"
    )
    assert empty.stdout.strip() == f"wrote {out}: nothing to deliver"
    assert "Nothing to deliver" in pdf_text(out)

    helped = shop.run("print", "runsheet", "--help", user=None)
    assert "the day it was opened" in " ".join(helped.stdout.split())


@pytest.mark.parametrize(
    ("args", "user", "message"),
    [
        (["picklist", "--store", "S9"], "sam", "error: there is no store 'S9'"),
        (
            ["runsheet", "--store", "S9", "--date", "2026-01-02"],
            "max",
            "error: there is no store 'S9'",
        ),
        (
            ["picklist", "--store", "S1", "--date", "2026-02-30"],
            "sam",
            "error: '2026-02-30' is not a date: write it as YYYY-MM-DD",
        ),
        (
            ["runsheet", "--store", "S1", "--date", "31/01/2026"],
            "max",
            "error: '31/01/2026' is not a date: write it as YYYY-MM-DD",
        ),
        (
            ["picklist", "--store", "S1", "--order", "S1-999999"],
            "sam",
            "error: there is no order 'S1-999999'",
        ),
        (
            ["picklist", "--store", "S1", "--delivery", "drone"],
            "sam",
            "error: delivery mode 'drone' is not one of cash_and_carry, pickup, delivery",
        ),
        (
            ["picklist", "--store", "S1"],
            "cam",
            "error: cam (cashier) may not receive or move stock",
        ),
        (
            ["runsheet", "--store", "S1", "--date", "2026-01-02"],
            "sam",
            "error: sam (stockroom) may not run reports",
        ),
    ],
)
def test_refusals_leave_no_file(
    shop: Shop, tmp_path: Path, args: list[str], user: str, message: str
) -> None:
    out = tmp_path / "doc.pdf"
    refused = shop.run("print", *args, "--out", str(out), user=user, code=1)
    assert refused.stderr.startswith(message), refused.stderr
    assert not out.exists() and leftovers(tmp_path) == []


def test_an_existing_file_is_untouched_by_a_refusal(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "pick.pdf"
    out.write_bytes(b"yesterday")
    shop.run(
        "print", "picklist", "--store", "S1", "--order", "S1-999999", "--out", str(out), code=1
    )
    assert out.read_bytes() == b"yesterday"


def test_unwritable_output_paths(shop: Shop, tmp_path: Path) -> None:
    nowhere = tmp_path / "no-such-folder" / "pick.pdf"
    refused = shop.run("print", "picklist", "--store", "S1", "--out", str(nowhere), code=1)
    assert refused.stderr == (
        f"error: cannot write {nowhere}: the folder {nowhere.parent} does not exist\n"
    )
    folder = tmp_path / "a-folder"
    folder.mkdir()
    refused = shop.run("print", "picklist", "--store", "S1", "--out", str(folder), code=1)
    assert f"cannot write {folder}: it is a folder" in refused.stderr
    assert list(folder.iterdir()) == []
    proc = Path("/proc/self/pick.pdf")  # a folder that exists but takes no new files
    refused = shop.run("print", "picklist", "--store", "S1", "--out", str(proc), code=1)
    assert refused.stderr.startswith(f"error: cannot write {proc}: ")
    no_out = shop.run("print", "picklist", "--store", "S1", code=2)
    assert "Missing option '--out'" in no_out.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE as a full disk: Linux")
def test_disk_full_mid_write_leaves_nothing(tmp_path: Path) -> None:
    """The file-size limit stops the PDF part-way, as a full disk would: the command says so
    and neither the PDF nor its temporary file is left behind."""
    url = f"sqlite:///{tmp_path / 'big.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "ada", "admin", "1234")
    products.create_product(
        db,
        SYSTEM,
        sku="PH1",
        name="Phone with a long name to print",
        price=Decimal("100"),
        serial_mode="required",
    )
    serials = [f"BIG-SERIAL-{i:06d}" for i in range(900)]
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=serials)
    for start in range(0, 900, 450):
        create_order(
            db,
            SYSTEM,
            "S1",
            "special_order",
            "pickup",
            lines=[NewLine("PH1", s) for s in serials[start : start + 450]],
        )
    db.dispose()
    out = tmp_path / "out" / "pick.pdf"
    out.parent.mkdir()
    env = {
        **os.environ,
        "SERIALPOS_DB": url,
        "SERIALPOS_USER": "ada",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "d"),
    }
    argv = [
        sys.executable,
        "-m",
        "serialpos",
        "print",
        "picklist",
        "--store",
        "S1",
        "--out",
        str(out),
    ]
    whole = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert whole.returncode == 0, whole.stderr
    size = out.stat().st_size
    out.unlink()
    limit = 40_000  # above SQLite's 32 KiB shared-memory file, below the PDF
    assert size > limit + 10_000

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    full = subprocess.run(
        argv,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=small_disk,
    )
    assert full.returncode == 1, (full.stdout, full.stderr)
    assert full.stderr == f"error: cannot write {out}: File too large\n"
    assert list(out.parent.iterdir()) == []
