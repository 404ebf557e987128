"""What a store terminal knows about its own sync: entries waiting, the oldest one's age,
conflicts and refusals central answered, and the feed number it is current to."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import journal, lease_sql, mirror_sql, repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.terminal import count_conflicts, quantities


def status(db: Database) -> dict[str, Any]:
    def work(conn: Connection) -> dict[str, Any]:
        pending, oldest = journal.counts(conn)
        by_state = journal.by_state(conn)
        age = None if oldest is None else int((utcnow() - oldest).total_seconds())
        return {
            "pending": pending,
            "oldest_pending_seconds": age,
            "accepted": by_state.get("accepted", 0),
            "conflicts": by_state.get("conflict", 0),
            "refused": by_state.get("refused", 0),
            "feed_after": int(journal.get_state(conn, "feed_after") or 0),
            # units leased to this terminal, as last copied from central (terminal/leases.py)
            "leases": len(lease_sql.leases(conn, utcnow())),
            # when the settings and catalogue were last taken again (terminal/refresh.py)
            "refreshed_at": _utc_text(journal.get_state(conn, "refreshed_at")),
        }

    return db.read(work)


def _utc_text(stored: str | None) -> str | None:
    """A UTC time kept as naive ISO text, shown as every other time of the status is
    (``link_since``, a conflict's ``made_at``): to the second, with its ``Z``."""
    if not stored:
        return None
    return datetime.fromisoformat(stored).isoformat(timespec="seconds") + "Z"


def local_conflicts(db: Database) -> list[dict[str, Any]]:
    """The conflicts central recorded for this terminal's entries, as central answered them
    (so a till shows them offline too), its counts' included, with the entry they belong to
    and ``put_back``: the quantities the entry had moved here, put back when central did not
    take it (terminal/quantities.py)."""

    def work(conn: Connection) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for entry in journal.entries(conn, "conflict"):
            answer = json.loads(entry.answer or "{}")
            view = dict(answer.get("conflict") or {})
            # A follow-on act's conflict names the one it follows (the push's answer said
            # it beside the conflict before central's conflicts carried it).
            view.setdefault("follows", answer.get("follows"))
            view.setdefault(
                "entry", {"id": entry.id, "seq": entry.seq, "line": json.loads(entry.line)}
            )
            view["made_at"] = entry.made_at.isoformat(timespec="seconds") + "Z"
            view["user"] = entry.user_name
            view["put_back"] = quantities.shown(conn, entry)
            out.append(view)
        # A count central took is accepted, its refused decisions each a conflict of its own
        # (``entry#n``): this till's too (terminal/count_conflicts.py).
        for entry, view in count_conflicts.views(conn):
            view["made_at"] = entry.made_at.isoformat(timespec="seconds") + "Z"
            view["user"] = entry.user_name
            view["put_back"] = []
            out.append(view)
        out.sort(key=lambda c: int((c.get("entry") or {}).get("seq") or 0))
        return out

    return db.read(work)


def pending(db: Database) -> list[dict[str, Any]]:
    """Entries waiting for central, oldest first: each ``entry`` id, ``seq``, ``line`` and
    ``answer``: central's answer when it answered without taking the entry (a journal
    rewound: terminal/push.py ``REWOUND``), else None (not sent yet). What a person makes
    again at a new terminal when central will not take them."""

    def work(conn: Connection) -> list[dict[str, Any]]:
        return [
            {
                "entry": e.id,
                "seq": e.seq,
                "line": json.loads(e.line),
                "answer": json.loads(e.answer) if e.answer else None,
            }
            for e in journal.entries(conn, "pending")
        ]

    return db.read(work)


def refused(db: Database) -> list[dict[str, Any]]:
    """Entries central refused outright (not conflicts): the line, central's answer,
    ``units``: this till's copy now of each unit the answer names (``central_units``), so a
    person sees what the till did with them (a receipt central refused is set aside:
    expected again, not on hand; terminal/central_state.py), and ``put_back``: the
    quantities the entry had moved here, put back (terminal/quantities.py)."""

    def work(conn: Connection) -> list[dict[str, Any]]:
        products = mirror_sql.product_ids(conn)
        stores = repo.store_codes(conn)
        out = []
        for e in journal.entries(conn, "refused"):
            answer = json.loads(e.answer or "{}")
            out.append(
                {
                    "entry": e.id,
                    "seq": e.seq,
                    "line": json.loads(e.line),
                    "answer": answer,
                    "units": _local_units(conn, answer, products, stores),
                    "put_back": quantities.shown(conn, e),
                }
            )
        return out

    return db.read(work)


def _local_units(
    conn: Connection, answer: dict[str, Any], products: dict[str, int], stores: dict[int, str]
) -> list[dict[str, Any]]:
    found = []
    for unit in answer.get("central_units") or ():
        sku, serial = unit.get("sku"), unit.get("serial")
        here = None if sku not in products else mirror_sql.unit(conn, products[sku], serial)
        if here is not None:
            found.append(
                {"serial": serial, "sku": sku, "store": stores[here.store_id], "state": here.state}
            )
    return found
