"""A unit a store terminal's count did not find that came back into stock meanwhile: left in
stock at central, a conflict for a manager that says so (issue 16).

Found by a walk: a customer brought a sold unit back at till B (a return, offline); till C,
which still knew the unit as sold, counted the shelf and did not scan it (it was on B's
counter, or in the customer's bag). B's return reached central first, then C's count:
central, finding the unit in stock and not scanned, wrote it off as missing. No conflict
was recorded; the unit ended written off at central and on every till while it was in the
shop. C never looked for it: its count could not miss what it did not expect.

A till's count entry now names the units its count found missing there (``not_found``,
services/counts/approval.py). Central writes off only those (when they are still missing
here); a unit central finds missing besides was not in stock as the till knew it, so the
count says nothing about it. It is left in the state its last accepted event gave it, and
recorded as one conflict per unit, naming the count, the unit and the event that put it in
stock, with what to do: look for it, then ``accept`` (it is here) or ``write_off`` (it is
truly missing). The count's other adjustments stand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql
from serialpos.db.engine import Database
from serialpos.domain.count_reconciliation import UnitRef
from serialpos.domain.text import clip
from serialpos.services.apply.fields import Fields

#: The error a conflict of this kind carries (``conflicts list``, the Conflicts screen).
ERROR = "count_not_looked_for"


def message(count: str, terminal: str, unit: UnitRef, stands: dict[str, Any] | None) -> str:
    """The conflict's words for the manager: what the count said, why central did not
    believe it, where the unit was left, and what to do."""
    why = ""
    if stands is not None:
        by = stands.get("ev_terminal") or stands.get("ev_user_name") or "central"
        doc = f" of {stands['ev_document_id']}" if stands.get("ev_document_id") else ""
        why = (
            f" It came back into stock by a {stands['ev_action']} at {by}{doc}, which till "
            f"{terminal} had not heard of when it counted, so its count did not look for it."
        )
    state = "in stock" if stands is None else str(stands.get("ev_to_state") or "in stock")
    return (
        f"count {count} at till {terminal} did not find {unit.serial} ({unit.sku}).{why} "
        f"Left {state.replace('_', ' ')}, NOT written off: find the unit, then accept "
        "(it is here) or write it off (it is truly missing)."
    )


def record_disputed(
    db: Database, f: Fields, count: str, disputed: Sequence[UnitRef]
) -> list[dict[str, Any]]:
    """One conflict per unit in ``disputed``, in the count entry's transaction (``db`` is
    joined to it); what the verdict lists (``disputed``: SKU, serial, conflict id)."""
    journal = f.value("journal") or {}
    terminal = str(journal.get("terminal") or "")
    seq = int(journal.get("seq") or 0)
    key = str(f.value("id") or "")

    def work(conn: Connection) -> list[dict[str, Any]]:
        out = []
        store = f.value("store")
        store_id = conflict_sql.store_for(conn, store if isinstance(store, str) else None, terminal)
        for unit in disputed:
            first = conflict_sql.last_unit_event(conn, unit.sku, unit.serial)
            stands = None if first is None else conflict_sql.event_as_listed(conn, first)
            line = {
                "op": "count",
                "store": store,
                "number": count,
                "not_found": [{"sku": unit.sku, "serial": unit.serial}],
                "journal": journal,
            }
            made = conflict_sql.add_conflict(
                conn,
                entry_id=f"{key}/{unit.serial}"[:128],
                terminal=terminal,
                entry_seq=seq,
                store_id=store_id,
                product_id=conflict_sql.product_id(conn, unit.sku),
                serial=unit.serial,
                first_event_id=first,
                entry_line=json.dumps(line, ensure_ascii=False, sort_keys=True),
                error=ERROR,
                message=clip(message(count, terminal, unit, stands), 400),
            )
            out.append({"sku": unit.sku, "serial": unit.serial, "conflict": made})
        return out

    return db.write(work)
