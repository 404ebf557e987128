"""What one sync round did (:class:`SyncReport`): counts of the push, the pull and the
transfers followed, printed by ``serialpos sync`` as JSON (its keys are pinned)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from serialpos.terminal.mirror import MirrorCount


@dataclass
class SyncReport:
    accepted: int = 0
    replayed: int = 0
    conflicts: int = 0
    refused: int = 0
    retry: int = 0
    pulled: int = 0
    #: Transfers shipped to this store, kept here to be received.
    transfers: int = 0
    mirror: MirrorCount = field(default_factory=MirrorCount)
    pending: int = 0
    feed_after: int = 0
    #: settings and catalogue taken again from central this round (terminal/refresh.py)
    refreshed: bool = False
    #: units set here to central's state after a conflict or a refusal
    #: (terminal/central_state.py)
    central_state: int = 0
    #: customer records taken from central this round (terminal/customers.py)
    customers: int = 0
    #: transfers shipped from this store whose copy here took central's (received at the
    #: other store: services/transfers/sent.py)
    sent_transfers: int = 0
    #: quantities (per product, store and document) of entries central did not take, put
    #: back here as they were before the entry (terminal/quantities.py)
    put_back: int = 0
    #: transfers shipped from here that central did not take (a conflict or a refusal),
    #: their copy here marked refused (services/transfers/sent.py)
    refused_transfers: int = 0
    #: transfers received here whose receipt central did not take: their copy here reads
    #: central's again, or refused (services/transfers/incoming.py)
    refused_receipts: int = 0
    #: open ASNs of this store kept here from central this round (services/asn/till_copy.py)
    asns: int = 0
    #: ASNs received here whose receipt central did not take: their copy here reads
    #: central's again (open), to be received again (services/asn/till_copy.py)
    refused_asn_receipts: int = 0
    #: entries found changed after they were made, refused here unsent
    #: (services/journal_seals.py), each said in words with the units it moved here, put
    #: back as they were before it (terminal/tampered_units.py)
    tampered: list[str] = field(default_factory=list)
    #: entries central refused this round (settled refused here), each said in words: the
    #: run names them on stderr and exits 1, as for any refusal
    refusals: list[str] = field(default_factory=list)
    #: what central said of entries it took this round (a till's clock it did not believe,
    #: domain/till_time.py), each in words: the run names them on stderr, and goes on
    warnings: list[str] = field(default_factory=list)
    #: this till's sales a manager recorded at central (``record_sale``) whose order here
    #: took central's rows this round (terminal/recorded_sales.py)
    recorded_sales: int = 0
    #: payments central took on this till's own open orders (a layby's part payment at the
    #: head office), taken here this round (terminal/own_orders.py)
    order_payments: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
