"""Order lines named by id in a till's ``apply`` lines mean the same lines at central (issue 16).

A host names an order's lines by the ids its verdicts gave (``order_set_serial``'s ``line``,
``order_fulfil``'s ``lines``); those are the till's own rows, and central's rows of the same
order have other ids. The till journals such a line naming the lines by their number on the
order, which is the same at both ends (terminal/line_numbers.py). Found by a new user's walk:
the entry was sent with the till's id, central answered ``unknown_line`` and then refused the
fulfilment (``serial_required``), leaving the unit sold at the till and in stock at central.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from terminal_chain import Chain, Terminal, till_db

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.services import products, users
from serialpos.services.orders import fulfil
from serialpos.services.orders.serials import set_serial


def _entries(till: Terminal) -> list[dict[str, Any]]:
    rows = till.query("SELECT line FROM journal_entry ORDER BY seq")
    return [json.loads(line) for (line,) in rows]


def _central_lines(chain: Chain, order: str) -> list[tuple[int, int, str, str | None, str]]:
    """(id, number, sku, serial, status) of the order's lines at central, by number."""
    with chain.server.db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT l.id, l.number, p.sku, l.serial, l.status FROM order_line l "
                "JOIN sale_order o ON o.id = l.order_id JOIN product p ON p.id = l.product_id "
                "WHERE o.number = :n ORDER BY l.number"
            ),
            {"n": order},
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _till_lines(till: Terminal, order: str) -> list[tuple[Any, ...]]:
    return till.query(
        "SELECT l.id, l.number, p.sku, l.serial, l.status FROM order_line l "
        "JOIN sale_order o ON o.id = l.order_id JOIN product p ON p.id = l.product_id "
        "WHERE o.number = :n ORDER BY l.number",
        n=order,
    )


def _same_at_both_ends(chain: Chain, till: Terminal, order: str, serials: list[str]) -> None:
    """The order, its lines and its units as central holds them, on the till too."""
    sql = (
        "SELECT o.status, (SELECT coalesce(sum(p.amount), 0) FROM order_payment p "
        "WHERE p.order_id = o.id) FROM sale_order o WHERE o.number = :n"
    )
    [(till_status, till_paid)] = till.query(sql, n=order)
    with chain.server.db.engine.connect() as conn:
        [(status, paid)] = conn.execute(sa.text(sql), {"n": order})
    assert (till_status, Decimal(str(till_paid))) == (status, Decimal(str(paid)))
    assert [r[1:] for r in _till_lines(till, order)] == [
        r[1:] for r in _central_lines(chain, order)
    ]
    for serial in serials:
        central = chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial)
        assert till.unit_state(serial) == central == "sold", serial
    till.check_clean()
    chain.check_clean()


def _central_ahead(chain: Chain) -> None:
    """Central makes order lines of its own, so its next line ids are not the till's."""
    made = chain.post({"op": "order_create", "store": "S2", "lines": [{"sku": "CAB"}] * 3})
    assert all(v["ok"] for v in made), made


