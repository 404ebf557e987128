"""A counter sale's held line: a product scanned first whose line waits, on screen only, for
the serial that comes next (issue 15: a sale of one serialized unit in two commits, not three).

At the counter, a product-first scan of a product whose serial is required (the store's
auto-prompt on, not a package opened at the sale, a sale's one unit) writes nothing: the
product is read (:func:`hold_scanned`, a read transaction: no order opened, no line, no
unit reserved) and the console shows the line as a provisional row with the serial prompt.
What comes next decides (services/counter_scan.py):

- the next entry accepted as that product's serial: the line and its serial are committed in
  one transaction (:func:`commit_held` with ``serial``: the order opened if none, the unit
  reserved), with exactly the refusals :func:`~serialpos.services.orders.serials.set_serial`
  gives (the line is inserted holding the serial through the same checks), and a manager's
  override the same way;
- anything else (another item, the prompt escaped, tender, a line key, parking or leaving
  the sale, a customer, another screen, signing out): the held line is committed first
  without its serial (:func:`commit_held`), exactly as the add used to commit it, then the
  other thing is done.

A crash while a line is held loses only the row on screen: nothing was reserved or recorded.
Lay-bys and special orders (lines that wait for a serial across sessions), optional-serial
and unserialized products are added at once, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo, sale_products, sale_sql
from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.domain.orders import SaleType, closed_order_words
from serialpos.domain.products import SerialMode, normalize_gtin
from serialpos.services.context import Actor
from serialpos.services.orders.lines import NewOrder, add_item
from serialpos.services.orders.views import AddResult
from serialpos.services.settings import settings_in


@dataclass(frozen=True)
class HeldLine:
    """A product scanned first whose line is held on screen until its serial comes (nothing
    written). Shaped as a line for the serial prompt: ``line`` 0 (no line id yet),
    ``number`` the number its line takes when committed (as the order stands at the scan)."""

    sku: str
    name: str
    price: Decimal
    number: int
    scanned: str
    serial_mode: SerialMode = SerialMode.REQUIRED
    serial: str | None = None
    line: int = 0


def hold_scanned(
    db: Database, order: str | None, text: str, start: NewOrder | None
) -> HeldLine | None:
    """The held line ``text`` makes when it names, by barcode or exact SKU, a product whose
    line is held at the counter (see the module's docstring); None when the scan is added as
    before (anything else: a serial, a GS1 product+serial scan, an optional-serial product,
    a lay-by or special order, a closed order, nothing found). Reads only."""
    from serialpos.domain.decoder import decode

    value = text.strip()
    if not value:
        return None
    scan = decode(value)
    if scan.kind == "product_serial":
        return None  # the serial comes with it: added with it in one step already
    gtin = scan.gtin if scan.kind == "product" else None
    if gtin is None:
        try:
            gtin = normalize_gtin(value)
        except BadValue:
            gtin = None

    def read(conn: Connection) -> HeldLine | None:
        pid = None if gtin is None else repo.product_id_by_gtin(conn, gtin)
        if pid is not None:
            product = sale_products.sale_product_by_id(conn, pid)
        else:
            found = sale_products.sale_product_by_sku(conn, value)
            if found is None:
                return None  # a serial, a name, nothing: added (or refused) as before
            product = found
        if product.serial_mode is not SerialMode.REQUIRED or product.exploded:
            return None
        if order is None:
            if start is None or SaleType(start.type) is not SaleType.SALE:
                return None
            store, number = start.store, 1
        else:
            row = orepo.order_row(conn, order.strip())
            if row is None:
                return None
            m = row._mapping
            if m["type"] != SaleType.SALE.value or closed_order_words(
                str(m["number"]), str(m["status"])
            ):
                return None  # a lay-by or special order; a closed order's refusal is add's
            store, number = str(m["store_code"]), sale_sql.line_count(conn, int(m["id"]))[1] + 1
        if not settings_in(db, conn, store).auto_prompt_serial:
            return None
        return HeldLine(product.sku, product.name, product.price, number, value)

    return db.read(read)


def commit_held(
    db: Database,
    actor: Actor,
    order: str | None,
    held: HeldLine,
    start: NewOrder | None,
    *,
    serial: str | None = None,
    override_user: str | None = None,
    override_pin: str | None = None,
    shared: bool = False,
) -> AddResult:
    """Commit the held line: with ``serial``, holding it (the unit reserved; refused as
    set_serial refuses it, and then nothing is written; a manager's override and
    ``shared`` as set_serial takes them); without, waiting for its serial as an add leaves
    it. ``order`` None: the line opens the order ``start`` describes, in the same
    transaction."""
    return add_item(
        db,
        actor,
        order,
        sku=held.sku,
        serial=serial,
        override_user=override_user,
        override_pin=override_pin,
        start=start if order is None else None,
        shared=shared,
    )
