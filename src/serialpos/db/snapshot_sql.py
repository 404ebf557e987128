"""The SQL of a store terminal's snapshot: what central sends (rows as JSON-safe dicts) and
how a new terminal database takes them (services/snapshot.py, terminal/bootstrap.py).

Catalogue, stores, settings and users are copied with their ids, so the units and stock that
follow refer to them unchanged. Values cross the wire as JSON: dates as ISO text, decimals
as text; :func:`insert_rows` turns them back by the column's type.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import feed as feed_sql
from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.asn_tables import asn_line_t, asn_scan_t, asn_t
from serialpos.db.count_tables import CountBatch, CountScan, StockCount
from serialpos.db.prepared import Prepared
from serialpos.db.transfer_tables import Transfer, TransferLine, TransferUnit

#: Tables copied whole, in the order a new database can take them (foreign keys first).
WHOLE_TABLES: dict[str, sa.Table] = {
    "stores": repo.store_t,
    "chain_settings": repo.chain_setting_t,
    "store_settings": repo.store_setting_t,
    "users": repo.user_t,
    "products": repo.product_t,
    "barcodes": repo.barcode_t,
    "components": repo.component_t,
}


_transfer_t: sa.Table = Transfer.__table__  # type: ignore[attr-defined]
_transfer_line_t: sa.Table = TransferLine.__table__  # type: ignore[attr-defined]
_transfer_unit_t: sa.Table = TransferUnit.__table__  # type: ignore[attr-defined]
_count_t: sa.Table = StockCount.__table__  # type: ignore[attr-defined]
_batch_t: sa.Table = CountBatch.__table__  # type: ignore[attr-defined]
_count_scan_t: sa.Table = CountScan.__table__  # type: ignore[attr-defined]

#: The store's open documents, in the order a new database can take them: open ASNs of the
#: store (lines, scans saved so far), transfers shipped to it and not yet received (lines,
#: units), open counts of the store (batches, scans). Copied with their ids, as the catalogue.
DOCUMENT_TABLES: dict[str, sa.Table] = {
    "asns": asn_t,
    "asn_lines": asn_line_t,
    "asn_scans": asn_scan_t,
    "transfers": _transfer_t,
    "transfer_lines": _transfer_line_t,
    "transfer_units": _transfer_unit_t,
    "counts": _count_t,
    "count_batches": _batch_t,
    "count_scans": _count_scan_t,
}


def store_documents(conn: Connection, store_id: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of :data:`DOCUMENT_TABLES` a terminal of the store needs to receive an ASN,
    receive a transfer or go on with a count without central."""
    asns = rows(conn, asn_t, (asn_t.c.store_id == store_id) & (asn_t.c.status == "open"))
    asn_ids = [a["id"] for a in asns]
    transfers = rows(
        conn,
        _transfer_t,
        (_transfer_t.c.to_store_id == store_id) & (_transfer_t.c.status == "shipped"),
    )
    transfer_ids = [t["id"] for t in transfers]
    counts = rows(conn, _count_t, (_count_t.c.store_id == store_id) & (_count_t.c.status == "open"))
    count_ids = [c["id"] for c in counts]
    return {
        "asns": asns,
        "asn_lines": rows(conn, asn_line_t, asn_line_t.c.asn_id.in_(asn_ids)),
        "asn_scans": rows(conn, asn_scan_t, asn_scan_t.c.asn_id.in_(asn_ids)),
        "transfers": transfers,
        "transfer_lines": rows(
            conn, _transfer_line_t, _transfer_line_t.c.transfer_id.in_(transfer_ids)
        ),
        "transfer_units": rows(
            conn, _transfer_unit_t, _transfer_unit_t.c.transfer_id.in_(transfer_ids)
        ),
        "counts": counts,
        "count_batches": rows(conn, _batch_t, _batch_t.c.count_id.in_(count_ids)),
        "count_scans": rows(conn, _count_scan_t, _count_scan_t.c.count_id.in_(count_ids)),
    }


def expected_on_asn(
    conn: Connection, asns: list[str]
) -> dict[tuple[int, str], tuple[str, str | None]]:
    """(product id, serial) of each unit these ASNs announced: its ASN line. The terminal
    loads such a unit with its ``expect`` event, which is how an ASN knows its serials."""
    if not asns:
        return {}
    e = repo.event_t.c
    q = sa.select(e.product_id, e.serial, e.document_id, e.document_line).where(
        e.action == "expect", e.document_type == "asn", e.document_id.in_(asns)
    )
    return {(pid, serial): (asn, line) for pid, serial, asn, line in conn.execute(q)}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows(
    conn: Connection, table: sa.Table, where: sa.ColumnElement[bool] | None = None
) -> list[dict[str, Any]]:
    q = sa.select(table)
    if where is not None:
        q = q.where(where)
    return [{k: _json_value(v) for k, v in row._mapping.items()} for row in conn.execute(q)]


