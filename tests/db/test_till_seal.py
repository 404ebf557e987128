"""A line with no seal sent with a till's token, once the till seals its journal, is
refused ``entry_tampered`` and changes nothing (migration 0038). Before, central took any
unsealed line as a till's made before seals: a forged line reusing the till's next
sequence number and next order number was applied, and the real till's next sale was then
refused ``number_taken``. A till made before seals still sends its old entries unsealed."""

from __future__ import annotations

import json
from decimal import Decimal as D
from typing import Any

from till_push import push

from serialpos.db.engine import Database
from serialpos.domain import entry_seal
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, snapshot, terminal_links, users
from serialpos.services.context import SYSTEM
from serialpos.services.document_numbers import terminal_tag


def _line(key: str, seq: int, serial: str, order: str) -> dict[str, Any]:
    return {
        "id": key,
        "op": "order_create",
        "store": "S1",
        "lines": [{"sku": "PH1", "serial": serial}],
        "fulfil": True,
        "payments": [{"method": "cash", "amount": "299.00"}],
        "numbers": {"order": order},
        "journal": {"terminal": "till-1", "seq": seq, "user": "mia"},
    }


def test_an_unsealed_line_after_sealed_ones_is_refused(db: Database) -> None:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(
        db, mia, sku="PH1", name="Phone", price=D("299.00"), serial_mode="required"
    )
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2", "U3"])
    token = users.actor_for(db, "mia", "api-till-1")
    snapshot.link(db, token, "S1", "till-1")
    tag = terminal_tag("till-1", "S1")
    # Entry 1 made before the till sealed (sent unsealed), entry 2 sealed.
    old = json.dumps(_line("e1", 1, "U1", f"S1-{tag}-000001")).encode()
    first = entry_seal.seal(_line("e2", 2, "U2", f"S1-{tag}-000002"), entry_seal.GENESIS)
    assert [v["ok"] for v in push(db, token, [old, first.encode()])] == [True, True]
    # Someone with the till's token sends entry 3 unsealed, with the till's next number.
    for cache in ("_LINKS", "_SEALED"):  # another serve worker: it reads the link afresh
        getattr(terminal_links, cache, {}).clear()
    with db.engine.connect() as conn:  # the link cached at a pull ...
        terminal_links.link_in(conn, db, token.terminal)
    getattr(terminal_links, "_SEALED", {}).clear()  # ... before the till's first sealed entry
    forged = json.dumps(_line("forged", 3, "U3", f"S1-{tag}-000003")).encode()
    [refused] = push(db, token, [forged])
    assert (refused["ok"], refused["error"]) == (False, "entry_tampered"), refused
    assert "carries no seal" in refused["message"] and "since entry 2" in refused["message"]
    assert lookup.lookup_serial(db, "U3", "PH1")[0].state == "in_stock"
    # The till's own entry 3 (sealed, after entry 2) takes the number.
    prev = entry_seal.read(first).hash or ""
    real = entry_seal.seal(_line("e3", 3, "U3", f"S1-{tag}-000003"), prev)
    [taken] = push(db, token, [real.encode()])
    assert taken["ok"], taken
    assert taken["order"] == f"S1-{tag}-000003"
    # Its old unsealed entry sent again (made before seals) is replayed, not refused.
    [again] = push(db, token, [old])
    assert again["ok"] and again.get("replayed"), again


def test_0038_both_ways(db: Database) -> None:
    """``terminal_link.sealed_from`` made and dropped, the links kept both ways."""
    import sqlalchemy as sa
    from alembic import command

    from serialpos.db import migrate

    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    snapshot.link(db, users.actor_for(db, "mia", "api-till-1"), "S1", "till-1")

    def columns() -> set[str]:
        return {c["name"] for c in sa.inspect(db.engine).get_columns("terminal_link")}

    assert "sealed_from" in columns()
    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0037_serial_case")
        conn.commit()
    db.engine.dispose()
    assert "sealed_from" not in columns()
    migrate.upgrade(db)
    assert "sealed_from" in columns()
    with db.engine.connect() as conn:
        links = conn.execute(sa.text("SELECT terminal_id, sealed_from FROM terminal_link")).all()
    assert [tuple(r) for r in links] == [("till-1", None)]
