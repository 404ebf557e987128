"""Products: look up, search, create one (quick create), change serial modes in bulk."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import BadValue, DomainError, UnknownProduct
from serialpos.domain.limits import check_money
from serialpos.domain.products import (
    Product,
    SerialMode,
    check_name,
    check_sku,
    normalize_gtin,
)
from serialpos.domain.scan_resolution import LIVE
from serialpos.domain.serials import SerialFormat
from serialpos.domain.states import UnitState
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


def _shown(problems: list[str]) -> str:
    return "; ".join(problems[:5]) + (
        f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    )


def refuse_untracked_stock(conn: Connection, product_ids: list[int]) -> None:
    """Making a product's serials required is refused while any store's on-hand quantity and
    its units in stock by serial differ: required means on-hand equals the units known by
    serial. Either way round is named as it is: more on hand than units with serials (units
    whose serials were never recorded), or more units by serial than on hand (units sold or
    moved by quantity while serials were not tracked), and what to do about it."""
    if not product_ids:
        return
    sl, u = repo.stock_t.c, repo.unit_t.c
    codes = repo.store_codes(conn)
    skus: dict[int, str] = {}
    unrecorded: list[str] = []
    unaccounted: list[str] = []
    for start in range(0, len(product_ids), 500):
        chunk = product_ids[start : start + 500]
        skus.update(
            (pid, sku)
            for pid, sku in conn.execute(
                sa.select(repo.product_t.c.id, repo.product_t.c.sku).where(
                    repo.product_t.c.id.in_(chunk)
                )
            )
        )
        on_hand = {
            (pid, sid): int(q)
            for pid, sid, q in conn.execute(
                sa.select(sl.product_id, sl.store_id, sl.quantity).where(sl.product_id.in_(chunk))
            )
        }
        by_serial = {
            (pid, sid): int(n)
            for pid, sid, n in conn.execute(
                sa.select(u.product_id, u.store_id, sa.func.count())
                .where(u.product_id.in_(chunk), u.state == UnitState.IN_STOCK)
                .group_by(u.product_id, u.store_id)
            )
        }
        for key in sorted(
            set(on_hand) | set(by_serial), key=lambda k: (skus.get(k[0], ""), codes.get(k[1], ""))
        ):
            qty, n = on_hand.get(key, 0), by_serial.get(key, 0)
            where = f"{skus.get(key[0], '?')} at {codes.get(key[1], '?')}"
            if qty > n:
                unrecorded.append(f"{where}: {qty} on hand, {n} with serials")
            elif qty < n:
                unaccounted.append(f"{where}: {n} units in stock by serial, {qty} on hand")
    if unrecorded:
        raise BadValue(
            f"cannot make serials required while stock has units without recorded serials "
            f"({_shown(unrecorded)}); make the product optional, count the units with their "
            "serials, then make it required",
            code="untracked_stock",
        )
    if unaccounted:
        raise BadValue(
            f"cannot make serials required while more units are in stock by serial than on "
            f"hand ({_shown(unaccounted)}): units were sold or moved without their serials "
            "while serials were not tracked; make the product optional, count it (the count "
            "writes off the units not found), then make it required",
            code="untracked_stock",
        )


#: Unit states in which a serial is live: the unit is, or is about to be, in a store's hands.
LIVE_STATES = tuple(sorted(LIVE))


def refuse_live_units(conn: Connection, product_ids: list[int]) -> None:
    """Switching a product's serials off is refused while any store holds live units of it
    (in stock, reserved, in transit or expected): from then on they would move by quantity
    only, and each unit would be stranded in its state with its serial. Names how many, per
    store and state."""
    if not product_ids:
        return
    u, p, st = repo.unit_t.c, repo.product_t.c, repo.store_t.c
    found: dict[str, dict[str, list[str]]] = {}
    totals: dict[str, int] = {}
    for start in range(0, len(product_ids), 500):
        q = (
            sa.select(p.sku, st.code, u.state, sa.func.count())
            .select_from(repo.unit_t)
            .join(repo.product_t, p.id == u.product_id)
            .join(repo.store_t, st.id == u.store_id)
            .where(u.product_id.in_(product_ids[start : start + 500]), u.state.in_(LIVE_STATES))
            .group_by(p.sku, st.code, u.state)
            .order_by(p.sku, st.code, u.state)
        )
        for sku, code, state, n in conn.execute(q):
            at = found.setdefault(sku, {}).setdefault(code, [])
            at.append(f"{n} {state.replace('_', ' ')}")
            totals[sku] = totals.get(sku, 0) + int(n)
    if found:
        # Grouped by store ("S01: 5 in stock, 1 reserved"): the store named once, so the
        # sentence reads whole in the console's message rows (it ran to five at 80 columns).
        problems = [
            f"{sku} has {totals[sku]} live unit{'s' * (totals[sku] != 1)} ("
            + "; ".join(f"{code}: {', '.join(states)}" for code, states in stores.items())
            + ")"
            for sku, stores in found.items()
        ]
        them = "it" if len(problems) == 1 else "them"
        raise BadValue(
            f"cannot switch serials off: {_shown(problems)}; sell, return to vendor, write off "
            f"or count the units out first, or make {them} optional instead",
            code="live_units",
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
                pid
                for start in range(0, len(wanted), 500)
                for pid in conn.execute(
                    sa.select(p.id).where(
                        p.sku.in_(wanted[start : start + 500]), p.serial_mode != new_mode.value
                    )
                ).scalars()
            ]
            refuse_untracked_stock(conn, becoming)
        if new_mode is SerialMode.DISABLED:
            refuse_live_units(
                conn,
                [
                    pid
                    for start in range(0, len(wanted), 500)
                    for pid in conn.execute(
                        sa.select(p.id).where(
                            p.sku.in_(wanted[start : start + 500]), p.serial_mode != new_mode.value
                        )
                    ).scalars()
                ],
            )
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
    """Quick create: a missing product made at the counter or the dock, with its serial mode.

    Not on a store terminal (its database journals what it does): the catalogue is
    central's, and no journal operation makes a product, so a sale or receipt of one made
    here would be refused at central (``unknown_product``) after the customer left."""
    actor.require(Permission.QUICK_CREATE)
    if db.journal_sink is not None:
        raise DomainError(
            f"this is a store terminal: products are central's, so {clip(sku.strip(), 40)!r} "
            "cannot be made here (central would refuse its sale); make it at central, and "
            "the till takes it at its next refresh (serialpos sync)",
            code="not_on_terminal",
        )
    sku = check_sku(sku)
    name = check_name(name)
    mode = SerialMode.parse(serial_mode)
    fmt = SerialFormat.parse(serial_format)
    gtins = tuple(dict.fromkeys(normalize_gtin(code) for code in barcodes))
    if not price.is_finite() or price < 0:
        raise BadValue("price must be zero or more")
    price = check_money(price, "price")
    p = repo.product_t.c

    def work(conn: Connection) -> Product:
        if conn.execute(sa.select(p.id).where(p.sku == sku)).first() is not None:
            raise BadValue(f"a product with SKU {sku} already exists", code="duplicate_sku")
        for gtin in gtins:
            owner = repo.product_id_by_gtin(conn, gtin)
            if owner is not None:
                raise BadValue(
                    f"barcode {gtin} already belongs to another product", code="duplicate_barcode"
                )
        now = utcnow()
        pid = conn.execute(
            sa.insert(repo.product_t).values(
                sku=sku,
                name=name,
                price=price,
                serial_mode=mode.value,
                serial_format=fmt.spec if fmt else None,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key
        assert pid is not None
        if gtins:
            conn.execute(
                sa.insert(repo.barcode_t), [{"product_id": pid[0], "gtin": g} for g in gtins]
            )
        return repo.load_products(conn, p.id == pid[0])[0]

    return db.write(work)
