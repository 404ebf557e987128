"""Products: look up, search, create one (quick create), change serial modes in bulk."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import BadValue, UnknownProduct
from serialpos.domain.products import (
    Product,
    SerialMode,
    check_name,
    check_sku,
    normalize_gtin,
)
from serialpos.domain.serials import SerialFormat
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services.context import Actor

SEARCH_LIMIT = 200


def get_product(db: Database, sku: str) -> Product:
    found = db.read(lambda conn: repo.load_products(conn, repo.product_t.c.sku == sku))
    if not found:
        raise UnknownProduct(f"there is no product with SKU '{clip(sku)}'")
    return found[0]


def find_by_barcode(db: Database, code: str) -> Product | None:
    """The product whose barcode this is (any GTIN/EAN/UPC form), or None."""
    try:
        gtin = normalize_gtin(code)
    except BadValue:
        return None

    def work(conn: Connection) -> Product | None:
        pid = repo.product_id_by_gtin(conn, gtin)
        if pid is None:
            return None
        found = repo.load_products(conn, repo.product_t.c.id == pid)
        return found[0] if found else None

    return db.read(work)


def search_products(db: Database, text: str = "", limit: int = SEARCH_LIMIT) -> list[Product]:
    """Products whose SKU or name contains ``text`` (case-insensitive), or whose barcode it is."""
    text = text.strip()[:200]
    p = repo.product_t.c

    def work(conn: Connection) -> list[Product]:
        if not text:
            return repo.load_products(conn, limit=limit)
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = sa.or_(p.sku.ilike(pattern, escape="\\"), p.name.ilike(pattern, escape="\\"))
        try:
            gtin = normalize_gtin(text)
        except BadValue:
            gtin = None
        if gtin is not None:
            pid = repo.product_id_by_gtin(conn, gtin)
            if pid is not None:
                where = sa.or_(where, p.id == pid)
        return repo.load_products(conn, where, limit=limit)

    return db.read(work)


def refuse_untracked_stock(conn: Connection, product_ids: list[int]) -> None:
    """Making a product's serials required is refused while any store holds units of it whose
    serials were never recorded: required means on-hand equals the units known by serial.
    Make it optional, count the units with their serials, then make it required."""
    if not product_ids:
        return
    sl, u, p, st = repo.stock_t.c, repo.unit_t.c, repo.product_t.c, repo.store_t.c
    units = (
        sa.select(u.product_id, u.store_id, sa.func.count().label("n"))
        .where(u.state == "in_stock").group_by(u.product_id, u.store_id).subquery()
    )
    problems: list[str] = []
    for start in range(0, len(product_ids), 500):
        chunk = product_ids[start : start + 500]
        q = (
            sa.select(p.sku, st.code, sl.quantity, sa.func.coalesce(units.c.n, 0))
            .select_from(repo.stock_t)
            .join(repo.product_t, p.id == sl.product_id)
            .join(repo.store_t, st.id == sl.store_id)
            .outerjoin(units, sa.and_(units.c.product_id == sl.product_id,
                                      units.c.store_id == sl.store_id))
            .where(sl.product_id.in_(chunk), sl.quantity != sa.func.coalesce(units.c.n, 0))
            .order_by(p.sku, st.code)
        )
        problems += [f"{sku} at {code}: {qty} on hand, {n} with serials"
                     for sku, code, qty, n in conn.execute(q)]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more"
                                            if len(problems) > 5 else "")
        raise BadValue(
            f"cannot make serials required while stock has units without recorded serials "
            f"({shown}); make the product optional, count the units with their serials, "
            "then make it required", code="untracked_stock",
        )


def set_serial_mode(db: Database, actor: Actor, skus: list[str], mode: str) -> list[Product]:
    """Change the serial mode of several products at once (a bulk edit of search results).
    All SKUs must exist, or nothing changes."""
    actor.require(Permission.MANAGE_PRODUCTS)
    new_mode = SerialMode.parse(mode)
    wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    if not wanted:
        raise BadValue("name at least one SKU")
    p = repo.product_t.c

    def work(conn: Connection) -> list[Product]:
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(conn.execute(sa.select(p.sku).where(p.sku.in_(chunk))).scalars())
        missing = [s for s in wanted if s not in found]
        if missing:
            shown = ", ".join(clip(s) for s in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise UnknownProduct(f"no product with SKU {shown}{more}; nothing was changed")
        if new_mode is SerialMode.REQUIRED:
            becoming = [
                pid for start in range(0, len(wanted), 500)
                for pid in conn.execute(
                    sa.select(p.id).where(p.sku.in_(wanted[start : start + 500]),
                                          p.serial_mode != new_mode.value)
                ).scalars()
            ]
            refuse_untracked_stock(conn, becoming)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            conn.execute(
                sa.update(repo.product_t)
                .where(p.sku.in_(chunk))
                .values(serial_mode=new_mode.value, updated_at=utcnow())
            )
        return repo.load_products(conn, p.sku.in_(wanted[:SEARCH_LIMIT]))

    return db.write(work)


def create_product(
    db: Database,
    actor: Actor,
    *,
    sku: str,
    name: str,
    price: Decimal = Decimal("0.00"),
    serial_mode: str = "disabled",
    serial_format: str | None = None,
    barcodes: tuple[str, ...] = (),
) -> Product:
    """Quick create: a missing product made at the counter or the dock, with its serial mode."""
    actor.require(Permission.QUICK_CREATE)
    sku = check_sku(sku)
    name = check_name(name)
    mode = SerialMode.parse(serial_mode)
    fmt = SerialFormat.parse(serial_format)
    gtins = tuple(dict.fromkeys(normalize_gtin(code) for code in barcodes))
    if price < 0:
        raise BadValue("price must be zero or more")
    p = repo.product_t.c

    def work(conn: Connection) -> Product:
        if conn.execute(sa.select(p.id).where(p.sku == sku)).first() is not None:
            raise BadValue(f"a product with SKU {sku} already exists", code="duplicate_sku")
        for gtin in gtins:
            owner = repo.product_id_by_gtin(conn, gtin)
            if owner is not None:
                raise BadValue(f"barcode {gtin} already belongs to another product",
                               code="duplicate_barcode")
        now = utcnow()
        pid = conn.execute(
            sa.insert(repo.product_t).values(
                sku=sku, name=name, price=price, serial_mode=mode.value,
                serial_format=fmt.spec if fmt else None, created_at=now, updated_at=now,
            )
        ).inserted_primary_key
        assert pid is not None
        if gtins:
            conn.execute(sa.insert(repo.barcode_t),
                         [{"product_id": pid[0], "gtin": g} for g in gtins])
        return repo.load_products(conn, p.id == pid[0])[0]

    return db.write(work)
