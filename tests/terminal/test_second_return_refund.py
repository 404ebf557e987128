"""One unit returned at two tills offline, the second refund booked at central by ``refund``
(issue 16).

Till A sold a phone; till B holds a copy of the sale. Offline, the customer brings the phone
back to A and to B (or two customers with one receipt), and each till pays 250.00 out of its
drawer. A syncs first: central takes A's return; B's is a conflict. Before, only ``accept``
settled it: B's refund stayed in B's drawer and in no book of central's, and B's copy of the
order kept its own refund note listing the line, which central never held. Now the manager
resolves it by ``refund`` (services/second_refund.py): central books B's refund note, no
goods on it, and its refund; B takes central's rows of the order at its next sync, its
refund keeping its shift. Real ``serialpos serve`` on PostgreSQL, the tills separate
processes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from terminal_chain import Chain, Terminal

from serialpos.services import products, users

PRICE, FLOAT = Decimal("250.00"), Decimal("500")
LINES = (
    "SELECT l.number, l.status, l.serial, r.number FROM order_line l "
    "JOIN sale_order o ON o.id = l.order_id LEFT JOIN invoice r ON r.id = l.refund_invoice_id "
    "WHERE o.number = :n ORDER BY l.number"
)
INVOICES = (
    "SELECT i.number, i.kind, i.total, i.refers_to, "
    "(SELECT count(*) FROM invoice_line il WHERE il.invoice_id = i.id) "
    "FROM invoice i JOIN sale_order o ON o.id = i.order_id WHERE o.number = :n "
    "ORDER BY i.number"
)
PAYMENTS = (
    "SELECT p.kind, p.method, p.amount, i.number FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id LEFT JOIN invoice i ON i.id = p.invoice_id "
    "WHERE o.number = :n ORDER BY i.number, p.kind"
)
SHIFTS = (
    "SELECT i.number, p.shift_id IS NOT NULL FROM order_payment p JOIN invoice i "
    "ON i.id = p.invoice_id JOIN sale_order o ON o.id = p.order_id "
    "WHERE o.number = :n AND p.kind = 'refund' ORDER BY i.number"
)


def _rows(rows: list[Any]) -> list[tuple[Any, ...]]:
    """Rows comparable across SQLite and PostgreSQL (money as Decimal of two places)."""
    return [
        tuple(
            Decimal(str(v)).quantize(Decimal("0.01"))
            if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) and i in (2,)
            else v
            for i, v in enumerate(r)
        )
        for r in rows
    ]


def _central(chain: Chain, sql: str, order: str) -> list[tuple[Any, ...]]:
    def read(conn: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in conn.exec_driver_sql(sql.replace(":n", f"'{order}'")).all()]

    return chain.server.db.read(read)


def _x(till: Terminal) -> dict[str, Any]:
    x: dict[str, Any] = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
    return x


def _returned_at_both(
    chain: Chain, tag: str, a_shift: bool = False
) -> tuple[Terminal, Terminal, str, str, str, int]:
    """A sells SR-<tag>; B copies the sale and opens its shift; offline both take the unit
    back (A by serial, B by the line's number as its console does), A syncs first: (A, B,
    the order, A's refund note, B's, the conflict of B's return)."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    sku, serial = f"SRP{tag}", f"SR-{tag}"
    products.create_product(
        chain.server.db, ada, sku=sku, name="Phone SR", serial_mode="required", price=PRICE
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    a, b = chain.terminal(f"sr-{tag}-a"), chain.terminal(f"sr-{tag}-b")
    if a_shift:  # the store sells only in an open shift
        a.cli("--user", "mia", "shift", "open", "--float", str(FLOAT))
    [sold] = a.apply({"op": "sell", "store": "S1", "sku": sku, "serial": serial})
    assert sold["ok"] and a.sync()["accepted"] == 1
    order = sold["order"]
    assert b.sync()["mirror"]["order_copies"] == 1  # B's copy of A's sale
    b.cli("--user", "mia", "shift", "open", "--float", str(FLOAT))
    # Offline: the same unit comes back at both tills, each refund paid out of its drawer.
    [at_a] = a.apply({"op": "order_return", "order": order, "serials": [serial]})
    [at_b] = b.apply(
        {"op": "order_return", "order": order, "line_numbers": [1], "refund_method": "cash"}
    )
    assert at_a["ok"] and at_b["ok"], (at_a, at_b)
    assert Decimal(at_b["amount"]) == PRICE
    assert Decimal(str(_x(b)["expected_cash"])) == FLOAT - PRICE
    assert a.sync()["accepted"] == 1
    second = b.sync()
    assert (second["accepted"], second["conflicts"]) == (0, 1), second
    [conflict] = [
        c
        for c in json.loads(chain.central("conflicts", "list", "--json").stdout)
        if c["serial"] == serial
    ]
    assert (conflict["terminal"], conflict["error"]) == (b.name, "not_returnable")
    return a, b, order, at_a["refund_invoice"], at_b["refund_invoice"], int(conflict["id"])


def _same_books(chain: Chain, a: Terminal, b: Terminal, order: str) -> None:
    """Central's order and B's copy hold the same lines, documents and money; A's lines too
    (A, the selling till, keeps no other till's refund note of its sale: docs/offline.md)."""
    lines = _central(chain, LINES, order)
    assert b.query(LINES, n=order) == lines
    assert a.query(LINES, n=order) == lines
    assert _rows(b.query(INVOICES, n=order)) == _rows(_central(chain, INVOICES, order))
    assert _rows(b.query(PAYMENTS, n=order)) == _rows(_central(chain, PAYMENTS, order))


def test_a_second_refund_resolved_by_refund_is_in_centrals_books_and_the_tills(
    chain: Chain,
) -> None:
    a, b, order, note_a, note_b, number = _returned_at_both(chain, "1")
    shown = json.loads(chain.central("conflicts", "show", str(number), "--json").stdout)
    assert shown["resolutions"] == ["accept", "refund"], shown["resolutions"]
    said = " ".join(chain.central("conflicts", "show", str(number)).stdout.split())
    assert "refund books it at central as a refund of money with no goods back" in said, said
    assert "resolve by: accept, refund" in said, said
    # Before: central holds A's refund alone; B holds its own note listing the line too.
    assert _central(chain, PAYMENTS, order)[-1][3] == note_a
    assert (note_b, "Refund") in [(r[0], r[1]) for r in b.query(INVOICES, n=order)]

    done = chain.central(
        "conflicts", "resolve", str(number), "--by", "refund", user="ada", check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["resolution"]["action"] == "refund"
    for till in (b, a, b):
        till.sync()

    # Central's books hold the money B paid out: B's note, no goods, its refund in cash.
    money = _rows(_central(chain, PAYMENTS, order))
    assert [(k, m, v, n) for k, m, v, n in money if k == "refund"] == [
        ("refund", "cash", -PRICE, note_a),
        ("refund", "cash", -PRICE, note_b),
    ]
    invoices = {r[0]: r for r in _rows(_central(chain, INVOICES, order))}
    assert invoices[note_b][1:3] == ("Refund", Decimal("0.00"))
    assert invoices[note_b][4] == 0  # lists no line: the unit came back once
    assert invoices[note_a][4] == 1
    _same_books(chain, a, b, order)
    assert b.query(LINES, n=order) == [(1, "returned", f"SR-{1}", note_a)]
    # B's drawer: its refund stays in its shift, now taken by central (nothing apart).
    assert b.query(SHIFTS, n=order) == [(note_a, 0), (note_b, 1)]
    x = _x(b)
    assert Decimal(str(x["expected_cash"])) == FLOAT - PRICE, x
    assert x["not_taken"] == [], x
    assert b.status()["pending"] == 0
    for serial_db in (a, b):
        assert serial_db.unit_state("SR-1") == "in_stock"
    said = " ".join(chain.central("conflicts", "show", str(number)).stdout.split())
    assert f"booked at central on {note_b} (refund), listing no goods" in said, said
    for db in (a, b, chain):
        db.check_clean()


def test_a_second_refund_resolved_at_the_till_is_taken_at_once(chain: Chain) -> None:
    """Resolved at B (its manager mia, its config), B takes central's rows right away."""
    a, b, order, _note_a, note_b, number = _returned_at_both(chain, "2")
    done = b.cli("--user", "mia", "conflicts", "resolve", str(number), "--by", "refund")
    assert done.returncode == 0, done.stdout + done.stderr
    # No sync round: B's copy is central's already.
    assert _rows(b.query(PAYMENTS, n=order)) == _rows(_central(chain, PAYMENTS, order))
    assert b.query(LINES, n=order) == _central(chain, LINES, order)
    x = _x(b)
    assert Decimal(str(x["expected_cash"])) == FLOAT - PRICE and x["not_taken"] == [], x
    a.sync()
    _same_books(chain, a, b, order)
    assert note_b in {r[0] for r in _central(chain, INVOICES, order)}
    for db in (a, b, chain):
        db.check_clean()


def test_no_open_shift_is_asked_of_the_till_to_book_a_refund_it_paid_already(
    chain: Chain,
) -> None:
    """Where the store sells only in an open shift, resolving a sale's ``refund`` at a till
    asks for one (the manager pays the customer back from it). A second return's refund left
    the drawer when the unit was taken back: B, its shift closed since, books it with none."""
    chain.central("settings", "set", "require_shift", "yes", "--store", "S1", user="ada")
    try:  # the tills are set up with the store's rule
        a, b, order, _note_a, note_b, number = _returned_at_both(chain, "3", a_shift=True)
        b.cli("--user", "mia", "shift", "close", "--counted", str(FLOAT - PRICE))
        done = b.cli(
            "--user", "mia", "conflicts", "resolve", str(number), "--by", "refund", check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        chain.central("settings", "set", "require_shift", "no", "--store", "S1", user="ada")
    assert _rows(b.query(PAYMENTS, n=order)) == _rows(_central(chain, PAYMENTS, order))
    # The refund stays in the (closed) shift it was paid in.
    assert (note_b, 1) in b.query(SHIFTS, n=order)
    a.sync()
    for db in (a, b, chain):
        db.check_clean()


def test_resolved_at_central_the_till_takes_it_with_no_shift_open(chain: Chain) -> None:
    """A sale refunded at central waits for a shift at the till where one is required (the
    refund is paid out of it). A second return's refund was paid at the return: B, its shift
    closed, takes central's rows at its next round."""
    chain.central("settings", "set", "require_shift", "yes", "--store", "S1", user="ada")
    try:
        a, b, order, _note_a, note_b, number = _returned_at_both(chain, "4", a_shift=True)
        b.cli("--user", "mia", "shift", "close", "--counted", str(FLOAT - PRICE))
        chain.central("conflicts", "resolve", str(number), "--by", "refund", user="ada")
        assert b.sync()["recorded_sales"] == 1
    finally:
        chain.central("settings", "set", "require_shift", "no", "--store", "S1", user="ada")
    assert _rows(b.query(PAYMENTS, n=order)) == _rows(_central(chain, PAYMENTS, order))
    assert (note_b, 1) in b.query(SHIFTS, n=order)
    a.sync()
    for db in (a, b, chain):
        db.check_clean()


def test_resolved_at_another_till_no_shift_is_asked_of_it(chain: Chain) -> None:
    """Was: whether a drawer is asked for was decided from the resolving till's own journal
    and conflicts, so B's second return resolved at A (nothing paid at A) asked A for an
    open shift. Now only the conflict's own till is asked, and only when its refund pays
    out there."""
    chain.central("settings", "set", "require_shift", "yes", "--store", "S1", user="ada")
    try:
        a, b, order, _note_a, _note_b, number = _returned_at_both(chain, "5", a_shift=True)
        a.cli("--user", "mia", "shift", "close", "--counted", str(FLOAT))
        done = a.cli(
            "--user", "mia", "conflicts", "resolve", str(number), "--by", "refund", check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        chain.central("settings", "set", "require_shift", "no", "--store", "S1", user="ada")
    b.sync()
    assert _rows(b.query(PAYMENTS, n=order)) == _rows(_central(chain, PAYMENTS, order))
