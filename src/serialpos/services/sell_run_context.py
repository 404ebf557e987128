"""The reads a run of plain sales at central shares (services/entry_sells.py): each store's
place for a product, each terminal's open shift and the chain's settings, read once per
transaction rather than once per sale.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from serialpos.db import repo, sale_rows_sql
from serialpos.db.engine import Database
from serialpos.db.txcache import transaction_cache
from serialpos.domain.errors import DomainError
from serialpos.domain.products import SerialMode
from serialpos.services.entry_sale_rows import Place
from serialpos.services.settings import chain_settings_in, setting_in_force
from serialpos.services.shifts import checked_at_terminal, shift_for_payment


class RunContext:
    """The reads a run shares: places, shifts and the chain's settings, each read once."""

    def __init__(self, conn: Connection, db: Database) -> None:
        self.conn, self.db = conn, db
        self.places: dict[tuple[str, str], Place | None] = {}
        self.shifts: dict[tuple[int, str], int | DomainError | None] = {}
        self._prices_include_tax: bool | None = None

    def place(self, store: str, sku: str) -> Place | None:
        key = (store, sku)
        if key not in self.places:
            self.places[key] = self._read_place(store, sku)
        return self.places[key]

    def _read_place(self, store: str, sku: str) -> Place | None:
        conn = self.conn
        try:
            here = repo.store_id(self.db, conn, store)
        except DomainError:
            return None
        # The product as a sale reads it and the setting, in one round trip.
        found = sale_rows_sql.sale_place(conn, sku, here, "serialized_inventory")
        if found is None:
            return None
        product, chain_setting, store_setting = found
        if product.serial_mode is SerialMode.DISABLED:
            return None
        tracked = product.serial_mode.tracked and setting_in_force(
            "serialized_inventory", chain_setting, store_setting
        )
        if not tracked:
            return None  # serials only written on the events there: the usual way
        if product.prices_include_tax is not None:
            included = product.prices_include_tax
        else:
            if self._prices_include_tax is None:
                self._prices_include_tax = chain_settings_in(conn).prices_include_tax
            included = self._prices_include_tax
        return Place(here, product, included)

    def shift(self, store_id: int, terminal: str) -> int | DomainError | None:
        """The open shift payments at ``terminal`` go to (services/shifts.py: the terminal
        checked ``require_shift`` itself)."""
        key = (store_id, terminal)
        if key not in self.shifts:
            try:
                with checked_at_terminal():
                    self.shifts[key] = shift_for_payment(self.conn, store_id, terminal)
            except DomainError as exc:
                self.shifts[key] = exc
        return self.shifts[key]


def run_context(conn: Connection, db: Database) -> RunContext:
    """The transaction's shared reads, kept across its runs: a conflict or any entry applied
    alone ends a run, and the run after it would read every place and shift again. Nothing
    an entry applied in between may change what they hold (no operation edits products,
    stores, settings or shifts); the units are locked and read anew by each run."""
    kept: dict[str, RunContext] = transaction_cache(conn, _CONTEXT)
    ctx = kept.get("ctx")
    if ctx is None:
        ctx = kept["ctx"] = RunContext(conn, db)
    for place in ctx.places.values():
        if place is not None:
            place.units = {}
    return ctx


_CONTEXT = "serialpos_sells_context"
