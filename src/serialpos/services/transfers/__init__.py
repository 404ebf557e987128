"""Store-to-store transfers: create one, scan units onto it, ship it, receive it at the other
store with the same checklist as an ASN.

One module per job: ``views`` (what a transfer looks like, reading), ``sending`` (the sending
store: scan, cancel, ship), ``receiving`` (the other store's checklist) and ``host_calls``
(``serialpos apply``). The names below are re-exported for callers that import the package.
"""

from __future__ import annotations

from serialpos.services.transfers.host_calls import apply_in, apply_out, close_received
from serialpos.services.transfers.item_checks import refuse_listed_twice, refuse_summed_quantities
from serialpos.services.transfers.receiving import TransferReceiving
from serialpos.services.transfers.sending import (
    add_units,
    cancel_transfer,
    create_transfer,
    remove_units,
    set_quantity,
    ship,
)
from serialpos.services.transfers.views import (
    DOCUMENT_TYPE,
    LIST_LIMIT,
    ScanOutcome,
    ShipResult,
    TransferLineView,
    TransferSummary,
    TransferView,
    UnknownTransfer,
    get_transfer,
    list_transfers,
)

__all__ = [
    "DOCUMENT_TYPE",
    "LIST_LIMIT",
    "ScanOutcome",
    "ShipResult",
    "TransferLineView",
    "TransferReceiving",
    "TransferSummary",
    "TransferView",
    "UnknownTransfer",
    "add_units",
    "apply_in",
    "apply_out",
    "cancel_transfer",
    "close_received",
    "create_transfer",
    "get_transfer",
    "list_transfers",
    "refuse_listed_twice",
    "refuse_summed_quantities",
    "remove_units",
    "set_quantity",
    "ship",
]
