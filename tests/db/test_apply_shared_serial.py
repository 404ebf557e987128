"""``apply`` with ``shared_by`` on SQLite and PostgreSQL: a manager (name and PIN) accepts a
serial shared by two makers' products, recorded on the event and the unit; refused without
it (duplicate_serial), with a wrong PIN, by a non-manager, and always for IMEI serials."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from test_apply import events, run, run1

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.services import lookup, products, users
from serialpos.services.context import Actor


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="DRL", name="Drill", serial_mode="required")
    products.create_product(db, admin, sku="SAW", name="Saw", serial_mode="required")
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="TAB", name="Tablet", serial_mode="required")
    users.add_user(db, admin, "mia", "manager", "4321")
    users.add_user(db, admin, "carl", "cashier", "1111")
    return db


def receive(sku: str, serial: str, **extra: Any) -> dict[str, Any]:
    return {"op": "receive", "store": "S1", "sku": sku, "serial": serial, **extra}


def shared_units(db: Database, serial: str) -> list[tuple[str, str | None]]:
    u, p = repo.unit_t.c, repo.product_t.c
    return db.read(
        lambda conn: [
            (r.sku, r.shared_by)
            for r in conn.execute(
                sa.select(p.sku, u.shared_by)
                .join(repo.product_t, p.id == u.product_id)
                .where(u.serial == serial)
                .order_by(p.sku)
            )
        ]
    )


def test_a_manager_accepts_a_shared_serial(shop: Database, admin: Actor) -> None:
    assert run1(shop, admin, receive("DRL", "X-100"))["ok"] is True
    refused = run1(shop, admin, receive("SAW", "X-100"))
    assert refused["error"] == "duplicate_serial"
    assert "X-100 is already DRL Drill, in stock at S1" in refused["message"]
    done = run1(shop, admin, receive("SAW", "X-100", shared_by={"user": "mia", "pin": "4321"}))
    assert done["ok"] is True, done
    assert shared_units(shop, "X-100") == [("DRL", None), ("SAW", "mia")]
    (card,) = lookup.lookup_serial(shop, "X-100", "SAW")
    assert card.events[-1].reason == "shared serial accepted by mia: also DRL at S1"
    # adjust add takes it too
    assert run1(shop, admin, receive("PH", "X-200"))["ok"] is True
    adjusted = run1(
        shop,
        admin,
        {
            "op": "adjust",
            "store": "S1",
            "sku": "TAB",
            "add": ["X-200"],
            "reason": "found",
            "shared_by": {"user": "mia", "pin": "4321"},
        },
    )
    assert adjusted["ok"] is True, adjusted
    assert shared_units(shop, "X-200") == [("PH", None), ("TAB", "mia")]


@pytest.mark.parametrize(
    ("shared_by", "code", "words"),
    [
        pytest.param(
            {"user": "mia", "pin": "0000"}, "bad_pin", "unknown user or wrong PIN", id="wrong_pin"
        ),
        pytest.param(
            {"user": "carl", "pin": "1111"},
            "permission_denied",
            "carl is not a manager or admin",
            id="not_a_manager",
        ),
        pytest.param(
            {"user": "mia"}, "bad_request", "needs the manager's 'user' and 'pin'", id="no_pin"
        ),
        pytest.param(
            {"user": "mia", "pin": "4321", "role": "x"},
            "bad_request",
            "takes 'user' and 'pin' only",
            id="extra_key",
        ),
        pytest.param("mia", "bad_request", "shared_by", id="not_an_object"),
    ],
)
def test_a_refused_acceptance_changes_nothing(
    shop: Database, admin: Actor, shared_by: Any, code: str, words: str
) -> None:
    assert run1(shop, admin, receive("DRL", "X-300"))["ok"] is True
    before = events(shop)
    result = run1(shop, admin, receive("SAW", "X-300", shared_by=shared_by))
    assert result["ok"] is False and result["error"] == code, result
    assert words in result["message"]
    assert events(shop) == before
    assert shared_units(shop, "X-300") == [("DRL", None)]


def test_an_imei_is_never_shared(shop: Database, admin: Actor) -> None:
    imei = "490154203237518"
    assert run(shop, admin, receive("PH", imei))[0]["ok"] is True
    result = run1(shop, admin, receive("TAB", imei, shared_by={"user": "mia", "pin": "4321"}))
    assert result["error"] == "duplicate_serial"
    assert "it is an IMEI" in result["message"]
    assert shared_units(shop, imei) == [("PH", None)]
