"""One scan into a batch, written as it is taken (its own small transaction): a crash loses
nothing and a count stays open across sessions until approved."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.counts import (
    NotInCount,
    Place,
    found_here,
)
from serialpos.domain.errors import (
    BadRequest,
    BadSerial,
    NotSerialized,
    SerialRequired,
    UnknownProduct,
)
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import (
    Accepts,
    KnownUnit,
    Refusal,
    ScanContext,
)
from serialpos.domain.serials import SerialFormat, require_serial
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services.context import Actor
from serialpos.services.counts.batches import (
    open_batch_id,
    require_open,
)
from serialpos.services.counts.views import (
    MAX_QUANTITY,
    CountRow,
    ScanInput,
    ScanOutcome,
    batch_c,
    count_row,
    scan_c,
    scan_t,
    unit_c,
)
from serialpos.services.format_guard import check_new_serial
from serialpos.services.receiving import barcode_owner
from serialpos.services.scan_resolver import (
    refuse_case_twin,
    refuse_live_elsewhere,
    refused,
    resolve_in,
    run_on_refusal_in,
    units_with_serial,
)
from serialpos.services.settings import settings_in


# -- scanning -------------------------------------------------------------------------
def _resolve_serial(conn: Connection, serial: str) -> repo.ProductRow:
    """The product of a serial scanned without its product: its unit's own (the live one
    when units of several products have it), by the scan resolver's rules."""
    outcome = resolve_in(conn, serial, ScanContext("", accepts=frozenset({Accepts.SERIAL})))
    if isinstance(outcome, KnownUnit):
        return repo.product_by_sku(conn, outcome.unit.product.sku)
    if isinstance(outcome, Refusal):
        raise refused(outcome)
    raise UnknownProduct(
        f"serial {clip(serial)} is not known: scan the product's barcode first, then its serials"
    )


def _owner_said(conn: Connection, serial: str, sku: str) -> str:
    """The product a unit with ``serial`` belongs to, when not ``sku``: a host that sent a
    unit's serial under the wrong SKU is told whose it is, not only that the SKU is outside
    the count ("" when no unit of another product has it)."""
    units = [u for u in units_with_serial(conn, serial) if u.product.sku != sku]
    if not units:
        return ""
    unit = units[0]
    owner = unit.product.sku
    return (
        f"; serial {clip(serial)} is a unit of {owner}, {unit.state.label} at {unit.store}: "
        f"send it under {owner}"
    )


def scan_in(
    db: Database,
    conn: Connection,
    actor: Actor,
    count: CountRow,
    batch: int,
    scan: ScanInput,
    tracked_store: bool,
    *,
    warn_elsewhere: bool = True,
) -> ScanOutcome:
    """One scan into batch ``batch``. ``warn_elsewhere``: a serial the ledger has sold,
    reserved, expected or at another store is said at once (:func:`_elsewhere_warning`);
    a host's bulk count leaves it to the reconciliation it gets back."""
    actor.require(Permission.RECEIVE)
    require_open(count)
    bid = open_batch_id(conn, count, batch)
    serial = None if scan.serial is None else require_serial(scan.serial)
    if scan.sku is not None:
        product = repo.product_by_sku(conn, scan.sku)
    elif serial is not None:
        product = _resolve_serial(conn, serial)
    else:
        raise BadRequest("a scan needs a product (SKU or barcode) or a serial")
    sku = product.sku
    if count.products is not None and sku not in count.products:
        raise NotInCount(
            f"{sku} is not in count {count.number} (it counts {', '.join(count.products)})"
            + ("" if serial is None else _owner_said(conn, serial, sku))
        )
    tracked = tracked_store and product.serial_mode.tracked
    quantity = scan.quantity
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int)):
        raise BadRequest("a quantity must be a whole number")
    if serial is not None:
        if product.serial_mode is SerialMode.DISABLED:
            raise NotSerialized(f"{sku} is counted without serials: give a quantity")
        if quantity is not None and quantity != 1:
            raise BadRequest(f"a serial is one unit; quantity {quantity} with serial {serial}")
        if serial == scan.sku:
            raise BadSerial(f"'{clip(serial)}' is the product, not a serial")
        fmt = SerialFormat.parse(product.serial_format)
        if fmt is not None:
            check_new_serial(conn, fmt, product.id, sku, serial)
        owner = barcode_owner(conn, serial)
        if owner is not None:
            raise BadSerial(
                f"'{clip(serial)}' is the barcode of {owner}, not a serial: scan the serial label"
            )
        # Never count a unit under a second product: not while another product's unit with
        # the serial is live, nor (a unit new to this product) when one is gone, since its
        # approval would make a unit from that product's label (the ledger refuses it then).
        refuse_live_elsewhere(conn, sku, serial, new_unit=True)
        refuse_case_twin(conn, serial, sku)  # caps lock: a recorded label in other case
        run_on = run_on_refusal_in(conn, sku, serial, scan.run_on)  # a unit found: made
        if run_on is not None:
            raise refused(run_on)
        quantity = 1
    else:
        if tracked and product.serial_mode is SerialMode.REQUIRED:
            raise SerialRequired(f"{sku} is counted by serial: scan each unit's serial")
        quantity = 1 if quantity is None else quantity
        if quantity == 0 or abs(quantity) > MAX_QUANTITY:
            raise BadRequest(
                f"a counted quantity must be 1 to {MAX_QUANTITY:,} "
                "(negative to take back a miscount)"
            )
        if quantity > 0:
            _refuse_past_limit(conn, count, product, quantity)
    # Serials are counted from the (batch, product, serial) index alone; quantities summed
    # over the few rows without a serial: a scan into a long batch stays quick.
    in_batch = (scan_c.batch_id == bid, scan_c.product_id == product.id)
    quantity_q = sa.select(sa.func.coalesce(sa.func.sum(scan_c.quantity), 0)).where(
        *in_batch, scan_c.serial.is_(None)
    )
    total_q = sa.select(
        sa.select(sa.func.count()).where(*in_batch, scan_c.serial.is_not(None)).scalar_subquery()
        + quantity_q.scalar_subquery()
    )
    if serial is not None:
        dup = conn.execute(
            sa.select(scan_c.id).where(
                scan_c.batch_id == bid, scan_c.product_id == product.id, scan_c.serial == serial
            )
        ).first()
        if dup is not None:
            total = int(conn.execute(total_q).scalar_one())
            return ScanOutcome(
                "repeat",
                sku,
                serial,
                0,
                f"serial {serial} of {sku} was already scanned in batch {batch}: counted once",
                (batch,),
                total,
            )
    elif quantity < 0:
        before = int(conn.execute(quantity_q).scalar_one())
        if before + quantity < 0:
            raise BadRequest(
                f"batch {batch} has {before} of {sku} counted; it cannot take back {-quantity}"
            )
    conn.execute(
        scan_t.insert().values(
            count_id=count.id,
            batch_id=bid,
            product_id=product.id,
            serial=serial,
            quantity=quantity,
            user_name=actor.user,
            scanned_at=utcnow(),
        )
    )
    total = int(conn.execute(total_q).scalar_one())
    if serial is None:
        return ScanOutcome(
            "counted",
            sku,
            None,
            quantity,
            f"{sku}: {quantity:+d}, {total} in batch {batch}",
            (),
            total,
        )
    others = tuple(
        sorted(
            conn.execute(
                sa.select(batch_c.number)
                .join(scan_t, scan_c.batch_id == batch_c.id)
                .where(
                    scan_c.count_id == count.id,
                    scan_c.product_id == product.id,
                    scan_c.serial == serial,
                    batch_c.id != bid,
                )
            )
            .scalars()
            .all()
        )
    )
    warning = None
    if warn_elsewhere and tracked:
        warning = _elsewhere_warning(conn, count, product.id, serial)
    if others:
        seen = ", ".join(str(n) for n in others)
        words = f"serial {serial} of {sku} was also counted in batch {seen}: flagged, counted once"
        return ScanOutcome(
            "other_batch",
            sku,
            serial,
            1,
            words if warning is None else f"{warning[1]}; {words}",
            (*others, batch),
            total,
            None if warning is None else warning[0],
        )
    if warning is not None:
        return ScanOutcome("elsewhere", sku, serial, 1, warning[1], (batch,), total, warning[0])
    return ScanOutcome(
        "counted",
        sku,
        serial,
        1,
        f"{sku} {serial} counted ({total} in batch {batch})",
        (batch,),
        total,
    )


