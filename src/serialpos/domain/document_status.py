"""The statuses of the stock documents (ASNs, transfers, counts and their batches), as enums.

The tables store them as plain text (each with a CHECK constraint naming the same values);
queries and rules compare a column with these members, so a misspelt status is a NameError
at import rather than a query that silently matches nothing.
"""

from __future__ import annotations

import enum


class AsnStatus(enum.StrEnum):
    """An ASN is open (being received, scans saved) until its receipt is completed."""

    OPEN = "open"
    RECEIVED = "received"


class TransferStatus(enum.StrEnum):
    """A transfer is open (units scanned on it, still in stock at the sender), shipped (its
    units in transit), then received at the other store. On a store terminal a shipment
    central did not take (a conflict, a refusal) is ``refused``: nothing of it is in
    transit, its units are where central has them (services/transfers/sent.py)."""

    OPEN = "open"
    SHIPPED = "shipped"
    RECEIVED = "received"
    REFUSED = "refused"


class CountStatus(enum.StrEnum):
    """A count takes scans while open; approval posts its adjustments and closes it."""

    OPEN = "open"
    APPROVED = "approved"


class BatchStatus(enum.StrEnum):
    """One counter's batch of a count: open while they count, closed when they are done."""

    OPEN = "open"
    CLOSED = "closed"
