"""What every way of receiving shares: the checks on one scanned serial before it may land on
a checklist, and the shape of a receiving session the console drives.

ASN receiving, blind receiving and the receiving end of a transfer each implement
:class:`ReceivingSession`, so one checklist screen serves all three and they behave alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import asn_tables, repo, unit_sql, unrecorded_units
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.checklist import (
    CaseCount,
    Checklist,
    ChecklistLine,
    Discrepancy,
    ScanResult,
)
from serialpos.domain.errors import (
    AlreadySold,
    DomainError,
    DuplicateSerial,
    NotInStock,
)
from serialpos.domain.scan_resolution import KnownUnit, Refusal, ScanContext
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action, UnitState
from serialpos.services import scan_resolver
from serialpos.services.event_files import WriteReport


class Discrepancies(DomainError):
    """Completion refused because the scans do not match the document; completing anyway
    needs ``accept_discrepancies`` (the console asks for confirmation)."""

    code = "discrepancies"

    def __init__(self, found: list[Discrepancy]) -> None:
        self.found = found
        words = "; ".join(d.words for d in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        super().__init__(
            f"the scans do not match: {words}{more}. Complete anyway to record these differences"
        )


@dataclass(frozen=True)
class CompletionResult:
    """A completed receipt: its document number, the units taken in, the differences
    recorded, and how writing its event file went."""

    document: str
    received: int
    discrepancies: tuple[Discrepancy, ...]
    files: WriteReport


class ReceivingSession(Protocol):
    """One receipt in progress, bound to its database, actor, store and outbox."""

    checklist: Checklist

    @property
    def title(self) -> str:
        """What is being received, for the screen's title ("ASN 7 from Acme")."""
        ...

    def scan(self, sku: str, serial: str) -> ScanResult:
        """Check and record one scanned serial; raises the refusal as a DomainError."""
        ...

    def count(self, sku: str, quantity: int) -> ChecklistLine:
        """Add (or, negative, take back) units of a product without serials."""
        ...

    def count_case(self, case: CaseCount) -> CaseCount:
        """Count the units of a case pack the document lists, once: the case counted now, or
        (a repeat, nothing counted) the case as counted before, saying when and by whom."""
        ...

    def add_product(self, sku: str) -> ChecklistLine:
        """Blind receipts: start a line for a product as it is scanned. Documents that list
        their products refuse a product they do not list."""
        ...

    def rescan(self, sku: str) -> ChecklistLine: ...

    def receive_all(self) -> dict[str, int]:
        """Take what is missing as arrived (``Checklist.receive_all``). Returns, by SKU, the
        units counted meanwhile elsewhere (another terminal on the same ASN) that the
        checklist did not show and that were taken into account; empty when none."""
        ...

    def complete(self, *, accept_discrepancies: bool = False) -> CompletionResult: ...


def count_case_held(session: ReceivingSession, case: CaseCount, user: str) -> CaseCount:
    """``count_case`` of a session that holds its scans in the checklist (a blind receipt, a
    transfer: neither lists case packs today): the units counted, the case remembered."""
    if case.repeat:
        return case
    session.count(case.sku, case.units)
    session.checklist.case_counted(case, utcnow(), user)
    return case


event_c = repo.event_t.c
_EXPECTED_ON = (
    sa.select(event_c.document_id)
    .where(event_c.unit_id == sa.bindparam("unit_id"), event_c.action == Action.EXPECT.value)
    .order_by(event_c.id.desc())
    .limit(1)
)


def expected_on(conn: Connection, unit_id: int) -> str | None:
    """The ASN that announced a unit (the document of its latest ``expect`` event)."""
    return conn.execute(_EXPECTED_ON, {"unit_id": unit_id}).scalar_one_or_none()


#: The SKU whose barcode a "serial" is (moved beside the scan resolver's other look-ups).
barcode_owner = scan_resolver.barcode_owner


def line_for_serial(
    db: Database, serial: str, listed_for: str | None, lines: frozenset[str]
) -> str | None:
    """The checklist line a bare serial belongs to, whichever product is selected: the product
    the document lists it for (``listed_for``), else the product whose unit the ledger knows
    by this serial when exactly one product has one and it has a line here. None: a serial of
    the selected product (a new unit, or one the receipt refuses naming its own product)."""
    if listed_for is not None:
        return listed_for
    text = serial.strip()
    if not text or len(text) > MAX_SERIAL_LOOKUP:
        return None
    units = db.read(lambda conn: scan_resolver.units_with_serial(conn, text))
    own = {unit.product.sku for unit in units}
    if len(own) == 1:
        sku = next(iter(own))
        return sku if sku in lines else None
    return None


#: Longer text is no serial (the serial check refuses it); the look-up is skipped.
MAX_SERIAL_LOOKUP = 64


def check_receivable(
    db: Database, store: str, sku: str, raw_serial: str, *, asn: str | None = None
) -> str:
    """Refuse a serial that cannot be received here, naming why; return it normalised.

    Refused: a malformed serial, one breaking the product's format, one already in stock (or
    reserved, in transit, sold) anywhere, and one an ASN expects, unless receiving on ``asn``.
    """
    serial = require_serial(raw_serial)

    def work(conn: Connection) -> str:
        row = repo.product_by_sku(conn, sku)
        context = ScanContext(
            store,
            selected=scan_resolver.facts_of(row),
            fixed_product=True,
            creates_units=True,
            document=asn,
        )
        outcome = scan_resolver.resolve_in(conn, serial, context)
        if isinstance(outcome, Refusal):
            raise scan_resolver.refused(outcome)
        if not isinstance(outcome, KnownUnit):
            return serial
        unit = unit_sql.unit_by_serial(conn, row.id, serial)
        if unit is None:
            return serial
        state = UnitState(unit.state)
        if state is UnitState.EXPECTED:
            expecting = expected_on(conn, unit.id)
            if (
                expecting is not None
                and expecting != asn
                and not asn_tables.asn_received(conn, expecting)
            ):
                where = repo.store_codes(conn).get(unit.store_id, "?")
                raise NotInStock(
                    f"serial {serial} of {sku} is expected on ASN {expecting} "
                    f"at {where}: receive it on that ASN"
                )
            return serial  # the usual scan of a receipt: no store names read
        if state is UnitState.SOLD:
            raise AlreadySold(f"serial {serial} of {sku} was sold; take it back as a return")
        if state is UnitState.RETURNED_TO_VENDOR:
            return serial  # the vendor sent it back: it may come in again
        if state is UnitState.WRITTEN_OFF and unrecorded_units.unrecorded(conn, unit.id):
            return serial  # a till's receipt central refused: received again here
        where = repo.store_codes(conn).get(unit.store_id, "?")
        raise DuplicateSerial(
            f"serial {serial} of {sku} is already recorded ({state.label} at {where})"
        )

    return db.read(work)
