"""``serialpos customers add|find|show|edit`` on a real SQLite file: a record found by any field
in any case, what they bought (serials included), the serial's card naming them, markup shown
literally, and bad input refused in one line with nothing changed."""

from __future__ import annotations

from pathlib import Path

from test_cli_core import Cli

from serialpos.domain.states import Action
from serialpos.services import ledger, users
from serialpos.services.order_customer import attach_customer
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.lines import NewOrder, add_item
from serialpos.services.product_import import import_products_text

CATALOGUE = "SKU,Name,Price,Serial Number Option\nPH1,Aurora phone,100.00,Required\n"


def make_shop(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    cli("db", "init")
    cli("user", "add", "ada", "--role", "admin", "--pin", "4821")
    cli("store", "add", "S1", "Main Street", user="ada")
    cli("user", "add", "cam", "--role", "cashier", "--pin", "1111", user="ada")
    return cli


def test_add_find_show_edit(tmp_path: Path) -> None:
    cli = make_shop(tmp_path)
    made = cli.json(
        "customers", "add", "Ann Müller", "--phone", "+44 7700 900123",
        "--email", "ann@example.com", "--address", "1 Quay St", user="cam",
    )  # fmt: skip
    assert made["name"] == "Ann Müller" and isinstance(made["id"], int)
    ann = str(made["id"])
    db = cli.database()
    ada = users.actor_for(db, "ada", "t1")
    import_products_text(db, ada, CATALOGUE)
    ledger.move(db, ada, Action.RECEIVE, store="S1", sku="PH1", serials=["SN-7"])
    order = attach_customer(db, ada, None, int(ann), start=NewOrder("S1")).order
    add_item(db, ada, order, sku="PH1", serial="SN-7")
    invoice = fulfil(db, ada, order, settle_in="cash").invoice
    db.dispose()

    for query in ("MÜLLER", "ann@EXAMPLE", "7700900", "quay st"):
        found = cli.json("customers", "find", query, user="cam")
        assert [c["id"] for c in found["customers"]] == [made["id"]], query
    text = cli("customers", "find", "ann", user="cam").stdout
    assert "Ann Müller" in text and "1 Quay St" in text
    shown = cli("customers", "show", ann, user="cam").stdout
    assert "customer" in shown and "SN-7" in shown and invoice in shown and "sold" in shown
    card = cli.json("customers", "show", ann, user="cam")
    assert [(b["sku"], b["serial"], b["invoice"]) for b in card["bought"]] == [
        ("PH1", "SN-7", invoice)
    ]
    cli("customers", "edit", ann, "--name", "Ann Lee", user="cam")
    (unit,) = cli.json("serial", "show", "SN-7")
    assert unit["customer"] == "Ann Lee"
    assert "customer Ann Lee" in cli("serial", "show", "SN-7").stdout


def test_markup_literal_and_bad_input(tmp_path: Path) -> None:
    cli = make_shop(tmp_path)
    made = cli.json("customers", "add", "[bold red]Eve[/]", user="cam")
    out = cli("customers", "show", str(made["id"]), user="cam").stdout
    assert "[bold red]Eve[/]" in out
    assert "[bold red]Eve[/]" in cli("customers", "find", "eve", user="cam").stdout
    bad = cli("customers", "add", "Eve\x1b[2J", user="cam", code=1)
    assert "control character" in bad.stderr and "\x1b" not in bad.stderr
    assert "customer name" in bad.stderr
    cli("customers", "find", "nobody", user="cam", code=1)
    cli("customers", "show", "x1", user="cam", code=1)
    assert "no customer 99" in cli("customers", "show", "99", user="cam", code=1).stderr
    cli("customers", "edit", str(made["id"]), user="cam", code=1)
    cli("customers", "edit", str(made["id"]), "--name", "", user="cam", code=1)
    assert cli.json("customers", "find", "eve", user="cam")["customers"][0]["name"] == (
        "[bold red]Eve[/]"
    )
