"""What a count's scan says at once, on SQLite and PostgreSQL: a unit the ledger has sold,
expected or at another store is counted but said with a warning naming its state and the
document that put it there (it showed ✓ and was explained only at review); and a quantity
that would take a product's count or a receipt's line past the per-line limit is refused at
that entry, naming the product and the limit (approval and completion were refused later,
naming no line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.events import DocumentRef
from serialpos.domain.limits import MAX_QUANTITY
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.blind_receiving import open_blind_receipt
from serialpos.services.context import Actor
from serialpos.services.counts.approval import approve
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.console import take
from serialpos.services.counts.reconciling import reconcile
from serialpos.services.counts.scanning import scan
from serialpos.services.counts.views import get_count
from serialpos.services.stock import stock_levels


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["A1", "S9", "W1"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH", serials=["B1"])
    ledger.move(
        db,
        admin,
        Action.SELL,
        store="S1",
        sku="PH",
        serials=["S9"],
        document=DocumentRef("order", "S1-000007"),
    )
    ledger.move(
        db,
        admin,
        Action.EXPECT,
        store="S1",
        sku="PH",
        serials=["E1"],
        document=DocumentRef("asn", "ASN-7"),
    )
    ledger.move(db, admin, Action.ADJUST_REMOVE, store="S1", sku="PH", serials=["W1"])
    return db


WARNED = "counted as found on the shelf; review before approving"


def test_a_unit_the_ledger_has_elsewhere_is_said_at_once(shop: Database, admin: Actor) -> None:
    db = shop
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    sold = scan(db, admin, number, 1, sku="PH", serial="S9")
    assert (sold.verdict, sold.elsewhere, sold.alert) == ("elsewhere", "sold", True)
    assert sold.message == f"S9 is sold (order S1-000007): {WARNED}"
    expected = scan(db, admin, number, 1, sku="PH", serial="E1")
    assert expected.message == f"E1 is expected at S1 (ASN-7): {WARNED}"
    away = scan(db, admin, number, 1, sku="PH", serial="B1")
    assert away.message == f"B1 is in stock at S2: {WARNED}" and away.alert
    # What approval does as a person expects is counted plainly: a unit in stock here, one
    # written off here (approval puts it back), a serial the ledger never saw.
    for serial in ("A1", "W1", "NEW1"):
        plain = scan(db, admin, number, 1, sku="PH", serial=serial)
        assert (plain.verdict, plain.elsewhere, plain.alert) == ("counted", None, False)
    # Seen in another batch too: both said.
    start_batch(db, admin, number, "Bob")
    both = scan(db, admin, number, 2, sku="PH", serial="S9")
    assert both.verdict == "other_batch" and both.elsewhere == "sold"
    assert both.message.startswith(f"S9 is sold (order S1-000007): {WARNED}; serial S9 of PH")
    # The console's bare serial says the same (it resolves the unit, then scans it).
    said = take(db, admin, number, 2, text="E1")
    assert said.outcome is not None and said.outcome.elsewhere == "expected"
    assert said.message.startswith(f"E1 is expected at S1 (ASN-7): {WARNED}; serial E1")
    # The review lists the same units under Elsewhere, with the same state, and approval
    # leaves them where the ledger has them.
    result = reconcile(db, number)
    assert {(e.sku, e.serial, e.state, e.action) for e in result.elsewhere} == {
        ("PH", "S9", "sold", "leave"),
        ("PH", "E1", "expected", "leave"),
        ("PH", "B1", "in_stock", "leave"),
        ("PH", "W1", "written_off", "restore"),
    }


def test_a_count_refuses_a_quantity_past_the_limit_naming_the_product(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    scan(db, admin, number, 1, sku="CAB", quantity=MAX_QUANTITY - 1)
    start_batch(db, admin, number, "Bob")  # the limit is the count's, over every batch
    scan(db, admin, number, 2, sku="CAB", quantity=1)
    with pytest.raises(
        BadRequest,
        match=f"CAB: 1,000,000 counted in {number}, \\+1 would pass the limit of 1,000,000 "
        "for one product: not counted",
    ):
        scan(db, admin, number, 2, sku="CAB", quantity=1)
    with pytest.raises(BadRequest, match="CAB: 1,000,000 counted"):
        take(db, admin, number, 2, text="+5", current="CAB")
    assert [b.scans for b in get_count(db, number).batches] == [MAX_QUANTITY - 1, 1]
    scan(db, admin, number, 2, sku="CAB", quantity=-1)  # taking back still works
    scan(db, admin, number, 2, sku="CAB", quantity=1)
    done = approve(db, admin, number, tmp_path)
    assert done.reconciliation.approved
    assert {ln.sku: ln.quantity for ln in stock_levels(db, "S1")}["CAB"] == MAX_QUANTITY


def test_a_receipt_line_refuses_a_quantity_past_the_limit(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    session = open_blind_receipt(shop, admin, "S1", "Acme", None, outbox_folder)
    session.add_product("CAB")
    session.count("CAB", 999_999)
    with pytest.raises(
        BadRequest,
        match="CAB: 999,999 counted, \\+2 would pass the limit of 1,000,000 for one line",
    ):
        session.count("CAB", 2)
    assert session.checklist.line("CAB").counted == 999_999
    session.count("CAB", 1)
    assert session.complete().received == MAX_QUANTITY


def test_an_unlikely_typed_quantity_is_asked_before_it_is_counted(
    shop: Database, admin: Actor
) -> None:
    """``+400123`` at a count was counted at once; now it is a question (UnlikelyQuantity,
    nothing counted) until the person says yes (``sure``); ``+5`` and a host's scan
    (``scan``) are counted unasked."""
    from serialpos.domain.quantity_entry import UnlikelyQuantity

    db = shop
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    take(db, admin, number, 1, text="+5", current="CAB")
    with pytest.raises(UnlikelyQuantity, match=r"^Count 400,123 CAB\? More than 999"):
        take(db, admin, number, 1, text="+400123", current="CAB")
    with pytest.raises(UnlikelyQuantity, match=r"^Take back 1,200 CAB\?"):
        take(db, admin, number, 1, text="-1200", current="CAB")
    assert [b.scans for b in get_count(db, number).batches] == [5]
    take(db, admin, number, 1, text="+400123", current="CAB", sure=True)
    scan(db, admin, number, 1, sku="CAB", quantity=2000)
    assert [b.scans for b in get_count(db, number).batches] == [402_128]


def test_a_number_past_six_digits_is_refused_at_once_not_asked_about(
    shop: Database, admin: Actor
) -> None:
    """``+99999999999`` at a count asked "Count 99,999,999,999 CAB? More than 999 in one
    entry." and only the yes was refused ("must be 1 to 1,000,000"); receiving refuses such a
    number at once, naming what one entry takes. Now a count does too, and counts nothing."""
    db = shop
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    for text, shown in (("+99999999999", "+99999999999"), ("-1000000", "-1000000")):
        with pytest.raises(BadRequest) as refused:
            take(db, admin, number, 1, text=text, current="CAB")
        assert refused.value.message == (
            f"CAB: '{shown}' is not a quantity (at most 999,999 units in one entry): "
            "nothing counted."
        )
    assert [b.scans for b in get_count(db, number).batches] == [0]
