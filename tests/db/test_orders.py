"""Sale orders through the services, on SQLite and PostgreSQL: the whole counter flow, every
refusal, the events each serial correction leaves, and a clean ledger check after each flow."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadSerial, DomainError, PermissionDenied, SerialRequired
from serialpos.domain.orders import LineStatus, OrderStatus, SerialIndicator
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, settings, users
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.checkout import add_payment, fulfil
from serialpos.services.orders.header import open_order, park, resume, set_customer, void
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.lines import add_item, add_scan, remove_line, set_quantity
from serialpos.services.orders.reading import get_order, list_orders, pending_serial_lines
from serialpos.services.orders.serials import set_serial
from serialpos.services.orders.views import Customer
from serialpos.services.stock import stock_levels

IMEI = [
    "356938035643809",
    "490154203237518",
    "867530012345672",
    "352099001761481",
    "353325091234561",
]
PH_BARCODE = "4006381333931"  # EAN-13 of PH1
OTHER_BARCODE = "9780201379624"  # EAN-13 of LT1


def setup_catalogue(db: Database, admin: Actor) -> None:
    products.create_product(
        db,
        admin,
        sku="PH1",
        name="Phone",
        price=Decimal("499.99"),
        serial_mode="required",
        serial_format="imei",
        barcodes=(PH_BARCODE,),
    )
    products.create_product(
        db,
        admin,
        sku="LT1",
        name="Laptop",
        price=Decimal("999.00"),
        serial_mode="optional",
        barcodes=(OTHER_BARCODE,),
    )
    products.create_product(db, admin, sku="CB1", name="Cable", price=Decimal("9.50"))
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(repo.product_t)
            .where(repo.product_t.c.sku == "PH1")
            .values(tax_rate=Decimal("20"))
        )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=IMEI[:3])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", serials=[IMEI[3]])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT1", serials=["LT-A", "LT-B"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB1", quantity=10)


@pytest.fixture
def shop(db: Database, admin: Actor) -> Actor:
    setup_catalogue(db, admin)
    users.add_user(db, admin, "cam", "cashier", "1111")
    users.add_user(db, admin, "max", "manager", "2222")
    return users.actor_for(db, "cam", "till-1")


def state_of(db: Database, serial: str) -> tuple[str, str]:
    cards = lookup.lookup_serial(db, serial)
    assert len(cards) == 1
    return cards[0].state, cards[0].store


def events_of(db: Database, serial: str) -> list[tuple[str, str | None, str | None]]:
    card = lookup.lookup_serial(db, serial)[0]
    return [(e.action, e.document_type, e.document_line) for e in card.events]


def clean(db: Database) -> None:
    assert [f for f in check_ledger(db) if f.violation] == []


def _unlabelled_laptop(db: Database) -> None:
    """One laptop received without a label: the one a sale may take without a serial (the
    labelled units leave by their serials, services/unlabelled.py)."""
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="LT1", quantity=1)


def test_counter_sale_whole_flow(db: Database, shop: Actor) -> None:
    cam = shop
    _unlabelled_laptop(db)
    view = open_order(db, cam, "S1")
    assert view.order == "S1-000001" and view.status is OrderStatus.OPEN
    assert open_order(db, cam, "S1").order == "S1-000002"

    added = add_item(db, cam, view.order, barcode="0" + PH_BARCODE)  # GTIN-14 form
    assert added.prompt_serial and not added.merged
    line = added.order.lines[0]
    assert (line.line, line.number, line.sku, line.quantity) == (added.line, 1, "PH1", 1)
    assert line.indicator is SerialIndicator.MISSING_REQUIRED
    assert (line.net, line.tax, line.total) == (
        Decimal("499.99"),
        Decimal("100.00"),
        Decimal("599.99"),
    )

    with pytest.raises(SerialRequired, match=r"line 1 \(PH1\)") as refused:
        fulfil(db, cam, view.order, payments=[("cash", Decimal("1000"))])
    assert refused.value.code == "serial_required"
    assert get_order(db, view.order).payments == ()  # nothing recorded

    # record, then correct the serial: the old unit goes back with its serial on the event
    set_serial(db, cam, view.order, line.line, IMEI[0])
    assert state_of(db, IMEI[0]) == ("reserved", "S1")
    after = set_serial(db, cam, view.order, line.line, IMEI[1])
    assert after.lines[0].serial == IMEI[1]
    assert after.lines[0].indicator is SerialIndicator.RECORDED
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    assert state_of(db, IMEI[1]) == ("reserved", "S1")
    assert events_of(db, IMEI[0]) == [
        ("receive", None, None),
        ("reserve", "order", "1"),
        ("release", "order", "1"),
    ]
    release = lookup.lookup_serial(db, IMEI[0])[0].events[-1]
    assert (release.serial, release.document_id, release.user) == (IMEI[0], view.order, "cam")

    # a cable twice merges (aggregate on), a laptop is a line of its own per unit
    add_item(db, cam, view.order, sku="CB1")
    merged = add_item(db, cam, view.order, sku="CB1")
    assert merged.merged and merged.order.lines[1].quantity == 2
    lt = add_item(db, cam, view.order, sku="LT1")
    assert not lt.prompt_serial  # optional: no prompt
    lt2 = add_item(db, cam, view.order, sku="LT1", serial="LT-A")
    assert [ln.indicator for ln in lt2.order.lines[2:]] == [
        SerialIndicator.MISSING_OPTIONAL,
        SerialIndicator.RECORDED,
    ]
    assert state_of(db, "LT-A") == ("reserved", "S1")

    total = lt2.order.totals.total
    assert total == Decimal("599.99") + Decimal("19.00") + Decimal("1998.00")
    done = fulfil(
        db, cam, view.order, payments=[("card", Decimal("2000.00")), ("cash", Decimal("700.00"))]
    )
    assert done.invoice == "INV-S1-000001"
    assert done.change_due == Decimal("2700.00") - total
    final = done.order
    assert final.status is OrderStatus.FULFILLED
    assert {ln.status for ln in final.lines} == {LineStatus.FULFILLED}
    assert final.invoices == ("INV-S1-000001",)
    assert final.totals.paid == total and final.totals.due == 0
    assert state_of(db, IMEI[1]) == ("sold", "S1")
    assert state_of(db, "LT-A") == ("sold", "S1")
    assert events_of(db, IMEI[1])[-1] == ("sell", "order", "1")

    # after fulfilment a serial is fixed
    with pytest.raises(DomainError, match="return it and re-issue") as fixed:
        set_serial(db, cam, view.order, line.line, IMEI[2])
    assert fixed.value.code in ("line_fulfilled", "order_closed")

    levels = {(s.sku, s.store): s.quantity for s in stock_levels(db)}
    assert levels[("PH1", "S1")] == 2 and levels[("CB1", "S1")] == 8
    assert levels[("LT1", "S1")] == 1  # LT-B in stock, the unlabelled laptop sold
    clean(db)


def test_a_fulfilled_line_on_an_open_order_keeps_its_serial(db: Database, shop: Actor) -> None:
    order = open_order(db, shop, "S1", type="layby").order
    a = add_item(db, shop, order, sku="PH1", serial=IMEI[0]).line
    add_item(db, shop, order, sku="CB1")
    fulfil(db, shop, order, lines=[a], payments=[("cash", Decimal("599.99"))])
    with pytest.raises(DomainError, match="fulfilled: return it and re-issue") as refused:
        set_serial(db, shop, order, a, IMEI[1])
    assert refused.value.code == "line_fulfilled"
    with pytest.raises(DomainError):
        remove_line(db, shop, order, a)
    clean(db)


def test_serial_refusals(db: Database, shop: Actor) -> None:
    cam = shop
    order = open_order(db, cam, "S1").order
    line = add_item(db, cam, order, sku="PH1").line

    def refused(serial: str, **kw: str) -> DomainError:
        with pytest.raises(DomainError) as exc:
            set_serial(db, cam, order, line, serial, **kw)
        return exc.value

    own = refused(PH_BARCODE)
    assert (
        isinstance(own, BadSerial)
        and "that is the product's barcode, not its serial" in own.message
    )
    assert "product's barcode" in refused("0" + PH_BARCODE).message  # any GTIN form
    assert "barcode of product LT1" in refused(OTHER_BARCODE).message
    assert refused("356938035643800").code == "bad_serial_format"  # IMEI check digit
    assert refused(IMEI[3]).code == "not_in_stock"
    assert "at S2" in refused(IMEI[3]).message

    sold = open_order(db, cam, "S1").order
    add_item(db, cam, sold, sku="PH1", serial=IMEI[2])
    fulfil(db, cam, sold, settle_in="cash")
    assert refused(IMEI[2]).code == "already_sold"

    other = open_order(db, cam, "S1").order
    add_item(db, cam, other, sku="PH1", serial=IMEI[1])
    taken = refused(IMEI[1])
    assert taken.code == "reserved" and other in taken.message

    set_serial(db, cam, order, line, IMEI[0])
    second = add_item(db, cam, order, sku="PH1").line
    with pytest.raises(DomainError) as twice:
        set_serial(db, cam, order, second, IMEI[0])
    assert twice.value.code == "duplicate_serial"

    unknown = "990001234567899"
    assert refused(unknown).code == "unknown_unit"
    with pytest.raises(PermissionDenied):
        set_serial(db, cam, order, second, unknown, override_user="cam", override_pin="1111")
    with pytest.raises(DomainError) as bad_pin:
        set_serial(db, cam, order, second, unknown, override_user="max", override_pin="9999")
    assert bad_pin.value.code == "bad_pin"
    view = set_serial(db, cam, order, second, unknown, override_user="max", override_pin="2222")
    assert view.line_by_id(second).serial == unknown
    assert state_of(db, unknown) == ("reserved", "S1")
    card = lookup.lookup_serial(db, unknown)[0]
    assert [(e.action, e.user) for e in card.events] == [("adjust_add", "max"), ("reserve", "cam")]
    assert card.events[0].reason == "manager override by max: unit not known to the ledger"

    # at add time too: refused whole without an override, added and reserved with one
    other_unknown = "012345678901237"
    lines_before = len(get_order(db, order).lines)
    with pytest.raises(DomainError) as at_add:
        add_item(db, cam, order, sku="PH1", serial=other_unknown)
    assert at_add.value.code == "unknown_unit"
    assert len(get_order(db, order).lines) == lines_before
    added = add_item(
        db, cam, order, sku="PH1", serial=other_unknown, override_user="max", override_pin="2222"
    )
    assert added.order.line_by_id(added.line).serial == other_unknown
    assert state_of(db, other_unknown) == ("reserved", "S1")

    # removing the serial releases the unit
    view = set_serial(db, cam, order, line, "")
    assert view.line_by_id(line).serial is None
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    with pytest.raises(DomainError) as not_serialized:
        set_serial(db, cam, order, add_item(db, cam, order, sku="CB1").line, "X1")
    assert not_serialized.value.code == "not_serialized"
    clean(db)


def test_serialized_inventory_off_captures_serials_without_moving_units(
    db: Database, shop: Actor, admin: Actor
) -> None:
    settings.set_setting(db, admin, "serialized_inventory", "false", "S2")
    order = open_order(db, shop, "S2").order
    line = add_item(db, shop, order, sku="PH1").line
    with pytest.raises(BadSerial):
        set_serial(db, shop, order, line, "12345")
    # a serial the ledger does not know, or one in stock at S2: captured, nothing moves
    set_serial(db, shop, order, line, IMEI[4])
    assert lookup.lookup_serial(db, IMEI[4]) == []
    set_serial(db, shop, order, line, IMEI[3])
    assert state_of(db, IMEI[3]) == ("in_stock", "S2")
    done = fulfil(db, shop, order, settle_in="card")
    assert done.order.lines[0].serial == IMEI[3]
    e = repo.event_t.c
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(e.action, e.serial, e.quantity, e.document_id).where(
                e.document_type == "order"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("sell", IMEI[3], -1, order)]
    clean(db)


def test_lines_quantities_remove_void_park(db: Database, shop: Actor, admin: Actor) -> None:
    cam = shop
    order = open_order(db, cam, "S1").order
    ph = add_item(db, cam, order, sku="PH1", serial=IMEI[0])
    with pytest.raises(DomainError, match="add another line") as raised:
        set_quantity(db, cam, order, ph.line, 2)
    assert raised.value.code == "bad_request"
    cb = add_item(db, cam, order, sku="CB1").line
    assert set_quantity(db, cam, order, cb, 5).line_by_id(cb).quantity == 5
    with pytest.raises(DomainError):
        set_quantity(db, cam, order, cb, 0)
    view = remove_line(db, cam, order, ph.line)
    assert [ln.sku for ln in view.lines] == ["CB1"]
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    assert events_of(db, IMEI[0])[-1] == ("release", "order", "1")
    again = add_item(db, cam, order, sku="PH1", serial=IMEI[0])
    assert again.order.lines[-1].number == 3  # numbers are not reused

    settings.set_setting(db, admin, "aggregate_duplicate_items", "false", "S1")
    settings.set_setting(db, admin, "auto_prompt_serial", "false", "S1")
    first = add_item(db, cam, order, sku="CB1")
    assert not first.merged and first.line != cb
    assert not add_item(db, cam, order, sku="PH1").prompt_serial

    pending = pending_serial_lines(db, "S1")
    assert [(x.order, x.sku, x.number) for x in pending] == [(order, "PH1", 5)]
    assert pending_serial_lines(db, "S2") == []
    summary = list_orders(db, "S1", "open")
    assert [(s.order, s.lines, s.pending_serials) for s in summary] == [(order, 4, 1)]
    assert park(db, cam, order).status is OrderStatus.PARKED
    assert list_orders(db, "S1", "open") == []
    with pytest.raises(DomainError):
        list_orders(db, "S1", "lost")
    with pytest.raises(DomainError, match="resume it first"):
        fulfil(db, cam, order)
    assert resume(db, cam, order).status is OrderStatus.OPEN

    voided = void(db, cam, order)
    assert voided.status is OrderStatus.VOIDED
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    with pytest.raises(DomainError) as closed:
        add_item(db, cam, order, sku="CB1")
    assert closed.value.code == "order_closed"
    clean(db)


def test_void_after_a_fulfilment_cancels_the_rest(db: Database, shop: Actor) -> None:
    """It was refused ("return the units instead"): the deposit stayed on an order nobody
    could close. The open rest is cancelled; what was handed over is kept, and paid."""
    order = open_order(db, shop, "S1", type="special_order").order
    a = add_item(db, shop, order, sku="CB1").line
    add_item(db, shop, order, sku="PH1", serial=IMEI[0])
    fulfil(db, shop, order, lines=[a], payments=[("cash", Decimal("9.50"))])
    done = void(db, shop, order)
    assert done.status is OrderStatus.FULFILLED
    assert [ln.line for ln in done.lines] == [a]
    assert done.totals.paid == done.totals.total == Decimal("9.50")
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    with pytest.raises(DomainError) as refused:  # nothing left to void
        void(db, shop, order)
    assert refused.value.code == "order_closed"


def test_payment_rules_and_delivery(db: Database, shop: Actor) -> None:
    cam = shop
    sale = open_order(db, cam, "S1").order
    a = add_item(db, cam, sale, sku="CB1").line
    add_item(db, cam, sale, sku="LT1")
    with pytest.raises(DomainError) as due:  # a sale is paid in full, even fulfilled in part
        fulfil(db, cam, sale, lines=[a], payments=[("cash", Decimal("9.50"))])
    assert due.value.code == "payment_due" and "999.00 still to pay" in due.value.message
    assert get_order(db, sale).totals.paid == 0  # the refused call recorded nothing

    layby = open_order(
        db,
        cam,
        "S1",
        type="lay-by",
        delivery="delivery",
        customer=Customer(name="Ann", phone=None, address="1 Quay"),
    )
    assert layby.delivery.label == "Delivery"
    a = add_item(db, cam, layby.order, sku="CB1").line
    b = add_item(db, cam, layby.order, sku="LT1", serial="LT-B").line
    add_payment(db, cam, layby.order, "cash", Decimal("100.00"))  # deposit
    with pytest.raises(DomainError, match="phone") as missing:
        fulfil(db, cam, layby.order, lines=[a])
    assert missing.value.code == "customer_required"
    set_customer(db, cam, layby.order, Customer("Ann", "555-1", "1 Quay"))
    part = fulfil(db, cam, layby.order, lines=[a])
    assert part.change_due == 0 and part.order.status is OrderStatus.OPEN
    with pytest.raises(DomainError) as short:
        fulfil(db, cam, layby.order, lines=[b])
    assert short.value.code == "payment_due"
    with pytest.raises(DomainError, match="cash only") as over_card:
        fulfil(db, cam, layby.order, payments=[("card", Decimal("910.00"))])  # 908.50 due
    assert over_card.value.code == "bad_request"
    last = fulfil(
        db, cam, layby.order, payments=[("card", Decimal("900.00")), ("cash", Decimal("10.00"))]
    )
    assert last.change_due == Decimal("1.50")
    assert last.order.status is OrderStatus.FULFILLED
    assert len(last.order.invoices) == 2
    assert last.order.totals.paid == last.order.totals.total == Decimal("1008.50")
    with pytest.raises(DomainError):
        add_payment(db, cam, layby.order, "cash", Decimal("0"))
    with pytest.raises(DomainError):
        open_order(db, cam, "S1", type="barter")
    clean(db)


def test_add_scan_resolves_barcode_sku_serial(db: Database, shop: Actor) -> None:
    order = open_order(db, shop, "S1").order
    assert add_scan(db, shop, order, PH_BARCODE).order.lines[-1].sku == "PH1"
    assert add_scan(db, shop, order, " CB1 ").order.lines[-1].sku == "CB1"
    by_serial = add_scan(db, shop, order, IMEI[1])
    assert (by_serial.order.lines[-1].sku, by_serial.order.lines[-1].serial) == ("PH1", IMEI[1])
    assert not by_serial.prompt_serial
    assert state_of(db, IMEI[1]) == ("reserved", "S1")
    gs1 = add_scan(db, shop, order, f"]d2010{PH_BARCODE}21{IMEI[2]}")
    assert (gs1.order.lines[-1].sku, gs1.order.lines[-1].serial) == ("PH1", IMEI[2])
    both = add_item(db, shop, order, barcode=PH_BARCODE, serial=IMEI[0])
    assert both.order.lines[-1].serial == IMEI[0] and not both.prompt_serial
    with pytest.raises(DomainError, match="nothing matches 'ZZZ'") as none:
        add_scan(db, shop, order, "ZZZ")
    assert none.value.code == "unknown_product"
    with pytest.raises(DomainError) as elsewhere:  # in stock, but at S2: nothing matches
        add_scan(db, shop, order, IMEI[3])
    assert elsewhere.value.code == "unknown_product"
    with pytest.raises(DomainError) as unknown:
        add_item(db, shop, order, barcode="5901234123457")
    assert unknown.value.code == "unknown_product"
    clean(db)


def test_create_order_in_one_transaction(db: Database, shop: Actor) -> None:
    view, made = create_order(
        db,
        shop,
        "S1",
        lines=[
            NewLine("PH1", IMEI[0]),
            NewLine("PH1"),
            NewLine("CB1", quantity=3),
        ],
    )
    assert len(made) == 3 and [ln.quantity for ln in view.lines] == [1, 1, 3]
    with pytest.raises(DomainError) as refused:
        create_order(db, shop, "S1", lines=[NewLine("PH1", IMEI[1]), NewLine("PH1", IMEI[0])])
    assert refused.value.code == "reserved"
    assert state_of(db, IMEI[1]) == ("in_stock", "S1")  # rolled back whole
    assert len(list_orders(db, "S1")) == 1
    clean(db)


def test_change_is_given_when_a_sale_is_tendered_with_a_line_left_open(
    db: Database, shop: Actor
) -> None:
    """A cash sale paid over its total with a line left open (paid, not handed over yet):
    the customer is owed the change when they tender, as for a sale handed over whole. It
    used to wait for the last line, so the customer left without it and the drawer held it."""
    _unlabelled_laptop(db)
    sale = open_order(db, shop, "S1").order
    a = add_item(db, shop, sale, sku="CB1").line
    add_item(db, shop, sale, sku="LT1")
    part = fulfil(db, shop, sale, lines=[a], payments=[("cash", Decimal("1020.00"))])
    assert part.change_due == Decimal("11.50")  # 1020.00 less 1008.50
    assert part.order.status is OrderStatus.OPEN
    assert part.order.totals.paid == part.order.totals.total == Decimal("1008.50")
    kinds = db.read(
        lambda conn: conn.execute(
            sa.text(
                "SELECT p.kind, p.amount, i.change_due FROM order_payment p JOIN invoice i "
                "ON i.id = p.invoice_id JOIN sale_order o ON o.id = p.order_id "
                "WHERE o.number = :n ORDER BY p.id"
            ),
            {"n": sale},
        ).all()
    )
    assert [(k, Decimal(str(x)), Decimal(str(c))) for k, x, c in kinds] == [
        ("payment", Decimal("1020.00"), Decimal("11.50")),
        ("change", Decimal("-11.50"), Decimal("11.50")),
    ]
    last = fulfil(db, shop, sale)  # the open line handed over later: no change again
    assert last.change_due == 0 and last.order.status is OrderStatus.FULFILLED
    assert last.order.totals.paid == last.order.totals.total
    clean(db)


def test_card_over_what_is_due_is_refused_and_changes_nothing(db: Database, shop: Actor) -> None:
    """Change is given in cash: a card tendered over the total would take cash out of the
    drawer it never held (a walk's card 500.00 on a 15.59 sale gave 484.41 "change"). A
    deposit by card past what is due is refused the same way."""
    sale = open_order(db, shop, "S1").order
    add_item(db, shop, sale, sku="CB1")
    before = get_order(db, sale)
    with pytest.raises(DomainError, match="cash only") as over:
        fulfil(db, shop, sale, payments=[("card", before.totals.total + Decimal("0.01"))])
    assert over.value.code == "bad_request"
    with pytest.raises(DomainError, match="cash only"):
        add_payment(db, shop, sale, "card", before.totals.total + Decimal("100.00"))
    after = get_order(db, sale)
    assert after.status is OrderStatus.OPEN and after.totals.paid == 0
    deposit = add_payment(db, shop, sale, "card", before.totals.total)  # exactly what is due
    assert deposit.totals.paid == before.totals.total
    with pytest.raises(DomainError, match="cash only"):
        add_payment(db, shop, sale, "other", Decimal("0.01"))
    done = fulfil(db, shop, sale, payments=[("cash", Decimal("5.00"))])  # cash over: change
    assert done.change_due == Decimal("5.00")
    clean(db)
