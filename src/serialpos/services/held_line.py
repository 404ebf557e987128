"""A counter sale's held line: a product scanned first whose line waits, on screen only, for
the serial that comes next (issue 15: a sale of one serialized unit in two commits, not three).

At the counter, a product-first scan of a product whose serial is required (the store's
auto-prompt on, not a package opened at the sale, a sale's one unit) writes nothing: the
product is read (``add_scan`` with :func:`hold_check`: on SQLite read before any order is
opened, in the statement a scan always ran, and nothing written, so no page and no fsync; on
PostgreSQL the order opened with the read is rolled back; no line, no unit reserved, no
order number used) and the console shows the line as a provisional row with the serial
prompt.
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

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.db.sale_products import SaleProduct
from serialpos.db.sale_sql import line_count
from serialpos.domain.orders import SaleType
from serialpos.domain.products import SerialMode
from serialpos.services.context import Actor
from serialpos.services.orders.lines import Held, HoldCheck, NewOrder, add_item
from serialpos.services.orders.views import AddResult, HeldLine
from serialpos.services.orders.work import _Ctx
from serialpos.services.settings import settings_in

__all__ = ["Held", "HeldLine", "commit_held", "hold_check"]


def hold_check(db: Database, start: NewOrder | None, scanned: str) -> HoldCheck:
    """The counter's :data:`~serialpos.services.orders.lines.HoldCheck`: the held line of a
    product scanned first (no serial with it) whose serial is required, not a package opened
    at the sale, on a sale (not a lay-by or special order), with the store's auto-prompt on;
    None to add it as before. ``start``: the order the scan would open when there is none."""

    def check(conn: Connection, product: SaleProduct, ctx: _Ctx | None) -> HeldLine | None:
        if product.serial_mode is not SerialMode.REQUIRED or product.exploded:
            return None
        if ctx is None:  # no order yet, none opened: the one the scan would open
            if start is None or SaleType(start.type) is not SaleType.SALE:
                return None
            auto, number = settings_in(db, conn, start.store).auto_prompt_serial, 1
        else:
            if ctx.row._mapping["type"] != SaleType.SALE.value:
                return None  # a lay-by's or special order's line waits across sessions
            auto = ctx.settings().auto_prompt_serial
            number = 1 if ctx.new_lines is not None else line_count(conn, ctx.id)[1] + 1
        if not auto:
            return None
        return HeldLine(product.sku, product.name, product.price, number, scanned.strip())

    return check


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
