"""The bad-input corpus as a table: each case gets its code (or one clear line and its exit
code) and changes nothing recorded. Through `apply` lines, product CSV, ASN CSV and JSON and
CLI arguments, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from chaoskit import make_shop
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.services import users
from serialpos.services.apply.dispatch import apply_line
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.product_import import import_products_bytes

TABLES = (
    "ledger_event",
    "ledger_chain",
    "serial_unit",
    "stock_level",
    "product",
    "asn",
    "asn_line",
    "store",
    "app_user",
    "event_outbox",
)
HEADER = b"SKU,Name,Price,Serial Number Option,SerialFormat,TaxRate\n"


def apply_case(line: str | bytes) -> Callable[[Database], str]:
    raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line

    def run(db: Database) -> str:
        verdict = apply_line(db, users.actor_for(db, "ada", "chaos"), raw, 1)
        assert verdict is not None and verdict["ok"] is False, verdict
        return str(verdict["error"])

    return run


def products_case(rows: bytes) -> Callable[[Database], str]:
    def run(db: Database) -> str:
        try:
            import_products_bytes(db, users.actor_for(db, "ada", "chaos"), HEADER + rows)
        except DomainError as exc:
            return exc.code
        raise AssertionError("imported")

    return run


def asn_case(name: str, content: bytes) -> Callable[[Database], str]:
    def run(db: Database) -> str:
        try:
            import_asn_data(db, users.actor_for(db, "ada", "chaos"), name, content, "S1")
        except DomainError as exc:
            return exc.code
        raise AssertionError("imported")

    return run


def op(**fields: Any) -> str:
    return json.dumps(fields)


CORPUS: list[tuple[str, Callable[[Database], str], str]] = [
    (
        "duplicate key",
        apply_case(
            '{"op": "sell", "op": "receive", "store": "S1", "sku": "PH1", "serial": "C001"}'
        ),
        "bad_request",
    ),
    (
        "infinite number",
        apply_case('{"op": "receive", "store": "S1", "sku": "CB1", "quantity": 1e999}'),
        "bad_request",
    ),
    (
        "5,000 digits",
        apply_case(
            '{"op": "receive", "store": "S1", "sku": "CB1", "quantity": ' + "9" * 5000 + "}"
        ),
        "bad_request",
    ),
    (
        "lone surrogate",
        apply_case('{"op": "receive", "store": "S1", "sku": "PH1", "serial": "\\ud800"}'),
        "bad_request",
    ),
    ("deep nesting", apply_case('{"op": ' + "[" * 5000 + "]" * 5000 + "}"), "bad_request"),
    ("not UTF-8", apply_case(b'{"op": "receive", "store": "S\xff"}'), "bad_request"),
    (
        "NaN",
        apply_case('{"op": "receive", "store": "S1", "sku": "CB1", "quantity": NaN}'),
        "bad_request",
    ),
    (
        "unknown store",
        apply_case(op(op="sell", store="S9", sku="PH1", serial="C001")),
        "unknown_store",
    ),
    (
        "unknown product",
        apply_case(op(op="sell", store="S1", sku="NOPE", serial="C001")),
        "unknown_product",
    ),
    (
        "control character",
        apply_case(op(op="receive", store="S1", sku="PH1", serial="A\u0007B")),
        "bad_serial_format",
    ),
    (
        "serial too long",
        apply_case(op(op="receive", store="S1", sku="PH1", serial="X" * 65)),
        "bad_serial_format",
    ),
    (
        "quantity too large",
        apply_case(op(op="receive", store="S1", sku="CB1", quantity=1_000_001)),
        "bad_request",
    ),
    (
        "serial twice",
        apply_case(op(op="receive", store="S1", sku="PH1", serials=["X1", "X1"])),
        "duplicate_serial",
    ),
    ("sold twice", apply_case(op(op="sell", store="S1", sku="PH1", serial="C000")), "already_sold"),
    ("price 1e309", products_case(b"NEW1,New,1e309,Disabled,,\n"), "bad_file"),
    ("price 28 digits", products_case(b"NEW1,New," + b"1" * 28 + b",Disabled,,\n"), "bad_file"),
    ("format typo imeii", products_case(b"NEW1,New,1.00,Required,imeii,\n"), "bad_file"),
    ("format back-reference", products_case(b"NEW1,New,1.00,Required,(a)\\1,\n"), "bad_file"),
    ("tax rate 1e999", products_case(b"NEW1,New,1.00,Disabled,,1e999\n"), "bad_file"),
    ("CSV not UTF-8", products_case(b"NEW1,N\xe9w,1.00,Disabled,,\n"), "bad_file"),
    (
        "ASN JSON surrogate",
        asn_case(
            "a.json",
            b'{"asn": "A\\udc00", "vendor": "V", "lines": [{"sku": "CB1", "quantity": 1}]}',
        ),
        "bad_asn_file",
    ),
    (
        "ASN JSON duplicate key",
        asn_case(
            "a.json",
            b'{"asn": "A1", "asn": "A2", "vendor": "V", "lines": [{"sku": "CB1", "quantity": 1}]}',
        ),
        "bad_asn_file",
    ),
    (
        "ASN JSON 1e400",
        asn_case(
            "a.json", b'{"asn": "A1", "vendor": "V", "lines": [{"sku": "CB1", "quantity": 1e400}]}'
        ),
        "bad_asn_file",
    ),
    (
        "ASN CSV 5,000 digits",
        asn_case("a.csv", b"ASN,Vendor,SKU,Quantity\nA1,V,CB1," + b"9" * 5000 + b"\n"),
        "bad_asn_file",
    ),
    (
        "ASN unknown SKU",
        asn_case("a.csv", b"ASN,Vendor,SKU,Quantity\nA1,V,NOPE,1\n"),
        "bad_asn_file",
    ),
    (
        "ASN serial already in stock",
        asn_case("a.csv", b"ASN,Vendor,SKU,Quantity,Serials\nA1,V,PH1,1,C001\n"),
        "bad_asn_file",
    ),
]

CLI_CORPUS: list[tuple[str, list[str], int, str]] = [
    ("garbage URL", ["--db", "garbage", "stock"], 1, "is not a database URL"),
    ("MySQL URL", ["--db", "mysql://x@y/z", "stock"], 1, "mysql databases are not supported"),
    (
        "missing file",
        ["--db", "sqlite:////nonexistent/dir/x.sqlite", "stock"],
        1,
        "there is no database at /nonexistent/dir/x.sqlite",
    ),
    ("missing argument", ["--user", "ada", "store", "add"], 2, "Missing argument"),
    ("unknown option", ["stock", "--bogus"], 2, "No such option"),
    ("unknown user", ["--user", "nobody", "store", "add", "S9", "X"], 1, "nobody"),
    ("bad limit", ["products", "show", "--limit", "0"], 2, ""),
]


def fingerprint(db: Database, outbox: Path) -> dict[str, Any]:
    with db.engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES
        }
        units = sorted(
            conn.execute(sa.text("SELECT serial, state, store_id FROM serial_unit")).all()
        )
        levels = sorted(
            conn.execute(sa.text("SELECT product_id, store_id, quantity FROM stock_level")).all()
        )
        heads = sorted(conn.execute(sa.text("SELECT id, seq, hash FROM ledger_chain")).all())
    files = sorted(p.name for p in outbox.rglob("*")) if outbox.exists() else []
    return {"counts": counts, "units": units, "levels": levels, "heads": heads, "files": files}


def test_every_bad_input_gets_its_code_and_changes_nothing(
    db_url: str, outbox_folder: Path
) -> None:
    make_shop(db_url, [f"C{i:03d}" for i in range(5)])
    db = Database(db_url)
    try:
        from serialpos.domain.states import Action
        from serialpos.services import ledger
        from serialpos.services.context import SYSTEM

        ledger.move(db, SYSTEM, Action.SELL, store="S1", sku="PH1", serials=["C000"])
        got = {}
        for name, case, _code in CORPUS:
            before = fingerprint(db, outbox_folder)
            got[name] = case(db)
            assert fingerprint(db, outbox_folder) == before, name
        assert got == {name: code for name, _case, code in CORPUS}
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("name", "args", "exit_code", "said"), CLI_CORPUS, ids=[c[0] for c in CLI_CORPUS]
)
def test_bad_cli_arguments_end_in_one_clear_line(
    sqlite_url: str,
    outbox_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
    args: list[str],
    exit_code: int,
    said: str,
) -> None:
    for var in ("SERIALPOS_USER", "SERIALPOS_DB", "SERIALPOS_STORE"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "terminal.toml").write_text("")
    monkeypatch.setenv("SERIALPOS_CONFIG", str(tmp_path / "terminal.toml"))
    make_shop(sqlite_url, ["C001"])
    db = Database(sqlite_url)
    before = fingerprint(db, outbox_folder)
    full = args if args[0] == "--db" else ["--db", sqlite_url, *args]
    result = CliRunner().invoke(app, full)
    assert result.exit_code == exit_code, (name, result.output)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert said in result.stderr, result.stderr
    if exit_code == 1:
        assert len(result.stderr.splitlines()) == 1, result.stderr
    assert fingerprint(db, outbox_folder) == before
    db.dispose()
