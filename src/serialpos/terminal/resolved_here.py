"""A conflict a manager resolves at a store terminal (issue 16): central resolves it, and the
till takes what it did at once, not at its next sync round.

``serialpos conflicts resolve`` on a till and the console's Conflicts screen post the
resolution to central (terminal/central_conflicts.py). The till then only kept central's
answer; its copy of the sale stayed as it had made it until the next sync round took
central's rows (terminal/recorded_sales.py): after ``refund`` the till still showed the sale
fulfilled, its invoice standing and no refund in its drawer while the manager paid the
customer back; after ``record_sale`` of a return its refund note still listed the open line.
So, once central answered, the till takes central's rows of the resolved sale right away
(when nothing of its own waits to be sent: a pulled state never overtakes a local entry
central has not seen; the next round takes it then), and a ``refund`` gives the document the
customer is handed: the receipt of the till's cancelled invoice, the tender and its refund on
it (db/refund_sql.py), printed as a counter's refund is.

A refund is paid out of this till's drawer, so, as a refund at its counter, it is refused
where the store sells only in an open shift and the till has none (``shift_required``,
saying to open one), before central is asked; where shifts are not required it is taken
without one, as a counter's refund is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.closed_money import entry_line, is_closed_money
from serialpos.services.second_refund import second_return
from serialpos.services.shifts import check_refund_drawer
from serialpos.terminal.central_conflicts import (
    list_at_central,
    own_entry,
    remember,
    resolve_at_central,
)
from serialpos.terminal.client import CentralClient, CentralRefused, Offline
from serialpos.terminal.recorded_sales import take_recorded

log = logging.getLogger(__name__)


def resolve_here(
    db: Database,
    chain: ChainConfig,
    conflict_id: int,
    by: str,
    user: str,
    note: str | None = None,
    entry: str | None = None,
) -> dict[str, Any]:
    """Resolve ``conflict_id`` at central as ``user`` and take what it did here (module
    doc); the conflict after, as central answers it. ``entry``: the journal entry meant
    (this till's own, by default)."""
    if entry is None:
        entry = own_entry(db, conflict_id)
    if by == "refund" and _pays_here(chain, conflict_id):
        check_refund_drawer(db, chain.store, chain.terminal)
    done = resolve_at_central(chain, conflict_id, by, user, note, entry)
    remember(db, [done])  # the till's offline list says resolved too
    take_now(db, chain)
    return done


def _pays_here(chain: ChainConfig, conflict_id: int) -> bool:
    """Whether ``refund`` of conflict ``conflict_id``, as central lists it, pays money out of
    this till's drawer: only a conflict of this till's own entry (another till's refund is
    paid from that till's drawer, never this one's), and not a second return
    (services/second_refund.py) or a void of a closed order (services/conflict_closed_money.py),
    whose refund left the drawer already. Was decided from this till's journal and
    conflicts: another till's second return or void resolved here asked this till for a
    shift, and another till's deposit had this till's drawer checked. Central unknown to
    this conflict (resolved, renumbered): False, and central then answers the resolution."""
    listed = list_at_central(chain, only_open=True)
    found = next((c for c in listed if c.get("id") == conflict_id), None)
    if found is None or found.get("terminal") != chain.terminal or second_return(found):
        return False
    return not (is_closed_money(found) and entry_line(found).get("op") == "order_void")


def take_now(db: Database, chain: ChainConfig) -> int:
    """Take central's rows of this till's resolved sales now (terminal/recorded_sales.py);
    nothing while entries of this till wait to be sent, or when central cannot be asked
    (the next sync round takes them). How many were taken."""
    if db.read(journal.counts)[0]:
        return 0
    try:
        with CentralClient.of_till(chain) as client:
            return take_recorded(db, client, chain)
    except (Offline, CentralRefused) as exc:
        log.warning("the resolved sale is taken at the next sync round: %s", exc.message)
        return 0


def refund_document(done: Mapping[str, Any]) -> str | None:
    """The order whose cancelled invoice is the customer's refund document, for a conflict
    resolved by ``refund`` (``done``, as central answered it); None for any other."""
    if (done.get("resolution") or {}).get("action") != "refund":
        return None
    line = (done.get("entry") or {}).get("line") or {}
    if isinstance(line, str):
        line = json.loads(line)
    numbers = line.get("numbers") if isinstance(line, Mapping) else None
    order = numbers.get("order") if isinstance(numbers, Mapping) else None
    return order if isinstance(order, str) else None
