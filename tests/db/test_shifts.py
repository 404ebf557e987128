"""Till shifts on SQLite and PostgreSQL: open with a float, one open shift per terminal, the
X report's takings by method (payments, change, refunds), close with the count and the
difference, the Z report again and as a PDF (pypdf), bad amounts refused with nothing changed,
and ``require_shift``: off by default (sales work without a shift), on: a sale needs one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_orders import IMEI, setup_catalogue

from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.printing.shift_report import write_shift_report
from serialpos.services import orders, returns, settings, shifts, users
from serialpos.services.context import Actor
from serialpos.services.invoices import invoice_document

D = Decimal


def _till(db: Database, admin: Actor, name: str = "sam", terminal: str = "till-1") -> Actor:
    users.add_user(db, admin, name, "cashier", "4321")
    return users.actor_for(db, name, terminal)


def test_a_shift_from_float_to_z_report(db: Database, admin: Actor, tmp_path: Path) -> None:
    setup_catalogue(db, admin)
    sam = _till(db, admin)
    view = shifts.open_shift(db, sam, "S1", "150.00")
    assert (view.number, view.terminal, view.opening_float) == (1, "till-1", D("150.00"))
    with pytest.raises(shifts.ShiftOpen, match="shift 1 is already open on terminal till-1"):
        shifts.open_shift(db, sam, "S1", "10")

    # A phone in cash with change, a cable by card, then the phone returned in cash.
    phone, _ = orders.create_order(db, sam, "S1", lines=[orders.NewLine("PH1", IMEI[0])])
    sold = orders.fulfil(db, sam, phone.order, payments=[("cash", D("700.00"))])
    cable, _ = orders.create_order(db, sam, "S1", lines=[orders.NewLine("CB1")])
    cable_invoice = orders.fulfil(db, sam, cable.order, settle_in="card").invoice
    (line,) = orders.get_order(db, phone.order).lines
    back = returns.return_units(db, sam, phone.order, lines=[line.line])
    phone_total = invoice_document(db, sold.invoice).total
    cable_total = invoice_document(db, cable_invoice).total
    assert sold.change_due == D("700.00") - phone_total > 0

    x = shifts.x_report(db, sam, "S1")
    by = {t.method: t for t in x.takings}
    assert [t.method for t in x.takings] == ["cash", "card"]
    assert (by["cash"].payments, by["cash"].change, by["cash"].refunds, by["cash"].count) == (
        D("700.00"),
        sold.change_due,
        back.amount,
        1,
    )
    assert by["card"].net == cable_total and by["card"].count == 1
    assert x.expected_cash == D("150.00") + phone_total - back.amount == D("150.00")
    assert x.kind == "X" and x.counted_cash is None

    # Another terminal's money is not this shift's.
    other = users.actor_for(db, "sam", "till-2")
    more, _ = orders.create_order(db, other, "S1", lines=[orders.NewLine("CB1")])
    orders.fulfil(db, other, more.order, settle_in="cash")
    assert shifts.x_report(db, sam, "S1").takings == x.takings

    with pytest.raises(BadValue, match="counted cash '-5' must be zero or more"):
        shifts.close_shift(db, sam, "S1", "-5")
    z = shifts.close_shift(db, sam, "S1", "147.50")
    assert (z.kind, z.counted_cash, z.difference, z.difference_words) == (
        "Z",
        D("147.50"),
        D("-2.50"),
        "2.50 short",
    )
    assert shifts.current_shift(db, sam, "S1") is None
    with pytest.raises(shifts.NoOpenShift, match="no shift is open on terminal till-1 at S1"):
        shifts.x_report(db, sam, "S1")
    again = shifts.z_report(db, sam, "S1")
    assert (again.number, again.takings, again.difference) == (1, z.takings, D("-2.50"))
    assert shifts.z_report(db, sam, "S1", 1).counted_cash == D("147.50")
    with pytest.raises(shifts.UnknownShift):
        shifts.z_report(db, sam, "S1", 7)

    pdf = write_shift_report(again, tmp_path / "z.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    for expected in ("Z report, shift 1", "Opening float", "150.00", "2.50 short", "till-1"):
        assert expected in text, (expected, text)

    # The next shift of the terminal is number 2 and starts from nothing.
    assert shifts.open_shift(db, sam, "S1", "0").number == 2
    assert shifts.x_report(db, sam, "S1").takings == ()


def test_bad_floats_are_refused_and_nothing_opens(db: Database, admin: Actor) -> None:
    sam = _till(db, admin)
    for bad, said in (("-1", "zero or more"), ("1.005", "to the cent"), ("lots", "not a number")):
        with pytest.raises(BadValue, match=said):
            shifts.open_shift(db, sam, "S1", bad)
    assert shifts.current_shift(db, sam, "S1") is None


def test_require_shift_off_by_default_and_on_refuses_a_sale_without_one(
    db: Database, admin: Actor
) -> None:
    setup_catalogue(db, admin)
    sam = _till(db, admin)
    assert settings.get_settings(db, "S1").require_shift is False
    free, _ = orders.create_order(db, sam, "S1", lines=[orders.NewLine("CB1")])
    orders.fulfil(db, sam, free.order, settle_in="cash")  # no shift, no setting: sold

    settings.set_setting(db, admin, "require_shift", "on", "S1")
    with pytest.raises(shifts.ShiftRequired, match="S1 sells only in an open shift"):
        orders.create_order(db, sam, "S1", lines=[orders.NewLine("CB1")])
    parked = orders.open_order(db, admin, "S2").order  # another store: no setting there
    assert parked
    shifts.open_shift(db, sam, "S1", "20")
    sale, _ = orders.create_order(db, sam, "S1", lines=[orders.NewLine("CB1")])
    orders.fulfil(db, sam, sale.order, settle_in="cash")
    assert shifts.x_report(db, sam, "S1").takings[0].count == 1


def test_tills_opening_at_once_get_one_shift_each_and_one_terminal_gets_one(
    db: Database, admin: Actor
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _till(db, admin)
    tills = [users.actor_for(db, "sam", f"till-{n}") for n in range(4)]
    same = [users.actor_for(db, "sam", "till-9") for _ in range(4)]

    def open_(actor: Actor) -> object:
        try:
            return shifts.open_shift(db, actor, "S1", "10").number
        except shifts.ShiftOpen as exc:
            return exc.message

    with ThreadPoolExecutor(4) as pool:
        numbers = list(pool.map(open_, tills))
        again = list(pool.map(open_, same))
    assert sorted(numbers) == [1, 2, 3, 4]  # type: ignore[type-var]
    won = [n for n in again if isinstance(n, int)]
    assert len(won) == 1 and won[0] == 5
    assert all("already open on terminal till-9" in str(m) for m in again if m not in won)