def store_units(conn: Connection, store_id: int) -> list[dict[str, Any]]:
    """The store's units (any state) with their SKU, for the terminal to hold; a unit an
    order line holds names that order's number and the line (``order``, ``order_line``:
    the terminal holds none of central's orders, and its ``db check`` says where the unit
    is held instead of calling the reservation unheld)."""
    u, p = repo.unit_t.c, repo.product_t.c
    o, ln = orepo.order_t.c, orepo.line_t.c
    q = (
        sa.select(
            u.serial,
            u.state,
            p.sku,
            u.product_id,
            o.number.label("order"),
            ln.number.label("order_line"),
        )
        .join(repo.product_t, p.id == u.product_id)
        .outerjoin(orepo.line_t, ln.id == u.reserved_line_id)
        .outerjoin(orepo.order_t, o.id == ln.order_id)
        .where(u.store_id == store_id)
        .order_by(u.id)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def store_stock(conn: Connection, store_id: int) -> list[dict[str, Any]]:
    s = repo.stock_t.c
    return [
        {"product_id": pid, "quantity": q}
        for pid, q in conn.execute(
            sa.select(s.product_id, s.quantity).where(s.store_id == store_id)
        )
    ]


def begin_consistent_read(conn: Connection) -> None:
    """Make the rest of this read one snapshot (PostgreSQL's default reads each statement
    afresh); SQLite's read transaction is one snapshot already."""
    if conn.dialect.name == "postgresql":
        _REPEATABLE_READ.run(conn, {})


#: Run on the driver's cursor (db/prepared.py): through ``exec_driver_sql`` it cost a
#: quarter of a store terminal's pull in Python (an execution context and result set up
#: by SQLAlchemy for a statement that returns nothing); the same text reaches the server.
_REPEATABLE_READ = Prepared(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))


def last_seq(conn: Connection) -> int:
    return feed_sql.last_seq(conn)


def _from_json(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, sa.Numeric):
        return Decimal(value)
    return value


def insert_rows(conn: Connection, table: sa.Table, items: list[dict[str, Any]]) -> None:
    """Insert rows sent by central; keys the local table lacks are ignored."""
    if not items:
        return
    cols = table.c
    conn.execute(
        table.insert(),
        [{k: _from_json(cols[k], v) for k, v in item.items() if k in cols} for item in items],
    )


def is_empty(conn: Connection) -> bool:
    """No store and no event yet: a database a snapshot may be loaded into."""
    return (
        conn.execute(sa.select(sa.func.count()).select_from(repo.store_t)).scalar_one() == 0
        and conn.execute(sa.select(sa.func.count()).select_from(repo.event_t)).scalar_one() == 0
    )


#: What a terminal takes again from central after its snapshot (``part=reference``): the
#: settings and the catalogue. Stores, users, package components and documents are not.
REFERENCE_TABLES: dict[str, sa.Table] = {
    "chain_settings": repo.chain_setting_t,
    "store_settings": repo.store_setting_t,
    "products": repo.product_t,
    "barcodes": repo.barcode_t,
}


def take_reference(conn: Connection, ref: dict[str, Any]) -> None:
    """On a terminal: central's settings replace the local ones, and central's catalogue is
    merged by SKU (a product's local id may differ from central's when it arrived by the
    pull): each product's fields and barcodes become central's, new products are added."""
    known_stores = set(repo.store_codes(conn))
    conn.execute(sa.delete(repo.chain_setting_t))
    insert_rows(conn, repo.chain_setting_t, ref["chain_settings"])
    conn.execute(sa.delete(repo.store_setting_t))
    insert_rows(
        conn,
        repo.store_setting_t,
        [x for x in ref["store_settings"] if x["store_id"] in known_stores],
    )
    p = repo.product_t.c
    local = {sku: pid for pid, sku in conn.execute(sa.select(p.id, p.sku))}
    cols = repo.product_t.c
    by_central: dict[int, int] = {}
    for item in ref["products"]:
        values = {k: _from_json(cols[k], v) for k, v in item.items() if k in cols and k != "id"}
        pid = local.get(item["sku"])
        if pid is None:
            pid = int(
                conn.execute(repo.product_t.insert().values(**values).returning(p.id)).scalar_one()
            )
        else:
            conn.execute(sa.update(repo.product_t).where(p.id == pid).values(**values))
        by_central[int(item["id"])] = pid
    b = repo.barcode_t.c
    if by_central:
        conn.execute(sa.delete(repo.barcode_t).where(b.product_id.in_(list(by_central.values()))))
    gtins = [x["gtin"] for x in ref["barcodes"]]
    if gtins:  # a barcode moved to another product
        conn.execute(sa.delete(repo.barcode_t).where(b.gtin.in_(gtins)))
    insert_rows(
        conn,
        repo.barcode_t,
        [
            {"product_id": by_central[x["product_id"]], "gtin": x["gtin"]}
            for x in ref["barcodes"]
            if x["product_id"] in by_central
        ],
    )
