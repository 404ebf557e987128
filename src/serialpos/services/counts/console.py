"""What a console scan or typed text means during a count: a product, ``+N``, a GS1 product
and serial, or a serial."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.counts import (
    NotInCount,
)
from serialpos.domain.entry_text import AROUND, entry_refusal
from serialpos.domain.errors import (
    BadRequest,
    BadSerial,
    DomainError,
    UnknownProduct,
)
from serialpos.domain.products import SerialMode
from serialpos.domain.quantity_entry import is_quantity, judge_typed, past_the_most, plus_forgotten
from serialpos.domain.scan_resolution import (
    Accepts,
    KnownUnit,
    ProductSerial,
    Refusal,
    ScanContext,
)
from serialpos.domain.text import clip
from serialpos.services import journal_sink
from serialpos.services.context import Actor
from serialpos.services.counts.batches import (
    require_open,
)
from serialpos.services.counts.scanning import (
    scan_in,
)
from serialpos.services.counts.views import (
    ScanInput,
    ScanOutcome,
    count_row,
)
from serialpos.services.receiving import barcode_owner
from serialpos.services.scan_resolver import facts_of, refused, resolve_in, units_with_serial
from serialpos.services.settings import settings_in


# -- what a console scan or typed text means ------------------------------------------
@dataclass(frozen=True)
class Taken:
    """What one scan at the console did: ``current`` is the product now being counted (its
    serials may follow), ``outcome`` the scan recorded (None when a product was only chosen)."""

    current: str | None
    outcome: ScanOutcome | None
    message: str


def _product_for(conn: Connection, code: str) -> repo.ProductRow | None:
    """A product barcode (any GTIN form) or an exact SKU, else None."""
    owner = barcode_owner(conn, code)
    if owner is not None:
        return repo.product_by_sku(conn, owner)
    try:
        return repo.product_by_sku(conn, code)
    except UnknownProduct:
        return None


def not_known_here(serial: str) -> DomainError:
    """A bare serial a till does not know, scanned in a count. A till knows its store's
    units, not the chain's: a serial it never held may be another product's at central, so
    it is not taken as the product being counted, and the person names its product
    (docs/offline.md). One refusal whether a product was chosen first or not (there were
    two, and the one after a product was cut on a handheld): short enough to be read whole
    in a 40x16 handheld's message line (four rows of 38 columns)."""
    return DomainError(
        f"serial {clip(serial, 24)} is unknown on this till, and so is its product: scan "
        "its GS1 label (product + serial) or count it at central",
        code="unknown_unit",
    )


