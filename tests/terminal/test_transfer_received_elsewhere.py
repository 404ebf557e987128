"""A till's copy of a transfer shipped to its store follows the receipt made at central (or at
another till of the store) from the feed (issue 16): before, the copy kept every unit and
quantity in transit and the transfer ``shipped`` for good (the reason ``db check``'s
transfer rules skip tills), while the units themselves were in stock. Real processes:
``serialpos serve`` on PostgreSQL, the till's CLI."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from terminal_chain import Chain

TRANSFER = (
    "SELECT t.status, t.received_by, (t.received_at IS NOT NULL) FROM transfer t "
    "WHERE t.number = :n"
)
UNITS = (
    "SELECT u.serial, u.received FROM transfer_unit u JOIN transfer t ON t.id = u.transfer_id "
    "WHERE t.number = :n ORDER BY u.serial"
)
LINES = (
    "SELECT p.sku, l.quantity, l.received FROM transfer_line l JOIN transfer t "
    "ON t.id = l.transfer_id JOIN product p ON p.id = l.product_id WHERE t.number = :n "
    "ORDER BY p.sku"
)
STATES = "SELECT serial, state FROM serial_unit WHERE serial LIKE 'TRX-%' ORDER BY serial"
CABLES = (
    "SELECT s.quantity FROM stock_level s JOIN product p ON p.id = s.product_id JOIN store st "
    "ON st.id = s.store_id WHERE p.sku = 'CAB' AND st.code = 'S1'"
)


def _central(chain: Chain, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with chain.server.db.engine.connect() as conn:
        return [
            tuple(bool(v) if isinstance(v, bool) else v for v in r)
            for r in conn.execute(sa.text(sql), params)
        ]


def _till(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """SQLite's 0/1 as booleans, as central's."""
    return [
        tuple(bool(v) if isinstance(v, int) and k else v for k, v in enumerate(r)) for r in rows
    ]


def _qty(rows: list[tuple[Any, ...]]) -> int:
    return int(rows[0][0]) if rows else 0


def test_a_transfer_received_at_central_is_received_on_the_tills_copy(chain: Chain) -> None:
    serials = ["TRX-1", "TRX-2", "TRX-3"]
    assert chain.post(
        {"op": "receive", "store": "S2", "sku": "PH1", "serials": serials},
        {"op": "receive", "store": "S2", "sku": "CAB", "quantity": 4},
    )[1]["ok"]
    till = chain.terminal("trx-till")  # S1
    cables_before = _qty(till.query(CABLES))
    [shipped] = chain.post(
        {
            "op": "transfer_out",
            "store": "S2",
            "to": "S1",
            "transfer": "TR-X-1",
            "create": True,
            "items": [{"sku": "PH1", "serials": serials}, {"sku": "CAB", "quantity": 3}],
        }
    )
    assert shipped["ok"], shipped
    assert till.sync()["transfers"] == 1  # kept: received here offline if need be
    assert till.query(TRANSFER, n="TR-X-1") == [("shipped", None, 0)]

    # Received at central's counter (two phones of three, two cables of three), complete.
    [taken] = chain.post(
        {
            "op": "transfer_in",
            "store": "S1",
            "transfer": "TR-X-1",
            "complete": True,
            "items": [{"sku": "PH1", "serials": ["TRX-1", "TRX-2"]}, {"sku": "CAB", "quantity": 2}],
        }
    )
    assert taken["ok"], taken
    till.sync()

    # The till's copy is central's: the transfer received, by whom, its units and lines.
    assert _central(chain, TRANSFER, n="TR-X-1") == [("received", "ada", True)]
    assert _till(till.query(TRANSFER, n="TR-X-1")) == [("received", "ada", True)]
    assert _central(chain, UNITS, n="TR-X-1") == [
        ("TRX-1", True),
        ("TRX-2", True),
        ("TRX-3", False),
    ]
    assert _till(till.query(UNITS, n="TR-X-1")) == _central(chain, UNITS, n="TR-X-1")
    assert till.query(LINES, n="TR-X-1") == _central(chain, LINES, n="TR-X-1")
    assert till.query(STATES) == _central(chain, STATES)
    assert _qty(till.query(CABLES)) == _qty(_central(chain, CABLES)) == cables_before + 2
    till.check_clean()

    # The rest arrives and is received at central later: the copy follows again.
    [rest] = chain.post(
        {
            "op": "transfer_in",
            "store": "S1",
            "transfer": "TR-X-1",
            "items": [{"sku": "PH1", "serials": ["TRX-3"]}, {"sku": "CAB", "quantity": 1}],
        }
    )
    assert rest["ok"], rest
    till.sync()
    assert _till(till.query(UNITS, n="TR-X-1")) == _central(chain, UNITS, n="TR-X-1")
    assert all(received for _s, received in _central(chain, UNITS, n="TR-X-1"))
    assert till.query(LINES, n="TR-X-1") == _central(chain, LINES, n="TR-X-1")
    assert till.query(STATES) == _central(chain, STATES)
    till.check_clean()
