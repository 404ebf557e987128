"""A new user's walk found ways in that the serial rules did not cover, on SQLite and
PostgreSQL: an ASN id, a vendor, a store, a SKU or a document id holding an invisible
character (one vendor shipment imported and received twice); a list separator inside a new
serial (two labels made one unit); an empty ``serials`` list (one unlabelled unit moved); an
amount in exponent notation or full-width digits; and the ASN receipt's store code and its
report of serials listed on one of a product's two lines. Each refusal changes nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_bounded_numbers import recorded

from serialpos.db.engine import Database
from serialpos.domain.asn_rows import AsnFileRefused
from serialpos.domain.errors import BadRequest, BadValue, DomainError
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.blind_receiving import open_blind_receipt
from serialpos.services.context import Actor
from serialpos.services.rtv import StockItem, return_to_vendor

HEADER = "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="CABLE", name="Cable", price=Decimal("12.99"))
    products.create_product(db, admin, sku="DRILL", name="Drill", serial_mode="optional")
    products.create_product(
        db, admin, sku="SAW", name="Saw", serial_mode="required", serial_format=r"^SW [0-9]{4}$"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["D-1", "D-2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CABLE", quantity=5)
    return db


def asn_file(db: Database, admin: Actor, rows: str) -> None:
    import_asn_data(db, admin, "a.csv", (HEADER + rows).encode(), "S1")


def test_an_asn_id_with_a_zero_width_space_is_not_a_second_asn(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    asn_file(shop, admin, "Y-2,V,CABLE,5,,\n")
    before = recorded(shop)
    for rows in (
        "Y-2\u200b,V,CABLE,5,,\n",
        "Y-2\u200b\u200b,V,CABLE,5,,\n",
        "Y-3,V\u200b,CABLE,5,,\n",
    ):
        with pytest.raises(AsnFileRefused) as refused:
            asn_file(shop, admin, rows)
        [problem] = refused.value.problems
        assert "holds an invisible character (U+200B at position" in problem.message
    verdict = apply_object(
        shop, admin, {"op": "asn_receive", "asn": "Y-2\u200b", "store": "S1", "scans": []}
    )
    assert (verdict["ok"], verdict["error"]) == (False, "bad_request"), verdict
    assert (
        "'asn' 'Y-2<U+200B>' holds an invisible character (U+200B at position 4)"
        in (verdict["message"])
    )
    assert recorded(shop) == before


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ({"op": "receive", "store": "S1\u200b", "sku": "CABLE", "quantity": 1}, "store"),
        ({"op": "receive", "store": "S1", "sku": "CABLE\u2060", "quantity": 1}, "sku"),
        (
            {
                "op": "receive",
                "store": "S1",
                "sku": "CABLE",
                "quantity": 1,
                "document": "PO\u200b7",
            },
            "document",
        ),
        (
            {
                "op": "transfer_out",
                "store": "S1",
                "sku": "CABLE",
                "quantity": 1,
                "to": "S2",
                "transfer": "T\u00a05",
            },
            "transfer",
        ),
        (
            {
                "op": "rtv",
                "store": "S1",
                "vendor": "Acme\ufeff",
                "reason": "faulty",
                "items": [{"sku": "CABLE", "quantity": 1}],
            },
            "vendor",
        ),
        (
            {
                "op": "receive",
                "store": "S1",
                "vendor": "Acme\u200b",
                "items": [{"sku": "CABLE", "quantity": 1}],
            },
            "vendor",
        ),
        ({"op": "order_void", "order": "S1-000001\u200b"}, "order"),
    ],
)
def test_an_id_or_name_with_an_invisible_character_is_bad_request_naming_it(
    shop: Database, admin: Actor, outbox_folder: Path, line: dict[str, Any], key: str
) -> None:
    before = recorded(shop)
    verdict = apply_object(shop, admin, line)
    assert (verdict["ok"], verdict["error"]) == (False, "bad_request"), verdict
    assert (
        f"'{key}' '" in verdict["message"]
        and "holds an invisible character (U+" in (verdict["message"])
    )
    assert recorded(shop) == before


def test_a_reason_is_words_and_keeps_what_was_sent(shop: Database, admin: Actor) -> None:
    verdict = apply_object(
        shop,
        admin,
        {"op": "adjust", "store": "S1", "sku": "CABLE", "quantity": -1, "reason": "wet\u00a0box"},
    )
    assert verdict["ok"], verdict


def test_a_blind_receipts_vendor_with_an_invisible_character_is_refused(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    with pytest.raises(BadValue, match=r"vendor 'Acme<U\+200B>' holds an invisible character"):
        open_blind_receipt(shop, admin, "S1", "Acme\u200b", None, outbox_folder)


@pytest.mark.parametrize("serial", ["QQ-1,QQ-2", "QQ-3 QQ-4", "QQ-5;QQ-6", "QQ-7|QQ-8"])
def test_a_new_serial_holding_a_list_separator_makes_no_unit(
    shop: Database, admin: Actor, outbox_folder: Path, serial: str
) -> None:
    before = recorded(shop)
    for line in (
        {"op": "receive", "store": "S1", "sku": "DRILL", "serial": serial},
        {"op": "receive", "store": "S1", "sku": "DRILL", "serials": ["QQ-9", serial]},
        {"op": "adjust", "store": "S1", "sku": "DRILL", "add": [serial], "reason": "found"},
        {
            "op": "count",
            "store": "S1",
            "batches": [{"counter": "Ann", "scans": [{"sku": "DRILL", "serial": serial}]}],
            "approve": True,
        },
        {
            "op": "receive",
            "store": "S1",
            "vendor": "V",
            "items": [{"sku": "DRILL", "serials": [serial]}],
        },
    ):
        verdict = apply_object(shop, admin, line)
        assert (verdict["ok"], verdict["error"]) == (False, "merged_scan"), (line, verdict)
        assert f"'{serial}' holds a" in verdict["message"]
    console = open_blind_receipt(shop, admin, "S1", "Acme", None, outbox_folder)
    with pytest.raises(DomainError) as scanned:  # the console's blind receipt scan
        console.scan("DRILL", serial)
    assert scanned.value.code == "merged_scan" and f"'{serial}' holds a" in str(scanned.value)
    if "|" not in serial:  # an ASN file's Serials cell is split on "|": two serials there
        with pytest.raises(AsnFileRefused) as refused:
            asn_file(shop, admin, f'Z-1,V,DRILL,1,"{serial}",\n')
        [problem] = refused.value.problems
        assert problem.message.startswith(f"'{serial}' holds a "), problem
    assert recorded(shop) == before


def test_a_serial_with_a_space_its_products_format_takes_is_received(
    shop: Database, admin: Actor
) -> None:
    verdict = apply_object(
        shop, admin, {"op": "receive", "store": "S1", "sku": "SAW", "serial": "SW 1234"}
    )
    assert verdict["ok"], verdict


def test_a_recorded_serial_holding_a_separator_still_moves(shop: Database, admin: Actor) -> None:
    """Only a new unit is asked: a unit recorded before the rule is sold by its serial."""
    ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="SAW", serials=["SW 0001"])
    verdict = apply_object(
        shop, admin, {"op": "sell", "store": "S1", "sku": "SAW", "serial": "SW 0001"}
    )
    assert verdict["ok"], verdict


@pytest.mark.parametrize("op", ["receive", "rtv", "sell"])
def test_an_empty_serials_list_moves_nothing(shop: Database, admin: Actor, op: str) -> None:
    before = recorded(shop)
    line: dict[str, Any] = {"op": op, "store": "S1", "sku": "DRILL", "serials": []}
    if op == "rtv":
        line["vendor"] = "V"
    verdict = apply_object(shop, admin, line)
    assert (verdict["ok"], verdict["error"]) == (False, "bad_request"), verdict
    assert "'serials' is an empty list" in verdict["message"]
    assert recorded(shop) == before


def test_an_empty_serials_list_with_a_quantity_is_that_quantity(
    shop: Database, admin: Actor
) -> None:
    verdict = apply_object(
        shop, admin, {"op": "receive", "store": "S1", "sku": "CABLE", "serials": [], "quantity": 2}
    )
    assert verdict["ok"] and verdict["quantity"] == 2, verdict


@pytest.mark.parametrize("amount", ["1e2", "１２", "１５.５９", "1E+1"])
def test_an_amount_or_price_not_in_plain_ascii_is_refused_naming_the_field(
    shop: Database, admin: Actor, amount: str
) -> None:
    before = recorded(shop)
    priced = apply_object(
        shop,
        admin,
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "CABLE", "quantity": 1, "price": amount, "reason": "match"}],
        },
    )
    assert (priced["ok"], priced["error"]) == (False, "bad_value"), priced
    assert f"lines[1]: price '{amount}'" in priced["message"]
    paid = apply_object(
        shop,
        admin,
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "CABLE", "quantity": 1}],
            "fulfil": True,
            "payments": [{"method": "cash", "amount": amount}],
        },
    )
    assert (paid["ok"], paid["error"]) == (False, "bad_value"), paid
    assert f"payments[1].amount '{amount}'" in paid["message"]
    assert recorded(shop) == before


def test_an_asn_received_at_another_store_is_wrong_store(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    asn_file(shop, admin, "Y-9,V,CABLE,1,,\n")
    verdict = apply_object(
        shop, admin, {"op": "asn_receive", "asn": "Y-9", "store": "S2", "scans": [{"sku": "CABLE"}]}
    )
    assert (verdict["ok"], verdict["error"]) == (False, "wrong_store"), verdict
    assert verdict["message"] == "ASN Y-9 is for store S1, not S2"
    unknown = apply_object(
        shop, admin, {"op": "asn_receive", "asn": "Y-9", "store": "S7", "scans": [{"sku": "CABLE"}]}
    )
    assert unknown["error"] == "unknown_store", unknown


def test_a_serial_listed_on_one_of_a_products_two_lines_is_reported_missing(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    asn_file(shop, admin, "Y-6,V,DRILL,1,DRL-L1,\nY-6,V,DRILL,1,,\n")
    receipt = {
        "op": "asn_receive",
        "asn": "Y-6",
        "store": "S1",
        "scans": [{"sku": "DRILL", "serial": "DRL-X1"}, {"sku": "DRILL", "serial": "DRL-X2"}],
    }
    # Without ``complete`` the listed serial not arrived is a discrepancy to accept, as on a
    # one-line ASN (services/asn/listed_check.py); nothing is received.
    refused = apply_object(shop, admin, {**receipt, "id": "y6-first"})
    assert refused["error"] == "discrepancies" and "DRL-L1" in refused["message"], refused
    verdict = apply_object(shop, admin, {**receipt, "complete": True})
    assert verdict["ok"], verdict
    [drill] = verdict["skus"]
    assert drill["expected_serials"] == ["DRL-L1"]
    assert drill["missing"] == ["DRL-L1"]


def test_the_consoles_return_to_vendor_refuses_a_vendor_a_till_could_not_journal(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    """The console's vendor follows apply's rule, so a till never records a return to a
    vendor central then refuses."""
    before = recorded(shop)
    with pytest.raises(BadRequest, match=r"vendor 'Acme<U\+200B>' holds an invisible"):
        return_to_vendor(
            shop, admin, "S1", "Acme\u200b", "faulty", [StockItem("CABLE", (), 1)], outbox_folder
        )
    assert recorded(shop) == before


def test_a_customers_details_are_words_a_till_journals_as_typed(
    shop: Database, admin: Actor
) -> None:
    """A customer's name, phone and email typed at a till's counter reach central in its
    journal entry: refusing them there would leave a sale the till made and central did not."""
    made = apply_object(
        shop,
        admin,
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "CABLE", "quantity": 1}],
            "customer": {"name": "Ana\u00a0Lima", "phone": "555\u00a01234", "address": "1 Rd"},
        },
    )
    assert made["ok"], made
