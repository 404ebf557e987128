"""Ledger rules through ``services.ledger.move`` on SQLite and PostgreSQL: what each action
records, who may do it, bad input, and that a refused call changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import (
    AlreadySold,
    BadRequest,
    BadSerial,
    DomainError,
    DuplicateSerial,
    InvalidTransition,
    NotInStock,
    NotSerialized,
    PermissionDenied,
    SerialRequired,
    UnknownProduct,
)
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup, products, stock, users
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger

A = Action
IMEIS = ("490154203237518", "356938035643809", "867530012345672")


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="PH1", name="Phone", serial_mode="required", serial_format="imei"
    )
    products.create_product(db, admin, sku="LT1", name="Laptop", serial_mode="required")
    products.create_product(db, admin, sku="DR1", name="Drill", serial_mode="optional")
    products.create_product(db, admin, sku="AC1", name="Cable")
    return db


def _snapshot(db: Database) -> tuple[object, ...]:
    """Everything a refused call must leave as it was."""
    with db.engine.connect() as conn:
        units = conn.execute(sa.select(repo.unit_t).order_by(repo.unit_t.c.id)).all()
        events = conn.execute(sa.select(sa.func.count()).select_from(repo.event_t)).scalar()
        levels = conn.execute(
            sa.select(repo.stock_t).order_by(repo.stock_t.c.product_id, repo.stock_t.c.store_id)
        ).all()
    return tuple(map(tuple, units)), events, tuple(map(tuple, levels))


def _state(db: Database, serial: str, sku: str = "LT1") -> tuple[str, str]:
    cards = lookup.lookup_serial(db, serial, sku)
    assert len(cards) == 1, cards
    return cards[0].state, cards[0].store


# -- what an event records ------------------------------------------------------------
def test_event_records_who_where_when_and_which_document(shop: Database, admin: Actor) -> None:
    db = shop
    clerk = Actor(user="ada", role=Role.ADMIN, terminal="till-4")
    started = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    ledger.move(
        db,
        clerk,
        A.RECEIVE,
        store="S1",
        sku="LT1",
        serials=["ZB1"],
        document=DocumentRef("receipt", "R-100", "3"),
        reason="delivery",
    )
    ledger.move(
        db,
        clerk,
        A.SELL,
        store="S1",
        sku="LT1",
        serials=["ZB1"],
        document=DocumentRef("sale", "INV-9", "1"),
    )
    events = lookup.lookup_serial(db, "ZB1")[0].events
    assert [
        (
            e.action,
            e.user,
            e.terminal,
            e.store,
            e.sku,
            e.serial,
            e.from_state,
            e.to_state,
            e.quantity,
            e.document_type,
            e.document_id,
            e.document_line,
            e.reason,
        )
        for e in events
    ] == [
        (
            "receive",
            "ada",
            "till-4",
            "S1",
            "LT1",
            "ZB1",
            None,
            "in_stock",
            1,
            "receipt",
            "R-100",
            "3",
            "delivery",
        ),
        (
            "sell",
            "ada",
            "till-4",
            "S1",
            "LT1",
            "ZB1",
            "in_stock",
            "sold",
            -1,
            "sale",
            "INV-9",
            "1",
            None,
        ),
    ]
    assert events[0].id < events[1].id
    # times are naive UTC
    now = datetime.now(UTC).replace(tzinfo=None)
    for e in events:
        assert e.at.tzinfo is None
        assert started <= e.at <= now


def test_result_reports_the_moves(shop: Database, admin: Actor) -> None:
    db = shop
    got = ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["ZB1", "ZB2"])
    assert (got.action, got.store, got.sku, got.quantity, got.serial_tracked) == (
        "receive",
        "S1",
        "LT1",
        2,
        True,
    )
    assert [(u.serial, u.from_state, u.to_state, u.store) for u in got.units] == [
        ("ZB1", None, "in_stock", "S1"),
        ("ZB2", None, "in_stock", "S1"),
    ]
    out = ledger.move(
        db, admin, A.TRANSFER_OUT, store="S1", sku="LT1", serials=["ZB1"], to_store="S2"
    )
    assert out.quantity == -1
    assert [(u.from_state, u.to_state) for u in out.units] == [("in_stock", "in_transit")]
    assert _state(db, "ZB1") == ("in_transit", "S2")  # belongs to its destination


# -- a whole life ---------------------------------------------------------------------
def test_transfer_return_rtv_and_adjust_life(shop: Database, admin: Actor) -> None:
    db = shop
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["ZB1"])
    with pytest.raises(NotInStock):  # at S1, not S2
        ledger.move(db, admin, A.SELL, store="S2", sku="LT1", serials=["ZB1"])
    ledger.move(db, admin, A.TRANSFER_OUT, store="S1", sku="LT1", serials=["ZB1"], to_store="S2")
    with pytest.raises(NotInStock):  # in transit to S2: S1 cannot take it back in
        ledger.move(db, admin, A.TRANSFER_IN, store="S1", sku="LT1", serials=["ZB1"])
    with pytest.raises(NotInStock):  # nor sell it while in transit
        ledger.move(db, admin, A.SELL, store="S2", sku="LT1", serials=["ZB1"])
    ledger.move(db, admin, A.TRANSFER_IN, store="S2", sku="LT1", serials=["ZB1"])
    ledger.move(db, admin, A.SELL, store="S2", sku="LT1", serials=["ZB1"])
    with pytest.raises(AlreadySold):  # cannot be transferred while sold
        ledger.move(
            db, admin, A.TRANSFER_OUT, store="S2", sku="LT1", serials=["ZB1"], to_store="S1"
        )
    with pytest.raises(AlreadySold):  # nor received again
        ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["ZB1"])
    ledger.move(db, admin, A.RETURN, store="S1", sku="LT1", serials=["ZB1"])  # another store
    assert _state(db, "ZB1") == ("in_stock", "S1")
    ledger.move(db, admin, A.RTV, store="S1", sku="LT1", serials=["ZB1"])
    with pytest.raises(NotInStock):
        ledger.move(db, admin, A.SELL, store="S1", sku="LT1", serials=["ZB1"])
    ledger.move(db, admin, A.RECEIVE, store="S2", sku="LT1", serials=["ZB1"])  # vendor sent it back
    ledger.move(db, admin, A.SELL, store="S2", sku="LT1", serials=["ZB1"])
    ledger.move(db, admin, A.RETURN_DAMAGED, store="S2", sku="LT1", serials=["ZB1"])
    assert _state(db, "ZB1") == ("written_off", "S2")
    with pytest.raises(InvalidTransition):
        ledger.move(db, admin, A.RETURN, store="S2", sku="LT1", serials=["ZB1"])
    ledger.move(db, admin, A.ADJUST_ADD, store="S2", sku="LT1", serials=["ZB1"], reason="repaired")
    ledger.move(db, admin, A.ADJUST_REMOVE, store="S2", sku="LT1", serials=["ZB1"], reason="lost")

    events = lookup.lookup_serial(db, "ZB1")[0].events
    assert [(e.action, e.store, e.to_state) for e in events] == [
        ("receive", "S1", "in_stock"),
        ("transfer_out", "S1", "in_transit"),
        ("transfer_in", "S2", "in_stock"),
        ("sell", "S2", "sold"),
        ("return", "S1", "in_stock"),
        ("rtv", "S1", "returned_to_vendor"),
        ("receive", "S2", "in_stock"),
        ("sell", "S2", "sold"),
        ("return_damaged", "S2", "written_off"),
        ("adjust_add", "S2", "in_stock"),
        ("adjust_remove", "S2", "written_off"),
    ]
    assert [e.quantity for e in events] == [1, -1, 1, -1, 1, -1, 1, -1, 0, 1, -1]
    assert [(x.store, x.quantity, x.units_in_stock) for x in stock.stock_levels(db, sku="LT1")] == [
        ("S1", 0, 0),
        ("S2", 0, 0),
    ]
    assert check_ledger(db) == []


def test_reserve_release_and_sell_a_reserved_unit(shop: Database, admin: Actor) -> None:
    """A reservation belongs to one order line (issue 10, case 11): units are reserved by
    putting them on an order; only that line releases or sells them. Before, a bare ledger
    reserve was allowed and any sale or release took a reserved unit, whoever held it."""
    from serialpos.domain.errors import Reserved
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.host import NewLine, create_order
    from serialpos.services.orders.lines import remove_line

    db = shop
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["ZB1", "ZB2"])
    with pytest.raises(BadRequest, match="reserved for an order line: put it on an order"):
        ledger.move(db, admin, A.RESERVE, store="S1", sku="LT1", serials=["ZB1"])
    view, (_one, two) = create_order(
        db, admin, "S1", lines=[NewLine("LT1", "ZB1"), NewLine("LT1", "ZB2")]
    )
    assert [(x.quantity, x.units_in_stock) for x in stock.stock_levels(db, sku="LT1")] == [(0, 0)]
    before = _snapshot(db)
    # Neither a bare sale nor a bare release takes a unit an order line holds.
    with pytest.raises(
        Reserved,
        match=f"serial ZB1 of LT1 is reserved on order {view.order} "
        "line 1: fulfil or void that order",
    ):
        ledger.move(db, admin, A.SELL, store="S1", sku="LT1", serials=["ZB1"])
    with pytest.raises(Reserved, match=f"reserved on order {view.order} line 2"):
        ledger.move(db, admin, A.RELEASE, store="S1", sku="LT1", serials=["ZB2"])
    assert _snapshot(db) == before
    remove_line(db, admin, view.order, two)
    fulfil(db, admin, view.order, settle_in="cash")
    with pytest.raises(InvalidTransition):
        ledger.move(db, admin, A.RELEASE, store="S1", sku="LT1", serials=["ZB2"])
    assert _state(db, "ZB1") == ("sold", "S1")
    assert _state(db, "ZB2") == ("in_stock", "S1")
    assert [(x.quantity, x.units_in_stock) for x in stock.stock_levels(db, sku="LT1")] == [(1, 1)]
    assert check_ledger(db) == []


# -- all or nothing -------------------------------------------------------------------
def test_one_refused_serial_refuses_the_whole_call(shop: Database, admin: Actor) -> None:
    db = shop
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["ZB1", "ZB2", "ZB3"])
    ledger.move(db, admin, A.SELL, store="S1", sku="LT1", serials=["ZB2"])
    before = _snapshot(db)
    with pytest.raises(AlreadySold) as err:
        ledger.move(db, admin, A.SELL, store="S1", sku="LT1", serials=["ZB1", "ZB2", "ZB3"])
    assert "ZB2" in str(err.value)
    assert _snapshot(db) == before
    with pytest.raises(DuplicateSerial):  # new ones first, then one already in stock
        ledger.move(db, admin, A.RECEIVE, store="S2", sku="LT1", serials=["N1", "N2", "ZB3"])
    assert _snapshot(db) == before
    assert lookup.lookup_serial(db, "N1") == []


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        (
            {"action": A.RECEIVE, "sku": "LT1", "serials": ["ZB9", " ZB9\r\n"]},
            DuplicateSerial,
            "listed twice",
        ),
        ({"action": A.RECEIVE, "sku": "LT1", "serials": ["ZB9", "   "]}, BadSerial, "blank"),
        (
            {"action": A.RECEIVE, "sku": "LT1", "serials": ["Z\x00B"]},
            BadSerial,
            "control characters",
        ),
        ({"action": A.RECEIVE, "sku": "LT1", "serials": ["Z" * 65]}, BadSerial, "65 characters"),
        ({"action": A.RECEIVE, "sku": "LT1", "serials": [42]}, BadRequest, "not text"),
        (
            {"action": A.RECEIVE, "sku": "LT1", "serials": ["A", "B"], "quantity": 3},
            BadRequest,
            "does not match",
        ),
        ({"action": A.RECEIVE, "sku": "AC1", "quantity": -2}, BadRequest, "positive"),
        (
            {"action": A.TRANSFER_OUT, "sku": "LT1", "serials": ["ZB1"]},
            BadRequest,
            "needs the store",
        ),
        (
            {"action": A.TRANSFER_OUT, "sku": "LT1", "serials": ["ZB1"], "to_store": "S1"},
            BadRequest,
            "another store",
        ),
        ({"action": A.RECEIVE, "sku": "NOPE", "serials": ["ZB9"]}, UnknownProduct, "NOPE"),
        ({"action": A.RECEIVE, "sku": "LT1"}, SerialRequired, "LT1"),
        ({"action": A.SELL, "sku": "LT1", "quantity": 1}, SerialRequired, "LT1"),
        ({"action": A.RECEIVE, "sku": "AC1", "serials": ["X1"]}, NotSerialized, "AC1"),
        (
            {"action": A.RECEIVE, "sku": "PH1", "serials": ["490154203237519"]},
            BadSerial,
            "check digit",
        ),
        (
            {"action": A.RECEIVE, "sku": "PH1", "serials": ["49015420323751"]},
            BadSerial,
            "15 digits",
        ),
        (
            {"action": A.RECEIVE, "sku": "PH1", "serials": [IMEIS[2], "4901542032375AB"]},
            BadSerial,
            "only digits",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_bad_input_is_refused_and_changes_nothing(
    shop: Database, admin: Actor, kwargs: dict[str, object], error: type[DomainError], fragment: str
) -> None:
    db = shop
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["ZB1"])
    before = _snapshot(db)
    args = dict(kwargs)  # the parameter is shared by the SQLite and PostgreSQL runs
    action = args.pop("action")
    with pytest.raises(error) as err:
        ledger.move(db, admin, action, store="S1", **args)  # type: ignore[arg-type]
    assert fragment in str(err.value)
    assert _snapshot(db) == before


def test_huge_serial_gives_a_short_message(shop: Database, admin: Actor) -> None:
    with pytest.raises(BadSerial) as err:
        ledger.move(shop, admin, A.RECEIVE, store="S1", sku="LT1", serials=["X" * 5_000_000])
    assert len(str(err.value)) < 200


def test_serials_are_trimmed_and_one_label_in_any_case(shop: Database, admin: Actor) -> None:
    """Serials are trimmed; one label in two letter cases is one unit (a caps-lock scan made
    a twin before: domain/serial_case.py); lookups stay case-sensitive."""
    db = shop
    with pytest.raises(DuplicateSerial, match="serials zb1 and ZB1 differ only in letter case"):
        ledger.move(
            db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["  zb1\r\n", "ZB1", "\tZb1 "]
        )
    got = ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["  zb1\r\n"])
    assert [u.serial for u in got.units] == ["zb1"]
    with pytest.raises(DuplicateSerial, match="'Zb1' differs only in letter case from zb1"):
        ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["\tZb1 "])
    assert [c.serial for s in ("zb1", "ZB1", "Zb1") for c in lookup.lookup_serial(db, s)] == ["zb1"]


def test_same_serial_on_two_products_needs_a_managers_word(shop: Database, admin: Actor) -> None:
    """A serial is never live under two products (issue 10) unless a manager accepts it for
    products whose serials are not global identifiers; the acceptance is on the event."""
    db = shop
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["SAME1"])
    before = _snapshot(db)
    with pytest.raises(
        DuplicateSerial,
        match="serial SAME1 is already LT1 Laptop, in stock "
        "at S1: a serial is never live under two",
    ):
        ledger.move(db, admin, A.RECEIVE, store="S2", sku="DR1", serials=["SAME1"])
    assert _snapshot(db) == before
    users.add_user(db, admin, "max", "manager", "2222")
    manager = users.login(db, "max", "2222", "till-1")
    ledger.move(db, admin, A.RECEIVE, store="S2", sku="DR1", serials=["SAME1"], shared_by=manager)
    (dr1,) = lookup.lookup_serial(db, "SAME1", "DR1")
    assert dr1.events[0].reason == "shared serial accepted by max: also LT1 at S1"
    cards = lookup.lookup_serial(db, "SAME1")
    assert [(c.sku, c.store) for c in cards] == [("DR1", "S2"), ("LT1", "S1")]
    assert [(c.sku, c.store) for c in lookup.lookup_serial(db, "SAME1", "LT1")] == [("LT1", "S1")]


def test_an_imei_is_never_shared_between_products(shop: Database, admin: Actor) -> None:
    db = shop
    imei = "356938035643809"
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="PH1", serials=[imei])
    users.add_user(db, admin, "max", "manager", "2222")
    manager = users.login(db, "max", "2222", "till-1")
    before = _snapshot(db)
    for sku in ("LT1", "DR1"):  # an IMEI-shaped serial, whatever the other product's format
        with pytest.raises(DuplicateSerial, match=r"it is an IMEI.*no override can share it"):
            ledger.move(
                db,
                admin,
                A.ADJUST_ADD,
                store="S2",
                sku=sku,
                serials=[imei],
                reason="found",
                shared_by=manager,
            )
    assert _snapshot(db) == before


# -- optional serials and quantities --------------------------------------------------
def test_optional_product_with_and_without_serials(shop: Database, admin: Actor) -> None:
    db = shop
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="DR1", serials=["D1"])
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="DR1", quantity=2)
    ledger.move(db, admin, A.SELL, store="S1", sku="DR1", serials=["D1"])
    ledger.move(db, admin, A.SELL, store="S1", sku="DR1")  # one without a serial
    assert [(x.quantity, x.units_in_stock) for x in stock.stock_levels(db, sku="DR1")] == [(1, 0)]
    assert _state(db, "D1", "DR1") == ("sold", "S1")
    assert [f.violation for f in check_ledger(db)] == [False]


def test_quantities_of_a_product_without_serials(shop: Database, admin: Actor) -> None:
    db = shop
    ledger.move(db, admin, A.RECEIVE, store="S1", sku="AC1", quantity=5)
    with pytest.raises(NotInStock) as err:
        ledger.move(db, admin, A.TRANSFER_OUT, store="S1", sku="AC1", quantity=6, to_store="S2")
    assert "6 needed but only 5" in str(err.value)
    ledger.move(db, admin, A.TRANSFER_OUT, store="S1", sku="AC1", quantity=2, to_store="S2")
    ledger.move(db, admin, A.TRANSFER_IN, store="S2", sku="AC1", quantity=2)
    with pytest.raises(NotInStock):
        ledger.move(db, admin, A.ADJUST_REMOVE, store="S2", sku="AC1", quantity=3)
    with pytest.raises(NotInStock):
        ledger.move(db, admin, A.RTV, store="S2", sku="AC1", quantity=3)
    ledger.move(db, admin, A.SELL, store="S1", sku="AC1", quantity=4)  # the shelf knew better
    assert [(x.store, x.quantity) for x in stock.stock_levels(db, sku="AC1")] == [
        ("S1", -1),
        ("S2", 2),
    ]
    # Selling below zero is allowed: db check says so as a note, never a violation.
    assert [(f.rule, f.store, f.sku, f.violation) for f in check_ledger(db)] == [
        ("negative_on_hand", "S1", "AC1", False)
    ]


# -- permissions ----------------------------------------------------------------------
ROLE_MAY = {
    Role.CASHIER: {A.SELL, A.RESERVE, A.RELEASE, A.RETURN, A.RETURN_DAMAGED},
    Role.STOCKROOM: {A.RECEIVE, A.EXPECT, A.TRANSFER_OUT, A.TRANSFER_IN, A.RTV},
    Role.MANAGER: set(Action),
    Role.ADMIN: set(Action),
}


@pytest.mark.parametrize("role", list(Role))
def test_who_may_do_what(shop: Database, admin: Actor, role: Role) -> None:
    db = shop
    users.add_user(db, admin, "who", role.value, "1234")
    actor = users.actor_for(db, "who", "t")
    for action in Action:
        if action in ROLE_MAY[role]:
            continue
        before = _snapshot(db)
        with pytest.raises(PermissionDenied) as err:
            ledger.move(db, actor, action, store="S1", sku="LT1", serials=["P1"], to_store="S2")
        assert err.value.code == "permission_denied"
        assert _snapshot(db) == before
    if A.RECEIVE in ROLE_MAY[role]:
        ledger.move(db, actor, A.RECEIVE, store="S1", sku="LT1", serials=["P1"])
        assert _state(db, "P1")[0] == "in_stock"
    if A.SELL in ROLE_MAY[role]:
        ledger.move(db, admin, A.RECEIVE, store="S1", sku="LT1", serials=["P2"])
        ledger.move(db, actor, A.SELL, store="S1", sku="LT1", serials=["P2"])
        assert _state(db, "P2")[0] == "sold"