def test_a_serial_set_by_line_id_then_fulfilled_reaches_central(chain: Chain) -> None:
    """The walk: an order without its serial, the serial set by the line's id, fulfilled."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "OLN-1"})[0]["ok"]
    till = chain.terminal("OLN1")
    _central_ahead(chain)
    [made] = till.apply({"op": "order_create", "store": "S1", "lines": [{"sku": "PH1"}]})
    assert made["ok"], made
    order, line = made["order"], made["lines"][0]["line"]
    set_serial, fulfilled = till.apply(
        {"op": "order_set_serial", "order": order, "line": line, "serial": "OLN-1"},
        {"op": "order_fulfil", "order": order},
    )
    # The host's verdicts still name the till's line id.
    assert set_serial["ok"] and set_serial["lines"][0]["line"] == line, set_serial
    assert fulfilled["ok"] and fulfilled["status"] == "fulfilled", fulfilled

    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (3, 0, 0), report
    [(central_id, number, sku, serial, status)] = _central_lines(chain, order)
    assert central_id != line  # the till's id names no line of this order there
    assert (number, sku, serial, status) == (1, "PH1", "OLN-1", "fulfilled")
    assert chain.scalar("SELECT status FROM sale_order WHERE number = :n", n=order) == "fulfilled"
    _same_at_both_ends(chain, till, order, ["OLN-1"])
    # It was sent naming the line by its number, never by the till's id.
    sent = _entries(till)[1]
    assert sent["op"] == "order_set_serial" and "line" not in sent, sent
    assert sent["line_number"] == 1 and sent["serial"] == "OLN-1"


def test_a_fulfilment_of_some_lines_by_id_reaches_central(chain: Chain) -> None:
    """``order_fulfil`` with ``lines`` (ids) is journaled with ``line_numbers``."""
    for serial in ("OLN-2", "OLN-3"):
        assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    till = chain.terminal("OLN2")
    _central_ahead(chain)
    [made] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "type": "special_order",
            "lines": [{"sku": "PH1", "serial": "OLN-2"}, {"sku": "CAB"}, {"sku": "PH1"}],
        }
    )
    assert made["ok"], made
    order = made["order"]
    ids = {(x["sku"], x["number"]): x["line"] for x in made["lines"]}
    [fulfilled] = till.apply(
        {
            "op": "order_fulfil",
            "order": order,
            "lines": [ids[("CAB", 2)], ids[("PH1", 1)]],
            "payments": [{"method": "cash", "amount": made["total"]}],
        }
    )
    assert fulfilled["ok"], fulfilled
    sent = _entries(till)[-1]
    assert sent["op"] == "order_fulfil" and "lines" not in sent, sent
    assert sent["line_numbers"] == [2, 1]
    # The last line's serial, set by id, then fulfilled.
    set_serial, last = till.apply(
        {"op": "order_set_serial", "order": order, "line": ids[("PH1", 3)], "serial": "OLN-3"},
        {"op": "order_fulfil", "order": order, "lines": [ids[("PH1", 3)]]},
    )
    assert set_serial["ok"] and last["ok"] and last["status"] == "fulfilled", (set_serial, last)

    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (4, 0, 0), report
    assert [r[1:] for r in _central_lines(chain, order)] == [
        (1, "PH1", "OLN-2", "fulfilled"),
        (2, "CAB", None, "fulfilled"),
        (3, "PH1", "OLN-3", "fulfilled"),
    ]
    assert (
        chain.scalar(
            "SELECT count(*) FROM invoice i JOIN sale_order o ON o.id = i.order_id "
            "WHERE o.number = :n",
            n=order,
        )
        == 2
    )
    _same_at_both_ends(chain, till, order, ["OLN-2", "OLN-3"])


def _exploded_package(chain: Chain, sku: str) -> None:
    """A package opened at the sale: a phone (serial required) and a cable."""
    db = chain.server.db
    ada = users.actor_for(db, "ada", "setup")
    products.create_product(db, ada, sku=sku, name="Bundle", price=Decimal("300.00"))
    p = repo.product_t.c
    with db.engine.begin() as conn:
        found = conn.execute(sa.select(p.sku, p.id).where(p.sku.in_([sku, "PH1", "CAB"])))
        ids: dict[str, int] = {name: product_id for name, product_id in found}
        conn.execute(
            sa.text("UPDATE product SET package_type = 'exploded' WHERE sku = :sku"), {"sku": sku}
        )
        for part in ("PH1", "CAB"):
            conn.execute(
                sa.text(
                    "INSERT INTO product_component (package_id, component_id, quantity) "
                    "VALUES (:pkg, :part, 1)"
                ),
                {"pkg": ids[sku], "part": ids[part]},
            )


def test_an_exploded_package_sold_on_a_till_by_line_ids(chain: Chain) -> None:
    """Through ``apply`` a package opened at the sale takes its component's serial by the
    component line's id: the only way to sell one on a till without the console."""
    _exploded_package(chain, "KITOLN")
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "OLN-4"})[0]["ok"]
    till = chain.terminal("OLN3")
    _central_ahead(chain)
    [made] = till.apply({"op": "order_create", "store": "S1", "lines": [{"sku": "KITOLN"}]})
    assert made["ok"], made
    order = made["order"]
    lines = {x["sku"]: x for x in made["lines"]}
    assert [(x["number"], x["sku"]) for x in made["lines"]] == [
        (1, "KITOLN"),
        (2, "CAB"),
        (3, "PH1"),
    ]
    set_serial, fulfilled = till.apply(
        {"op": "order_set_serial", "order": order, "line": lines["PH1"]["line"], "serial": "OLN-4"},
        {"op": "order_fulfil", "order": order, "lines": [lines["KITOLN"]["line"]]},
    )
    assert set_serial["ok"] and fulfilled["ok"], (set_serial, fulfilled)
    assert fulfilled["status"] == "fulfilled"
    sent = _entries(till)[-2:]
    assert (sent[0]["line_number"], sent[1]["line_numbers"]) == (3, [1])

    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (3, 0, 0), report
    assert [r[1:] for r in _central_lines(chain, order)] == [
        (1, "KITOLN", None, "fulfilled"),
        (2, "CAB", None, "fulfilled"),
        (3, "PH1", "OLN-4", "fulfilled"),
    ]
    _same_at_both_ends(chain, till, order, ["OLN-4"])


def test_a_serial_set_in_the_console_on_an_order_central_knows(
    chain: Chain, opened: list[Database]
) -> None:
    """An order made by ``apply`` on the till is central's too: a serial the counter sets on
    it is journaled then (by the line's number), as its fulfilment there names lines only.
    It was not: central refused the fulfilment (``serial_required``), the unit sold here."""
    for serial in ("OLN-5", "OLN-6"):
        assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    till = chain.terminal("OLN4")
    _central_ahead(chain)
    [made] = till.apply({"op": "order_create", "store": "S1", "lines": [{"sku": "PH1"}]})
    assert made["ok"], made
    order, line = made["order"], made["lines"][0]["line"]
    db, mia = till_db(till, opened)
    set_serial(db, mia, order, line, "OLN-5")
    set_serial(db, mia, order, line, "OLN-6")  # changed: the first goes back to stock
    done = fulfil(db, mia, order, settle_in="cash")
    sent = _entries(till)
    assert [(x["op"], x.get("line_number"), x.get("serial")) for x in sent[1:3]] == [
        ("order_set_serial", 1, "OLN-5"),
        ("order_set_serial", 1, "OLN-6"),
    ]
    assert sent[3]["op"] == "order_fulfil" and sent[3]["line_numbers"] == [1]

    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (4, 0, 0), report
    assert done.order.status.value == "fulfilled"
    assert [r[1:] for r in _central_lines(chain, order)] == [(1, "PH1", "OLN-6", "fulfilled")]
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'OLN-5'") == "in_stock"
    assert till.unit_state("OLN-5") == "in_stock"
    _same_at_both_ends(chain, till, order, ["OLN-6"])