def take(
    db: Database,
    actor: Actor,
    count: str,
    batch: int,
    *,
    text: str | None = None,
    gtin: str | None = None,
    serial: str | None = None,
    current: str | None = None,
    run_on: tuple[str, str] | None = None,
    sure: bool = False,
    typed: bool = False,
) -> Taken:
    """One scan or typed entry at the console, in one transaction.

    - a product (barcode or SKU): counted by serial here -> it becomes the current product and
      its serials follow; counted by quantity -> one unit counted (and it becomes current);
    - ``+N`` / ``-N``: N units of the current product counted (or taken back); a number
      unlikely to be meant (past 999, or reading like a barcode) raises
      :class:`~serialpos.domain.quantity_entry.UnlikelyQuantity` unless ``sure`` (the
      person said yes to the question), as receiving and scan-out ask;
    - GS1 product + serial (``gtin`` and ``serial``): that unit (``run_on``: the decoder's
      word that the label's serial may hold the fields after it: no unit is made from it);
    - anything else is a serial: of the current product, or resolved by the ledger. A serial
      never changes a current product (a product or a GS1 label does); with none, the
      serial's product becomes current. A bare number ``typed`` at a person's pace while the
      current product is counted by quantity (or may be: serials optional) is a quantity
      without its ``+``, refused naming ``+N``, unless it is a unit the ledger knows.
    """

    def work(conn: Connection) -> Taken:
        found = count_row(db, conn, count, lock="share")
        require_open(found)
        tracked = settings_in(db, conn, found.store).serialized_inventory
        # An invisible character is refused, naming it, as the sale's scan field does: a
        # bare strip() took a no-break space or a line separator off and counted A1<NBSP>
        # as A1 (domain/entry_text.py).
        for given in (text, gtin, serial):
            refusal = None if given is None else entry_refusal(given)
            if refusal is not None:
                raise BadSerial(refusal)
        entry = (text or "").strip(AROUND)
        if gtin is not None:
            product = _product_for(conn, gtin)
            if product is None:
                raise UnknownProduct(f"no product has the barcode {clip(gtin)}")
            if serial is not None:
                done = scan_in(
                    db,
                    conn,
                    actor,
                    found,
                    batch,
                    ScanInput(product.sku, serial, run_on=run_on),
                    tracked,
                )
                return Taken(product.sku, done, done.message)
            entry = gtin
        elif serial is not None:
            entry = serial
        if not entry:
            raise BadRequest("scan a product or a serial")
        if entry[0] in "+-" and entry[1:].isdigit():
            if current is None:
                raise BadRequest("scan the product first, then its quantity (+N)")
            if not is_quantity(entry):  # no question: no yes makes it one entry's count
                raise BadRequest(past_the_most(entry, current, scanned=False))
            quantity = judge_typed(entry, current, None, sure=sure)
            done = scan_in(
                db, conn, actor, found, batch, ScanInput(current, None, quantity), tracked
            )
            return Taken(current, done, done.message)
        product = _product_for(conn, entry) if serial is None else None
        if product is not None:
            by_serial = tracked and product.serial_mode.tracked
            if found.products is not None and product.sku not in found.products:
                raise NotInCount(
                    f"{product.sku} is not in count {found.number} (it counts "
                    f"{', '.join(found.products)})"
                )
            if by_serial:
                more = (
                    " (+N counts units without a label)"
                    if (product.serial_mode is SerialMode.OPTIONAL)
                    else ""
                )
                return Taken(
                    product.sku,
                    None,
                    f"{product.sku} {product.name}: scan each unit's serial{more}",
                )
            done = scan_in(db, conn, actor, found, batch, ScanInput(product.sku, None, 1), tracked)
            return Taken(product.sku, done, f"{done.message} (+N for more)")
        # A bare serial finds its own product, whichever product is current: three Nova 7
        # IMEIs scanned after an Aurora 15 are Nova 7 units, not never-seen Aurora 15s.
        chosen = None if current is None else repo.product_by_sku(conn, current)
        selected = None if chosen is None else facts_of(chosen)
        context = ScanContext(
            found.store,
            selected,
            frozenset({Accepts.SERIAL}),
            creates_units=True,
            document=found.number,
        )
        outcome = resolve_in(conn, entry, context)
        if typed and chosen is not None and not isinstance(outcome, KnownUnit):
            forgot = _plus_forgotten(entry, chosen, tracked)
            if forgot is not None:
                raise BadRequest(forgot)
        if isinstance(outcome, Refusal):
            if outcome.code == "unknown_serial" and journal_sink.on_terminal(db):
                raise not_known_here(entry)  # the same refusal as with a product chosen
            raise refused(outcome)
        if isinstance(outcome, KnownUnit):
            scanned = ScanInput(outcome.unit.product.sku, outcome.unit.serial)
        elif isinstance(outcome, ProductSerial):
            if journal_sink.on_terminal(db) and not units_with_serial(conn, outcome.serial):
                raise not_known_here(outcome.serial)
            scanned = ScanInput(outcome.product.sku, outcome.serial)
        else:
            raise BadRequest(f"'{clip(entry)}' is not a serial: scan a product or a serial")
        done = scan_in(db, conn, actor, found, batch, scanned, tracked)
        kept = done.sku if current is None else current  # nothing chosen: its product is
        return Taken(kept, done, serial_counted_message(done, current))

    return db.write(work)


def _plus_forgotten(entry: str, product: repo.ProductRow, tracked: bool) -> str | None:
    """Why a typed bare number is no serial of ``product``, the current one: it takes a
    quantity (``+N``), so the number is that quantity without its sign
    (domain/quantity_entry.plus_forgotten); None when the number may be a serial."""
    if entry[0] in "+-" or not is_quantity(entry):
        return None
    by_quantity = not (tracked and product.serial_mode.tracked)
    if not by_quantity and product.serial_mode is not SerialMode.OPTIONAL:
        return None  # serials required: every entry is a serial, checked as one
    return plus_forgotten(entry, product.sku, labels=not by_quantity)


def serial_counted_message(done: ScanOutcome, current: str | None) -> str:
    """What a bare serial's scan says. A serial counts under its own product and never
    changes the selected one: the operator chose that product on purpose, and a stray serial
    of another product in between (a bike's, among drills) must not turn the next new drill
    serial into a bike. So when the serial is another product's, the message says so
    ("WTU123456789A counted as BK-CITY7") and which product is still selected."""
    if current is None or done.sku == current or done.serial is None:
        return done.message
    if done.alert:
        return f"{done.message} ({current} stays selected)"
    return f"{done.serial} counted as {done.sku}; {current} stays selected"
