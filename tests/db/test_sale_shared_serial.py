"""The sale's manager override accepting a shared serial, on SQLite and PostgreSQL: a serial
live under another product is refused ``duplicate_serial``; a manager (name and PIN) may accept
it as shared for non-IMEI serials, recorded on the event and the unit; an IMEI never."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, users
from serialpos.services.context import Actor
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.serials import set_serial

IMEI = "490154203237518"


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    for sku in ("DRL", "SAW", "PH", "TAB"):
        products.create_product(
            db, admin, sku=sku, name=sku.title(), serial_mode="required", price=Decimal("10")
        )
    users.add_user(db, admin, "mia", "manager", "4321")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=["X-1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=[IMEI])
    return db


def shared_by(db: Database, serial: str) -> list[tuple[str, str | None, str]]:
    u, p = repo.unit_t.c, repo.product_t.c
    return db.read(
        lambda conn: [
            (r.sku, r.shared_by, r.state)
            for r in conn.execute(
                sa.select(p.sku, u.shared_by, u.state)
                .join(repo.product_t, p.id == u.product_id)
                .where(u.serial == serial)
                .order_by(p.sku)
            )
        ]
    )


def test_a_manager_accepts_a_shared_serial_on_a_sale_line(shop: Database, admin: Actor) -> None:
    order = open_order(shop, admin, "S1").order
    line = int(add_item(shop, admin, order, sku="SAW").line)
    with pytest.raises(DomainError) as refused:
        set_serial(shop, admin, order, line, "X-1")
    assert refused.value.code == "duplicate_serial"
    assert "X-1 is already DRL Drl, in stock at S1" in refused.value.message
    with pytest.raises(DomainError) as plain:  # an override alone does not share it
        set_serial(shop, admin, order, line, "X-1", override_user="mia", override_pin="4321")
    assert plain.value.code == "duplicate_serial"
    with pytest.raises(BadRequest, match="a manager's name and PIN are needed"):
        set_serial(shop, admin, order, line, "X-1", shared=True)
    assert shared_by(shop, "X-1") == [("DRL", None, "in_stock")]
    view = set_serial(
        shop, admin, order, line, "X-1", override_user="mia", override_pin="4321", shared=True
    )
    assert [ln.serial for ln in view.lines] == ["X-1"]
    assert shared_by(shop, "X-1") == [("DRL", None, "in_stock"), ("SAW", "mia", "reserved")]
    card = next(c for c in lookup.lookup_serial(shop, "X-1") if c.sku == "SAW")
    assert any(
        (e.reason or "").startswith("shared serial accepted by mia: also DRL at S1")
        for e in card.events
    ), [e.reason for e in card.events]


def test_an_imei_is_never_shared_at_the_sale(shop: Database, admin: Actor) -> None:
    order = open_order(shop, admin, "S1").order
    line = int(add_item(shop, admin, order, sku="TAB").line)
    with pytest.raises(DomainError, match="it is an IMEI") as refused:
        set_serial(
            shop, admin, order, line, IMEI, override_user="mia", override_pin="4321", shared=True
        )
    assert refused.value.code == "duplicate_serial"
    assert shared_by(shop, IMEI) == [("PH", None, "in_stock")]
