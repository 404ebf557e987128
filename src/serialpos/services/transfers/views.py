"""A transfer as read: its tables, the views the console and CLI show, and the reading queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.transfer_tables import Transfer, TransferLine, TransferUnit
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.entry_text import identifier_refusal
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.text import clip
from serialpos.services import event_files
from serialpos.services.outgoing import PickedUnit

transfer_t: sa.Table = Transfer.__table__  # type: ignore[attr-defined]
line_t: sa.Table = TransferLine.__table__  # type: ignore[attr-defined]
unit_t: sa.Table = TransferUnit.__table__  # type: ignore[attr-defined]
transfer_c, line_c, unit_c, product_c = transfer_t.c, line_t.c, unit_t.c, repo.product_t.c

DOCUMENT_TYPE = "transfer"
#: How many transfers a list shows at most (the newest first).
LIST_LIMIT = 200


class UnknownTransfer(DomainError):
    code = "unknown_transfer"


class NotInTransit(DomainError):
    """More of a product to receive on a kept transfer than is in transit on it, some of it
    received there already: the quantity was received meanwhile (at central or at another
    till). Its own code, not the ASN checklist's ``not_on_asn``: on a till's entry central
    records it as a conflict (services/conflict_codes.py), never a bare refusal."""

    code = "not_in_transit"


def not_in_transit(sku: str, want: str, shipped: int, received: int, number: str) -> DomainError:
    """The refusal of ``want`` (``3 to receive``) of ``sku`` on transfer ``number``. With
    some received there already, :class:`NotInTransit`, naming it (moved meanwhile); with
    none, more than was ever shipped: not on the document (``not_on_asn``, pinned for a
    host's line that asks too much)."""
    text = f"{sku}: {want} but {shipped - received} in transit on transfer {number}"
    if not received:
        from serialpos.domain.checklist import NotOnDocument

        return NotOnDocument(text)
    return NotInTransit(f"{text}; {received} of {shipped} received there already")


# -- views ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TransferLineView:
    """One product on a transfer: units shipped (or picked, while open) and received."""

    sku: str
    name: str
    quantity: int  # units on the transfer
    received: int
    serials: tuple[str, ...]  # serialized units on it, sorted ("" lines hold none)
    received_serials: tuple[str, ...]

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received

    @property
    def outstanding_serials(self) -> tuple[str, ...]:
        got = set(self.received_serials)
        return tuple(s for s in self.serials if s not in got)


#: Statuses with nothing in transit: still open, or a shipment central refused (a store
#: terminal's copy, services/transfers/sent.py).
_NOTHING_SENT = frozenset({TransferStatus.OPEN, TransferStatus.REFUSED})


@dataclass(frozen=True)
class TransferView:
    number: str
    from_store: str
    to_store: str
    status: str
    created_by: str
    created_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    lines: tuple[TransferLineView, ...]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def in_transit(self) -> int:
        """Units shipped and not received yet (none while the transfer is open, nor once
        central refused the shipment)."""
        return 0 if self.status in _NOTHING_SENT else self.units - self.received

    def line(self, sku: str) -> TransferLineView | None:
        return next((ln for ln in self.lines if ln.sku == sku), None)

    def report(self) -> dict[str, list[dict[str, Any]]]:
        """``shipped``, ``received`` and ``in_transit`` per SKU, as hosts read them: each a
        list of ``{"sku", "quantity", "serials"}`` (nothing is shipped while it is open)."""
        shipped = self.status not in _NOTHING_SENT
        return {
            "shipped": [
                {"sku": ln.sku, "quantity": ln.quantity, "serials": list(ln.serials)}
                for ln in self.lines
                if shipped and ln.quantity
            ],
            "received": [
                {"sku": ln.sku, "quantity": ln.received, "serials": list(ln.received_serials)}
                for ln in self.lines
                if ln.received
            ],
            "in_transit": [
                {"sku": ln.sku, "quantity": ln.outstanding, "serials": list(ln.outstanding_serials)}
                for ln in self.lines
                if shipped and ln.outstanding
            ],
        }


@dataclass(frozen=True)
class TransferSummary:
    number: str
    from_store: str
    to_store: str
    status: str
    units: int
    received: int
    created_at: datetime

    @property
    def in_transit(self) -> int:
        return 0 if self.status in _NOTHING_SENT else self.units - self.received


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan (or a pasted list) did to an open transfer."""

    added: tuple[PickedUnit, ...]
    repeated: tuple[str, ...]  # already on this transfer: counted once
    sku: str
    on_line: int  # units of that product on the transfer now
    total: int  # units on the transfer now


@dataclass(frozen=True)
class ShipResult:
    transfer: TransferView
    files: event_files.WriteReport


# -- reading --------------------------------------------------------------------------------
def transfer_row(conn: Connection, number: str, *, lock: bool = False) -> sa.Row[Any]:
    query = sa.select(transfer_t).where(transfer_c.number == number)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        # T-S01-000001<U+200B> is not "no transfer 'T-S01-000001'": the character is named.
        refusal = identifier_refusal("transfer", number, "type or scan it again")
        if refusal is not None:
            raise BadRequest(refusal)
        raise UnknownTransfer(f"there is no transfer '{clip(number)}'")
    return row


def transfer_view(conn: Connection, row: sa.Row[Any]) -> TransferView:
    codes = repo.store_codes(conn)
    names: dict[str, str] = {}
    quantities: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    serials: dict[str, list[str]] = defaultdict(list)
    got: dict[str, list[str]] = defaultdict(list)
    for sku, name, serial, done in conn.execute(
        sa.select(product_c.sku, product_c.name, unit_c.serial, unit_c.received)
        .join(repo.product_t, product_c.id == unit_c.product_id)
        .where(unit_c.transfer_id == row.id)
        .order_by(product_c.sku, unit_c.serial)
    ):
        names[sku] = name
        quantities[sku] += 1
        serials[sku].append(serial)
        if done:
            received[sku] += 1
            got[sku].append(serial)
    for sku, name, qty, done in conn.execute(
        sa.select(product_c.sku, product_c.name, line_c.quantity, line_c.received)
        .join(repo.product_t, product_c.id == line_c.product_id)
        .where(line_c.transfer_id == row.id)
    ):
        names[sku] = name
        quantities[sku] += int(qty)
        received[sku] += int(done)
    lines = tuple(
        TransferLineView(
            sku, names[sku], quantities[sku], received[sku], tuple(serials[sku]), tuple(got[sku])
        )
        for sku in sorted(names)
        if quantities[sku] or sku in serials
    )
    return TransferView(
        row.number,
        codes[row.from_store_id],
        codes[row.to_store_id],
        row.status,
        row.created_by,
        row.created_at,
        row.shipped_at,
        row.received_at,
        lines,
    )


def get_transfer(db: Database, number: str) -> TransferView:
    return db.read(lambda conn: transfer_view(conn, transfer_row(conn, number)))


def list_transfers(db: Database, store: str, *, incoming: bool) -> list[TransferSummary]:
    """Transfers coming to ``store`` (shipped, or received with units still in transit), or
    going from it (open or shipped), newest first."""

    def work(conn: Connection) -> list[TransferSummary]:
        here = repo.store_id(db, conn, store)
        codes = repo.store_codes(conn)
        units = (
            sa.select(sa.func.count()).where(unit_c.transfer_id == transfer_c.id).scalar_subquery()
        )
        got = (
            sa.select(sa.func.count())
            .where(unit_c.transfer_id == transfer_c.id, unit_c.received)
            .scalar_subquery()
        )
        qty = (
            sa.select(sa.func.coalesce(sa.func.sum(line_c.quantity), 0))
            .where(line_c.transfer_id == transfer_c.id)
            .scalar_subquery()
        )
        qty_got = (
            sa.select(sa.func.coalesce(sa.func.sum(line_c.received), 0))
            .where(line_c.transfer_id == transfer_c.id)
            .scalar_subquery()
        )
        if incoming:  # shipped here, or received with units still in transit
            where = sa.and_(
                transfer_c.to_store_id == here,
                sa.or_(
                    transfer_c.status == TransferStatus.SHIPPED,
                    sa.and_(
                        transfer_c.status == TransferStatus.RECEIVED, units + qty > got + qty_got
                    ),
                ),
            )
        else:
            where = sa.and_(
                transfer_c.from_store_id == here,
                transfer_c.status.not_in([TransferStatus.RECEIVED, TransferStatus.REFUSED]),
            )
        rows = conn.execute(
            sa.select(
                transfer_c.number,
                transfer_c.from_store_id,
                transfer_c.to_store_id,
                transfer_c.status,
                transfer_c.created_at,
                units.label("units"),
                got.label("got"),
                qty.label("qty"),
                qty_got.label("qty_got"),
            )
            .where(where)
            .order_by(transfer_c.id.desc())
            .limit(LIST_LIMIT)
        )
        return [
            TransferSummary(
                r.number,
                codes[r.from_store_id],
                codes[r.to_store_id],
                r.status,
                int(r.units) + int(r.qty),
                int(r.got) + int(r.qty_got),
                r.created_at,
            )
            for r in rows
        ]

    return db.read(work)
