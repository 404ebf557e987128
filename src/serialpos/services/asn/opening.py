"""Opening an ASN for receiving: the checklist from its lines and the serials it lists, with
every scan saved so far."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.checklist import (
    Checklist,
    ChecklistLine,
)
from serialpos.domain.document_status import AsnStatus
from serialpos.domain.errors import (
    Conflict,
)
from serialpos.domain.products import SerialMode
from serialpos.domain.states import Action
from serialpos.domain.users import Permission
from serialpos.services.asn.receiving import (
    AsnReceiving,
    ProductLines,
    apply_saved_scans,
    read_saved_scans,
)
from serialpos.services.asn.views import (
    DOCUMENT_TYPE,
    asn_header,
    asn_line_c,
    event_c,
    product_c,
)
from serialpos.services.context import Actor
from serialpos.services.settings import settings_in
from serialpos.services.terminal_links import WrongStore


def open_asn(
    db: Database,
    actor: Actor,
    asn: str,
    store: str,
    outbox: Path,
    *,
    saved_scans: bool = True,
    persist: bool = True,
) -> AsnReceiving:
    """Start (or resume) receiving ``asn`` at ``store``: the checklist from its lines and the
    serials it lists, with every scan saved so far. A store that does not track serials
    counts every line as a quantity (no serials asked)."""
    actor.require(Permission.RECEIVE)

    def work(conn: Connection) -> AsnReceiving:
        head = asn_header(conn, asn)
        store_id = repo.store_id(db, conn, store)
        if head.store_id != store_id:
            where = repo.store_codes(conn).get(head.store_id, "?")
            # The ASN is another store's document (the store exists): ``wrong_store``, as
            # another store's order is refused; ``unknown_store`` is for no such store.
            raise WrongStore(f"ASN {asn} is for store {where}, not {store}")
        if head.status != AsnStatus.OPEN:
            raise Conflict(
                f"ASN {asn} was already received on {head.received_at:%Y-%m-%d} by "
                f"{head.received_by}"
            )
        tracked = settings_in(db, conn, store).serialized_inventory
        rows = conn.execute(
            sa.select(
                asn_line_c.number,
                asn_line_c.sku,
                asn_line_c.quantity,
                asn_line_c.listed,
                asn_line_c.case_pack,
                product_c.name,
                product_c.serial_mode,
            )
            .join(repo.product_t, product_c.id == asn_line_c.product_id)
            .where(asn_line_c.asn_id == head.id)
            .order_by(asn_line_c.number)
        ).all()
        listed: dict[str, set[str]] = {}
        serial_line: dict[str, dict[str, int]] = {}
        if tracked and any(r.listed for r in rows):
            query = (
                sa.select(product_c.sku, event_c.serial, event_c.document_line)
                .join(repo.product_t, product_c.id == event_c.product_id)
                .where(
                    event_c.document_type == DOCUMENT_TYPE,
                    event_c.document_id == asn,
                    event_c.action == Action.EXPECT.value,
                )
            )
            for sku, serial, number in conn.execute(query):
                listed.setdefault(sku, set()).add(serial)
                serial_line.setdefault(sku, {})[serial] = int(number)
        order: dict[str, ChecklistLine] = {}
        lines: dict[str, ProductLines] = {}
        all_listed: dict[str, bool] = {}
        for r in rows:
            serialized = tracked and SerialMode(r.serial_mode).tracked
            line = order.get(r.sku)
            if line is None:
                line = order[r.sku] = ChecklistLine(r.sku, r.name, 0, serialized)
                lines[r.sku] = ProductLines([], serial_line.get(r.sku, {}))
            line.expected += r.quantity
            lines[r.sku].numbers.append(int(r.number))
            lines[r.sku].quantities[int(r.number)] = int(r.quantity)
            all_listed[r.sku] = all_listed.get(r.sku, True) and r.listed == r.quantity
        optional = {r.sku for r in rows if SerialMode(r.serial_mode) is SerialMode.OPTIONAL}
        optional -= {r.sku for r in rows if r.listed}
        for sku, line in order.items():
            if line.serialized and all_listed[sku]:
                line.expected_serials = frozenset(listed.get(sku, ()))
            elif line.serialized:  # some of its ASN lines list serials: each one reported
                line.listed = frozenset(listed.get(sku, ()))
            # An optional-serial product the ASN lists no serial for: scanned or counted.
            line.optional = line.serialized and sku in optional
        case_packs = {r.case_pack: r.sku for r in rows if r.case_pack}
        case_units: dict[str, int] = {}
        for r in rows:
            if r.case_pack and case_packs[r.case_pack] == r.sku:
                case_units[r.case_pack] = case_units.get(r.case_pack, 0) + int(r.quantity)
        checklist = Checklist(
            order.values(),
            document=asn,
            kind="ASN",
            case_packs=case_packs,
            case_units=case_units,
        )
        if saved_scans:
            apply_saved_scans(checklist, read_saved_scans(conn, int(head.id)))
        return AsnReceiving(
            db,
            actor,
            asn=head.asn,
            vendor=head.vendor,
            store=store,
            row_id=int(head.id),
            checklist=checklist,
            lines=lines,
            outbox=outbox,
            persist=persist,
        )

    return db.read(work)
