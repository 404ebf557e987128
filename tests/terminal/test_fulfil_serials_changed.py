"""A till fulfils an order central changed while the till was offline (issue 16).

The till's ``order_fulfil`` named the order's lines by number only: central, whose line held
another serial meanwhile (a host's ``PUT .../serial``), sold its own unit while the customer
took the till's, or (the serial cleared) refused the fulfil and the till put the sale back,
the unit in stock at both ends and the cash in no book. The entry now names the serials it
handed over (``handed_over``) and central records any difference as a conflict.
"""

from __future__ import annotations

import json
from decimal import Decimal

from terminal_chain import Chain, Terminal

from serialpos.services import products, users

_STATE = "SELECT state FROM serial_unit WHERE serial = :s"
_ORDER = "SELECT status FROM sale_order WHERE number = :n"


def _open_order(chain: Chain, name: str) -> tuple[Terminal, str, str]:
    """A till's open order of one unit (``NAME-1``), known at central; ``NAME-2`` in stock."""
    sku = f"FR{name}"
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku=sku, name=sku, price=Decimal("500.00"), serial_mode="required"
    )
    for serial in (f"{name}-1", f"{name}-2"):
        assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    till = chain.terminal(name)
    [made] = till.apply(
        {"op": "order_create", "store": "S1", "lines": [{"sku": sku, "serial": f"{name}-1"}]}
    )
    assert made["ok"], made
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    return till, made["order"], made["total"]


def _fulfil_offline(till: Terminal, order: str, total: str) -> dict[str, object]:
    [done] = till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": total}]}
    )
    assert done["ok"], done
    return done


def _conflicts_of(chain: Chain, order: str) -> list[dict[str, object]]:
    listed = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    return [x for x in listed if order in json.dumps(x)]


def test_a_serial_changed_at_central_makes_the_till_s_fulfil_a_conflict(chain: Chain) -> None:
    """Central set FS1-2 on the line; the till handed over FS1-1: a conflict, never FS1-2
    sold at central while the customer has FS1-1."""
    till, order, total = _open_order(chain, "FS1")
    [put] = chain.post(
        {"op": "order_set_serial", "order": order, "line_number": 1, "serial": "FS1-2"}
    )
    assert put["ok"], put
    _fulfil_offline(till, order, total)
    [entry] = [
        json.loads(x)
        for (x,) in till.query("SELECT line FROM journal_entry ORDER BY seq DESC LIMIT 1")
    ]
    assert entry["handed_over"] == [{"line_number": 1, "serial": "FS1-1"}], entry
    report = till.sync(check=False)
    assert (report["accepted"], report["conflicts"], report["refused"]) == (0, 1, 0), report
    [conflict] = _conflicts_of(chain, order)
    assert conflict["error"] == "serial_changed", conflict
    assert "FS1-2" in str(conflict["message"]) and "FS1-1" in str(conflict["message"])
    # Central sold nothing: its line still holds FS1-2, reserved; FS1-1 in its stock.
    assert chain.scalar(_ORDER, n=order) == "open"
    assert chain.scalar(_STATE, s="FS1-2") == "reserved"
    assert chain.scalar(_STATE, s="FS1-1") == "in_stock"
    # The till keeps what it did (the customer has FS1-1), for a manager to settle.
    assert till.unit_state("FS1-1") == "sold"
    assert till.query(_ORDER, n=order) == [("fulfilled",)]
    till.check_clean()
    chain.check_clean()


def test_a_serial_cleared_at_central_makes_the_till_s_fulfil_a_conflict(chain: Chain) -> None:
    """Central cleared the line's serial: the fulfil was refused ``serial_required`` and the
    till put it back (FS2-1 in stock at both ends, the customer holding it, the cash in no
    book); now a conflict a manager resolves, the till's sale kept as made."""
    till, order, total = _open_order(chain, "FS2")
    [put] = chain.post({"op": "order_set_serial", "order": order, "line_number": 1, "serial": None})
    assert put["ok"], put
    _fulfil_offline(till, order, total)
    report = till.sync(check=False)
    assert (report["accepted"], report["conflicts"], report["refused"]) == (0, 1, 0), report
    [conflict] = _conflicts_of(chain, order)
    assert conflict["error"] == "serial_changed", conflict
    assert till.unit_state("FS2-1") == "sold"
    assert till.query(_ORDER, n=order) == [("fulfilled",)]
    till.check_clean()
    chain.check_clean()
