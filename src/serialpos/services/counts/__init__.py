"""Cycle counts: open a count (the whole store or chosen products), count it in batches (one
per counter), reconcile it against the ledger, and approve it (managers and admins), which
posts the adjustments as ledger events and owes the count's event file in the same commit.

One module per job: ``views`` (what a count looks like, reading), ``batches`` (opening a
count and its batches), ``scanning`` (one scan, its own transaction), ``console`` (what a
console scan or typed text means), ``reconciling`` (the count and the ledger read in bulk;
the rules are :mod:`serialpos.domain.count_reconciliation`), ``approval`` (the adjustments
posted), ``host_call`` (a whole count at once, ``serialpos apply``) and ``till_decisions``
(a store terminal's count at central: the till's own decisions posted where still legal, a
conflict for each that is not; rules in :mod:`serialpos.domain.count_decisions`).

Approval, per product (domain/counts.py names the classes):

- missing units (in stock here, not scanned) -> ``adjust_remove`` (written off);
- never-seen serials -> ``adjust_add`` (new units in stock here);
- a unit written off at this store and found -> ``adjust_add`` (back in stock);
- units the ledger places elsewhere (another store, sold, in transit, reserved...) are left
  alone and listed: a person settles them with the document that explains them;
- duplicates (seen in two batches) were counted once: nothing to post;
- products counted by quantity (no serials, or a store with serialized inventory off) ->
  ``adjust_add``/``adjust_remove`` of the difference;
- a serial-tracked product whose on-hand quantity is not its in-stock units (serialized
  inventory switched on at the store since) gets one quantity-only event that brings the
  quantity to the units now known: the first count after switching on starts serial
  tracking, and ``serialpos db check`` stays clean.

The names below are re-exported for callers that import the package.
"""

from __future__ import annotations

from serialpos.domain.count_reconciliation import (
    BatchInfo,
    Duplicate,
    ElsewhereUnit,
    Reconciliation,
    UnitRef,
)
from serialpos.services.counts.approval import TillCount, approve
from serialpos.services.counts.batches import close_batch, open_count, start_batch
from serialpos.services.counts.console import Taken, take
from serialpos.services.counts.host_call import BatchInput, count_at_once
from serialpos.services.counts.reconciling import (
    reconcile,
    reconciliation_from_json,
    reconciliation_json,
)
from serialpos.services.counts.scanning import scan
from serialpos.services.counts.views import (
    DOCUMENT_TYPE,
    MAX_COUNTER,
    MAX_QUANTITY,
    Approval,
    BatchClosed,
    CountInfo,
    ScanInput,
    ScanOutcome,
    UnknownBatch,
    UnknownCount,
    get_count,
    open_counts,
)

__all__ = [
    "DOCUMENT_TYPE",
    "MAX_COUNTER",
    "MAX_QUANTITY",
    "Approval",
    "BatchClosed",
    "BatchInfo",
    "BatchInput",
    "CountInfo",
    "Duplicate",
    "ElsewhereUnit",
    "Reconciliation",
    "ScanInput",
    "ScanOutcome",
    "Taken",
    "TillCount",
    "UnitRef",
    "UnknownBatch",
    "UnknownCount",
    "approve",
    "close_batch",
    "count_at_once",
    "get_count",
    "open_count",
    "open_counts",
    "reconcile",
    "reconciliation_from_json",
    "reconciliation_json",
    "scan",
    "start_batch",
    "take",
]
