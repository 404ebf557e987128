"""Order operations from a host through ``serialpos apply``: create with lines, set a serial,
fulfil (paid in cash unless payments are given), void, return units by serial."""

from __future__ import annotations

from typing import Any

from test_orders import IMEI, clean, setup_catalogue, state_of

from serialpos.db.engine import Database
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor


def run(db: Database, actor: Actor, **data: Any) -> dict[str, Any]:
    return apply_object(db, actor, data)


def test_order_flow_from_a_host(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    made = run(
        db,
        admin,
        op="order_create",
        store="S1",
        type="special_order",
        delivery="delivery",
        customer={"name": "Ann", "phone": "555", "address": "1 Quay"},
        lines=[
            {"sku": "PH1", "serial": IMEI[0]},
            {"sku": "PH1", "quantity": 2},
            {"sku": "CB1", "quantity": 2},
        ],
    )
    assert made["ok"], made
    assert made["order"] == "S1-000001" and made["type"] == "special_order"
    assert [(ln["sku"], ln["serial"], ln["quantity"]) for ln in made["lines"]] == [
        ("PH1", IMEI[0], 1),
        ("PH1", None, 1),
        ("PH1", None, 1),
        ("CB1", None, 2),
    ]
    order, lines = made["order"], [ln["line"] for ln in made["lines"]]
    assert state_of(db, IMEI[0]) == ("reserved", "S1")

    refused = run(db, admin, op="order_fulfil", order=order)
    assert (refused["ok"], refused["error"]) == (False, "serial_required")
    assert "line 2 (PH1)" in refused["message"] and "line 3 (PH1)" in refused["message"]

    assert (
        run(db, admin, op="order_set_serial", order=order, line=lines[1], serial=IMEI[1])["lines"][
            0
        ]["serial"]
        == IMEI[1]
    )
    cleared = run(db, admin, op="order_set_serial", order=order, line=lines[1], serial="")
    assert cleared["ok"] and cleared["lines"][0]["serial"] is None
    assert state_of(db, IMEI[1]) == ("in_stock", "S1")
    run(db, admin, op="order_set_serial", order=order, line=lines[1], serial=IMEI[1])
    run(db, admin, op="order_set_serial", order=order, line=lines[2], serial=IMEI[2])

    short = run(
        db, admin, op="order_fulfil", order=order, payments=[{"method": "card", "amount": "10.00"}]
    )
    assert short["error"] == "payment_due"
    done = run(db, admin, op="order_fulfil", order=order)
    assert done["ok"] and done["invoice"] == "INV-S1-000001" and done["status"] == "fulfilled"
    assert done["paid"] == done["total"]
    assert len(done["lines"]) == 4

    back = run(
        db, admin, op="order_return", order=order, serials=[IMEI[0], IMEI[1]], damaged=[IMEI[1]]
    )
    assert back["ok"], back
    assert back["units"] == [
        {"serial": IMEI[0], "state": "in_stock"},
        {"serial": IMEI[1], "state": "written_off"},
    ]
    assert back["refund_invoice"] == "RF-S1-000001"  # its own series (issue 14)
    again = run(db, admin, op="order_return", order=order, serials=[IMEI[0]])
    assert again["error"] == "not_on_order"
    clean(db)


def test_void_and_bad_requests(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    made = run(db, admin, op="order_create", store="S1", lines=[{"sku": "PH1", "serial": IMEI[0]}])
    voided = run(db, admin, op="order_void", order=made["order"])
    assert voided["ok"] and voided["status"] == "voided"
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")

    bad = run(db, admin, op="order_create", store="S1", lines=[{"sku": "PH1"}, {"sku": "NOPE"}])
    assert bad["error"] == "unknown_product"
    assert run(db, admin, op="order_create", store="S1", lines="PH1")["error"] == "bad_request"
    assert (
        run(db, admin, op="order_set_serial", order=made["order"], line="x", serial="1")["error"]
        == "bad_request"
    )
    assert run(db, admin, op="order_void", order="S1-999999")["error"] == "unknown_order"
    warned = run(db, admin, op="order_create", store="S1", serail="x")
    assert warned["ok"] and warned["warnings"] == ["unknown key 'serail' ignored"]
    clean(db)


def test_a_serial_set_by_the_line_number(db: Database, admin: Actor) -> None:
    """``order_set_serial`` names its line by id (``line``) or by its number on the order
    (``line_number``: a store terminal's entry, whose line ids are not central's)."""
    setup_catalogue(db, admin)
    made = run(db, admin, op="order_create", store="S1", lines=[{"sku": "CB1"}, {"sku": "PH1"}])
    order, phone = made["order"], made["lines"][1]
    assert phone["number"] == 2
    done = run(db, admin, op="order_set_serial", order=order, line_number=2, serial=IMEI[0])
    assert done["ok"], done
    assert [(ln["line"], ln["number"], ln["serial"]) for ln in done["lines"]] == [
        (phone["line"], 2, IMEI[0])
    ]
    assert state_of(db, IMEI[0]) == ("reserved", "S1")
    both = run(
        db, admin, op="order_set_serial", order=order, line=phone["line"], line_number=2, serial=""
    )
    assert both["error"] == "bad_request" and "not both" in both["message"]
    unknown = run(db, admin, op="order_set_serial", order=order, line_number=7, serial=IMEI[1])
    assert unknown["error"] == "unknown_line" and "no line number 7" in unknown["message"]
    wrong = run(db, admin, op="order_set_serial", order=order, line_number="2", serial=IMEI[1])
    assert wrong["error"] == "bad_request" and "'line_number'" in wrong["message"]
    assert state_of(db, IMEI[0]) == ("reserved", "S1")
    assert run(db, admin, op="order_void", order=order)["ok"]
    clean(db)


def test_a_line_with_a_key_it_does_not_know_is_refused_and_sells_nothing(
    db: Database, admin: Actor
) -> None:
    """``serail`` for ``serial``: the laptop (serials optional) was sold with no serial, and
    the laptop with that serial stayed in stock while the customer had it (one laptop on hand
    has no serial recorded). Now the line is refused naming the key, in ``order_create`` and
    ``order_amend``; nothing is recorded."""
    from serialpos.domain.states import Action
    from serialpos.services import ledger

    setup_catalogue(db, admin)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT1", quantity=1)
    typo = run(
        db,
        admin,
        op="order_create",
        store="S1",
        lines=[{"sku": "LT1", "serail": "LT-A"}],
        fulfil=True,
        payments=[{"method": "cash", "amount": "999.00"}],
    )
    assert (typo["ok"], typo["error"]) == (False, "bad_request"), typo
    assert typo["message"].startswith("lines[1]: unknown key 'serail' (known: sku, serial, ")
    assert state_of(db, "LT-A") == ("in_stock", "S1")
    made = run(db, admin, op="order_create", store="S1", lines=[{"sku": "CB1"}])
    assert made["ok"], made
    amended = run(
        db,
        admin,
        op="order_amend",
        order=made["order"],
        lines=[{"number": 1, "sku": "CB1"}, {"number": 2, "sku": "LT1", "serail": "LT-A"}],
    )
    assert (amended["ok"], amended["error"]) == (False, "bad_request"), amended
    assert amended["message"].startswith("lines[2]: unknown key 'serail' (known: number, sku, ")
    assert state_of(db, "LT-A") == ("in_stock", "S1")


def test_a_tender_with_a_key_it_does_not_know_is_refused(db: Database, admin: Actor) -> None:
    """A tender is its method and amount; ``{"method": "cash", "amount": "9.50",
    "tip": "1.00"}`` took 9.50 and said nothing of the tip."""
    setup_catalogue(db, admin)
    tipped = run(
        db,
        admin,
        op="order_create",
        store="S1",
        lines=[{"sku": "CB1"}],
        fulfil=True,
        payments=[{"method": "cash", "amount": "9.50", "tip": "1.00"}],
    )
    assert (tipped["ok"], tipped["error"]) == (False, "bad_request"), tipped
    assert tipped["message"] == "payments[1]: unknown key 'tip' (known: method, amount)"


def test_a_customer_with_a_key_it_does_not_know_is_refused(db: Database, admin: Actor) -> None:
    """``{"name": "Ann", "phnoe": "555"}`` made Ann's record with no phone, said nothing."""
    setup_catalogue(db, admin)
    typo = run(
        db,
        admin,
        op="order_create",
        store="S1",
        customer={"name": "Ann", "phnoe": "555"},
        lines=[{"sku": "CB1"}],
    )
    assert (typo["ok"], typo["error"]) == (False, "bad_request"), typo
    assert typo["message"] == (
        "customer: unknown key 'phnoe' (known: id, key, name, phone, email, address)"
    )


def test_a_serial_override_with_a_key_it_does_not_know_is_refused(
    db: Database, admin: Actor
) -> None:
    """A line's ``serial_override`` is the manager's approval: ``{"manager": ..., "pin": ...,
    "sharde": true}`` lost the ``shared`` the manager meant."""
    setup_catalogue(db, admin)
    odd = run(
        db,
        admin,
        op="order_create",
        store="S1",
        lines=[
            {
                "sku": "LT1",
                "serial": "NEW-1",
                "serial_override": {"manager": "ada", "pin": "1234", "sharde": True},
            }
        ],
    )
    assert (odd["ok"], odd["error"]) == (False, "bad_request"), odd
    assert odd["message"] == (
        "lines[1].serial_override: unknown key 'sharde' (known: manager, pin, reason, shared)"
    )