def _refuse_past_limit(
    conn: Connection, count: CountRow, product: repo.ProductRow, quantity: int
) -> None:
    """Refuse a quantity that would take the product's count (every batch's quantities:
    what approval posts as one ledger line) past :data:`MAX_QUANTITY`. It was taken, and
    approval was then refused naming no product (a walk reached 3,199,991)."""
    counted = int(
        conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(scan_c.quantity), 0)).where(
                scan_c.count_id == count.id,
                scan_c.product_id == product.id,
                scan_c.serial.is_(None),
            )
        ).scalar_one()
    )
    if counted + quantity > MAX_QUANTITY:
        raise BadRequest(
            f"{product.sku}: {counted:,} counted in {count.number}, +{quantity:,} would pass "
            f"the limit of {MAX_QUANTITY:,} for one product: not counted"
        )


_EVENT = repo.event_t.c


def _elsewhere_warning(
    conn: Connection, count: CountRow, product_id: int, serial: str
) -> tuple[str, str] | None:
    """The ledger's state of a serial just counted and what its scan says at once
    (:meth:`~serialpos.domain.counts.Elsewhere.scan_warning`), or None when it is in stock
    here, new, or written off here (approval puts it back). Said as the scan lands: the
    review's Elsewhere list came too late for the clerk who walked on."""
    unit = conn.execute(
        sa.select(unit_c.id, unit_c.state, unit_c.store_id).where(
            unit_c.product_id == product_id, unit_c.serial == serial
        )
    ).first()
    if unit is None:
        return None
    codes = repo.store_codes(conn)
    found = found_here(serial, Place(unit.state, codes.get(unit.store_id, "?")), count.store)
    if found is None:
        return None
    last = conn.execute(
        sa.select(_EVENT.document_type, _EVENT.document_id)
        .where(_EVENT.unit_id == unit.id, _EVENT.document_id.is_not(None))
        .order_by(_EVENT.id.desc())
        .limit(1)
    ).first()
    document = None
    if last is not None:
        kind, number = str(last.document_type or ""), str(last.document_id)
        document = number if number.upper().startswith(kind.upper()) else f"{kind} {number}"
    warning = found.scan_warning(document.strip() if document else None)
    return None if warning is None else (unit.state, warning)


def scan(
    db: Database,
    actor: Actor,
    count: str,
    batch: int,
    *,
    sku: str | None = None,
    serial: str | None = None,
    quantity: int | None = None,
) -> ScanOutcome:
    """Record one scan in a batch as it happens (its own transaction). A product barcode
    resolves to its SKU before this is called; a serial without a product is resolved to the
    one product the ledger knows it under."""

    def work(conn: Connection) -> ScanOutcome:
        found = count_row(db, conn, count, lock="share")
        tracked = settings_in(db, conn, found.store).serialized_inventory
        return scan_in(db, conn, actor, found, batch, ScanInput(sku, serial, quantity), tracked)

    return db.write(work)
