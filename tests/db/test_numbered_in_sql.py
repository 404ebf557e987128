"""A counter sale's document numbers and a one-line tender's closing writes, made inside one
statement each on PostgreSQL (db/document_sql.numbered, sale_sql.insert_numbered_order,
db/tender_sql.py): the same numbers, rows, answers and refusals as the statements one by
one, which SQLite runs. Each test runs on both."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from test_orders import IMEI, PH_BARCODE, setup_catalogue

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.services import document_numbers, settings, shifts, users
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders import NewOrder, add_payment, add_scan, fulfil, get_order, set_serial


@pytest.fixture
def cam(db: Database, admin: Actor) -> Actor:
    setup_catalogue(db, admin)
    users.add_user(db, admin, "cam", "cashier", "1111")
    return users.actor_for(db, "cam", "till-1")


def _phone_sale(db: Database, cam: Actor) -> str:
    """An order of one phone with its serial recorded: its number."""
    first = add_scan(db, cam, None, PH_BARCODE, start=NewOrder("S1"))
    set_serial(db, cam, first.order.order, first.line, IMEI[0])
    return first.order.order


def _rows(db: Database, table: sa.Table) -> list[dict[str, object]]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_a_one_line_tender_writes_the_invoice_payments_and_closing_in_full(
    db: Database, cam: Actor
) -> None:
    order = _phone_sale(db, cam)
    assert order == "S1-000001"
    add_payment(db, cam, order, "card", Decimal("100.00"))  # earlier: put on the invoice
    due = get_order(db, order).totals.total - Decimal("100.00")
    done = fulfil(db, cam, order, payments=[("cash", due + Decimal("5.00"))])
    assert done.invoice == "INV-S1-000001" and done.change_due == Decimal("5.00")
    view = get_order(db, order)
    assert done.order == view and view.status.value == "fulfilled"

    [invoice] = _rows(db, orepo.invoice_t)
    assert (invoice["number"], invoice["kind"], invoice["change_due"]) == (
        "INV-S1-000001",
        "Invoice",
        Decimal("5.00"),
    )
    assert invoice["total"] == view.totals.total and invoice["created_by"] == "cam"
    [line] = _rows(db, orepo.invoice_line_t)
    assert (line["invoice_id"], line["position"], line["serial"], line["total"]) == (
        invoice["id"],
        1,
        IMEI[0],
        view.totals.total,
    )
    [order_line] = _rows(db, orepo.line_t)
    assert (order_line["status"], order_line["invoice_id"]) == ("fulfilled", invoice["id"])
    assert line["order_line_id"] == order_line["id"]
    payments = [
        (p["kind"], p["method"], p["amount"], p["invoice_id"], p["shift_id"], p["user_name"])
        for p in _rows(db, orepo.payment_t)
    ]
    assert payments == [
        ("payment", "card", Decimal("100.00"), invoice["id"], None, "cam"),
        ("payment", "cash", due + Decimal("5.00"), invoice["id"], None, "cam"),
        ("change", "cash", Decimal("-5.00"), invoice["id"], None, "cam"),
    ]
    assert [f for f in check_ledger(db) if f.violation] == []


def test_numbers_past_six_digits_keep_every_digit(db: Database, cam: Actor) -> None:
    with db.engine.begin() as conn:
        store_id = conn.execute(sa.text("SELECT id FROM store WHERE code = 'S1'")).scalar_one()
        for kind in ("order", "invoice"):
            conn.execute(
                sa.insert(orepo.counter_t).values(store_id=store_id, kind=kind, value=999_998)
            )
    numbers = []
    for _ in range(2):
        order = add_scan(db, cam, None, "CB1", start=NewOrder("S1")).order.order
        numbers += [order, fulfil(db, cam, order, settle_in="cash").invoice]
    assert numbers == ["S1-999999", "INV-S1-999999", "S1-1000000", "INV-S1-1000000"]


def test_the_numbers_made_are_told_to_the_journal(db: Database, cam: Actor) -> None:
    """A store terminal journals the numbers its sale gave (document_numbers.minted)."""
    with document_numbers.minted() as made:
        order = add_scan(db, cam, None, "CB1", start=NewOrder("S1")).order.order
    assert made == {"order": order}
    with document_numbers.minted() as made:
        invoice = fulfil(db, cam, order, settle_in="cash").invoice
    assert made == {"invoice": invoice} and invoice == "INV-S1-000001"


def test_a_payment_goes_in_the_open_shift_or_is_refused_with_nothing_kept(
    db: Database, admin: Actor, cam: Actor
) -> None:
    shift = shifts.open_shift(db, cam, "S1", "20")
    order = add_scan(db, cam, None, "CB1", start=NewOrder("S1")).order.order
    fulfil(db, cam, order, settle_in="cash")
    [paid] = _rows(db, orepo.payment_t)
    with db.engine.connect() as conn:
        shift_id = conn.execute(
            sa.text("SELECT id FROM shift WHERE number = :n"), {"n": shift.number}
        ).scalar_one()
    assert paid["shift_id"] == shift_id

    settings.set_setting(db, admin, "require_shift", "on", "S1")
    order = add_scan(db, cam, None, "CB1", start=NewOrder("S1")).order.order
    shifts.close_shift(db, cam, "S1", "29.50")
    with pytest.raises(shifts.ShiftRequired):
        fulfil(db, cam, order, settle_in="cash")
    assert get_order(db, order).status.value == "open"
    assert len(_rows(db, orepo.invoice_t)) == 1 and len(_rows(db, orepo.payment_t)) == 1
    shifts.open_shift(db, cam, "S1", "20")
    assert fulfil(db, cam, order, settle_in="cash").invoice == "INV-S1-000002"


def _unit_state(db: Database, serial: str) -> str:
    with db.engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT state FROM serial_unit WHERE serial = :s"), {"s": serial}
        ).scalar_one()
    return str(found)


def test_a_step_on_an_order_takes_the_settings_in_force_at_its_store(
    db: Database, admin: Actor, cam: Actor
) -> None:
    """PostgreSQL reads them with the locked order (repo.settings_pairs): the store's own
    value over the chain's, as a read of their own gives them."""
    settings.set_setting(db, admin, "serialized_inventory", "false")  # the chain's
    settings.set_setting(db, admin, "serialized_inventory", "true", "S1")
    _phone_sale(db, cam)  # the serial reserves the unit: S1 tracks serials
    assert _unit_state(db, IMEI[0]) == "reserved"

    settings.set_setting(db, admin, "serialized_inventory", "false", "S1")
    first = add_scan(db, cam, None, PH_BARCODE, start=NewOrder("S1"))
    set_serial(db, cam, first.order.order, first.line, IMEI[1])
    assert _unit_state(db, IMEI[1]) == "in_stock"  # not tracked here now: not reserved
