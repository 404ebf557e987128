"""``serialpos serial show`` with warranty and timeline, and ``serialpos serial search``, on a
real SQLite file with units received through the ledger and sold through the orders service."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_cli_core import Cli

from serialpos.cli.app import app
from serialpos.domain.states import Action
from serialpos.domain.warranty import add_months
from serialpos.services import ledger, users
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order, set_customer
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.orders.views import Customer
from serialpos.services.product_import import import_products_text

CATALOGUE = (
    "SKU,Name,Price,Serial Number Option,WarrantyMonths\n"
    "PH1,Aurora phone,100.00,Required,12\n"
    "DR1,Drill,50.00,Required,\n"
)


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Cli, str, str]:
    """Units SN-001..SN-060 and sn-lower of PH1 at S1, DR1 unit SN-001 at S2; SN-002 sold to
    Ann Buyer. Returns the CLI, the order and the invoice."""
    cli = Cli(tmp_path)
    cli("db", "init")
    cli("user", "add", "ada", "--role", "admin", "--pin", "4821")
    cli("store", "add", "S1", "Main Street", user="ada")
    cli("store", "add", "S2", "Harbour Mall", user="ada")
    db = cli.database()
    ada = users.actor_for(db, "ada", "t1")
    import_products_text(db, ada, CATALOGUE)
    ledger.move(
        db,
        ada,
        Action.RECEIVE,
        store="S1",
        sku="PH1",
        serials=[f"SN-{n:03d}" for n in range(1, 61)] + ["sn-lower"],
    )
    # Two makers' SN-001, both live: only with a manager's word (issue 10).
    ledger.move(db, ada, Action.RECEIVE, store="S2", sku="DR1", serials=["SN-001"], shared_by=ada)
    order = open_order(db, ada, "S1").order
    set_customer(db, ada, order, Customer("Ann Buyer", "555-0101", None))
    add_item(db, ada, order, sku="PH1")
    set_serial(db, ada, order, get_order(db, order).lines[0].line, "SN-002")
    invoice = fulfil(db, ada, order, settle_in="cash").invoice
    db.dispose()
    return cli, order, invoice


def test_show_gains_warranty_and_timeline(shop: tuple[Cli, str, str]) -> None:
    cli, order, invoice = shop
    ends = add_months(date.today(), 12)
    text = cli("serial", "show", "SN-002").stdout
    assert "SN-002 — PH1 Aurora phone: sold at S1" in text
    assert f"warranty: in warranty until {ends.isoformat()} (" in text
    assert "received into stock at S1" in text and "sold at S1" in text
    assert f"order {order} line 1" in text
    assert f"order {order} line 1 (fulfilled), invoice {invoice}, customer Ann Buyer" in text
    assert "from" not in text.split("warranty")[1]  # the ledger table only with --events
    with_events = cli("serial", "show", "SN-002", "--events").stdout
    assert "in_stock" in with_events and "t1" in with_events

    (card,) = cli.json("serial", "show", "SN-002")
    assert {
        "sku",
        "serial",
        "state",
        "store",
        "product",
        "package",
        "components",
        "sale",
        "events",
    } <= set(card)
    assert card["sale"]["invoice"] == invoice
    assert card["customer"] == card["sale"]["customer"] == "Ann Buyer"  # who bought it
    assert card["warranty"]["state"] == "active"
    assert card["warranty"]["ends_on"] == ends.isoformat()
    assert card["warranty"]["sold_on"] == date.today().isoformat()
    assert card["warranty_months"] == 12
    assert [t["what"] for t in card["timeline"]] == [
        "received into stock at S1",
        "put on a customer order at S1 (reserved)",
        "sold at S1",
    ]
    assert card["timeline"][2]["document"] == f"order {order} line 1"


def test_show_warranty_words_for_unsold_and_unset(shop: tuple[Cli, str, str]) -> None:
    cli, _order, _invoice = shop
    cards = {c["sku"]: c for c in cli.json("serial", "show", "SN-001")}
    assert cards["PH1"]["warranty"]["words"] == "not sold (warranty starts at sale)"
    assert cards["DR1"]["warranty"]["state"] == "not_sold"
    assert cards["PH1"]["customer"] is None and cards["PH1"]["sale"] is None
    text = cli("serial", "show", "SN-001", "--sku", "DR1").stdout
    assert "warranty: not sold (warranty starts at sale)" in text


def test_search_table(shop: tuple[Cli, str, str]) -> None:
    cli, _order, invoice = shop
    text = cli("serial", "search", "SN-00").stdout
    for column in ("serial", "SKU", "product", "state", "store", "sold on", "invoice", "customer"):
        assert column in text
    lines = [ln for ln in text.splitlines() if "SN-002" in ln]
    assert len(lines) == 1
    assert all(
        word in lines[0]
        for word in ("PH1", "sold", "S1", date.today().isoformat(), invoice, "Ann Buyer")
    )
    assert "10 units" in text  # SN-001 twice (PH1 and DR1), SN-002..SN-009
    assert "sn-lower" not in text


def test_search_limit_and_truncation(shop: tuple[Cli, str, str]) -> None:
    cli, _order, _invoice = shop
    default = cli.json("serial", "search", "SN-")
    assert len(default["matches"]) == 50 and default["truncated"] and default["limit"] == 50
    assert default["matches"][0]["serial"] == "SN-001"
    everything = cli.json("serial", "search", "SN-", "--limit", "100")
    assert len(everything["matches"]) == 61 and not everything["truncated"]
    text = cli("serial", "search", "SN-", "--limit", "3").stdout
    assert "the first 3 units shown; more start with 'SN-'" in text
    sold = next(m for m in everything["matches"] if m["serial"] == "SN-002")
    assert (sold["customer"], sold["line_status"], sold["state"]) == (
        "Ann Buyer",
        "fulfilled",
        "sold",
    )
    assert sold["sold_at"].endswith("Z")


def test_search_case_sensitive_and_nothing_found(shop: tuple[Cli, str, str]) -> None:
    cli, _order, _invoice = shop
    assert [m["serial"] for m in cli.json("serial", "search", "sn")["matches"]] == ["sn-lower"]
    refused = cli("serial", "search", "Sn", code=1)
    assert refused.stderr == "error: no serial starts with 'Sn' (serials are case-sensitive)\n"
    as_json = cli.runner.invoke(
        app, ["--db", cli.url, "serial", "search", "XX", "--json"], env=cli.env
    )
    assert as_json.exit_code == 1
    assert '"matches": []' in as_json.stdout


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["  "], 1, "type the start of a serial to search for"),
        (["SN\x1b[31m"], 1, "contains control characters"),
        (["SN", "--limit", "0"], 2, "'--limit': Input should be greater than or equal to 1"),
        (["SN", "--limit", "10001"], 2, "'--limit': Input should be less than or equal to 10000"),
        (["SN", "--limit", "many"], 2, "'--limit': Input should be a valid integer"),
    ],
)
def test_search_bad_input(
    shop: tuple[Cli, str, str], args: list[str], code: int, words: str
) -> None:
    cli, _order, _invoice = shop
    result = cli("serial", "search", *args, code=code)
    assert words in result.stderr
    assert "\x1b" not in result.stderr
