"""``serialpos sync``: push the journal to central, then pull central's feed for the store.

One round, :func:`sync_once`, in this order: make sure central is not behind this till
(terminal/central_behind.py), push the journal (terminal/push.py), then, when nothing waits,
pull the store's feed (terminal/pull.py), take the settings and catalogue again when due
(terminal/refresh.py), customer records (terminal/customers.py), and follow the store's
transfers (terminal/follow_transfers.py) and the conflicts it has (a sale a manager recorded
at central: terminal/recorded_sales.py); what it did is a :class:`SyncReport`
(terminal/sync_report.py). The names those modules give are re-exported here.
"""

from __future__ import annotations

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.terminal import refresh
from serialpos.terminal.central_behind import (
    CentralBehind,
    feed_end,
    not_behind_before_push,
)
from serialpos.terminal.central_conflicts import follow_conflicts
from serialpos.terminal.client import CentralClient, CentralRefused
from serialpos.terminal.customers import pull_customers
from serialpos.terminal.follow_transfers import (
    follow_away,
    follow_sent_transfers,
    pull_asns,
    pull_transfers,
)
from serialpos.terminal.own_orders import follow_own_orders
from serialpos.terminal.pull import PULL_PAGE, pull
from serialpos.terminal.push import PUSH_BATCH, RETRY_CODES, TOKEN_CODES, push
from serialpos.terminal.recorded_sales import take_recorded
from serialpos.terminal.settled_follow_ons import take_settled
from serialpos.terminal.sync_report import SyncReport

__all__ = [
    "PULL_PAGE",
    "PUSH_BATCH",
    "RETRY_CODES",
    "TOKEN_CODES",
    "CentralBehind",
    "SyncReport",
    "feed_end",
    "follow_away",
    "follow_sent_transfers",
    "pull",
    "pull_transfers",
    "push",
    "sync_once",
]


def sync_once(
    db: Database, chain: ChainConfig, client: CentralClient, *, one_off: bool = False
) -> SyncReport:
    """Push, then pull. Raises ``Offline`` when central cannot be reached (nothing lost).
    ``one_off``: a ``serialpos sync`` run once, which asks for what background rounds ask
    for only now and then (terminal/own_orders.py)."""
    report = SyncReport()
    not_behind_before_push(db, client, store=chain.store)
    try:
        push(db, client, report, store=chain.store)
    except CentralRefused as exc:
        if exc.code != "terminal_not_linked":
            raise
        # A new token for this terminal (after a revocation): the snapshot's reference part
        # binds it to this terminal, as `terminal init` bound the first; then push again.
        refresh.refresh(db, chain, client)
        report.refreshed = True
        push(db, client, report, store=chain.store)
    # Pull only when everything made here has been answered: a pulled event must never
    # overtake a local entry central has not seen (the next round pulls).
    if db.read(journal.counts)[0] == 0:
        pull(db, client, chain, report)
        if refresh.due(db):
            refresh.refresh(db, chain, client)
            report.refreshed = True
        pull_transfers(db, client, chain, report)
        pull_asns(db, client, chain, report)
        report.customers = pull_customers(db, client)
        follow_sent_transfers(db, client, chain, report)
        follow_conflicts(db, client, chain.store)
        report.recorded_sales = take_recorded(db, client, chain)
        report.order_payments = follow_own_orders(db, client, chain, now=one_off)
        report.central_state += take_settled(db, store=chain.store)
    else:
        report.feed_after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    report.pending = db.read(journal.counts)[0]
    return report
