"""Serial formats checked before the write transaction starts, never while it holds the
write lock: a slow pattern (or any pattern) then costs only the terminal that scanned.

The formats of the products a move names are read in a read transaction (on SQLite a plain
``BEGIN``, which takes no lock a writer waits for) and kept per database; inside the write
transaction the ledger only compares the product's stored format with the one checked. If
a manager changed it in between, :class:`FormatChanged` ends that transaction and the move
is checked again with the new format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.serials import NAMED_CHECKS, SerialFormat

_known: WeakKeyDictionary[Database, dict[str, str | None]] = WeakKeyDictionary()


def stored_format(spec: str) -> SerialFormat:
    """A format as stored (set through ``SerialFormat.parse`` when it was saved): not parsed
    again, so a format stored before today's rules still checks as it did."""
    lowered = spec.strip().lower()
    return SerialFormat(lowered if lowered in NAMED_CHECKS else spec.strip())


class FormatChanged(Exception):
    """A product's serial format changed between the check and the write transaction."""


def precheck(db: Database, wanted: Iterable[tuple[str, list[str]]]) -> dict[str, str | None]:
    """Check each (sku, serials) against its product's format; returns the formats checked,
    by SKU, for :func:`confirm` inside the transaction. Unknown SKUs are left to the move."""
    pairs = [(sku, serials) for sku, serials in wanted if serials]
    if not pairs:
        return {}
    cache = _known.setdefault(db, {})
    missing = sorted({sku for sku, _ in pairs} - set(cache))
    if missing:
        p = repo.product_t.c

        def read(conn: Connection) -> dict[str, str | None]:
            return {
                sku: fmt
                for sku, fmt in conn.execute(
                    sa.select(p.sku, p.serial_format).where(p.sku.in_(missing))
                )
            }

        found = db.read(read)
        cache.update(found)
    checked: dict[str, str | None] = {}
    for sku, serials in pairs:
        if sku not in cache:
            continue  # no such product: the move says so
        spec = checked[sku] = cache[sku]
        if spec:
            fmt = stored_format(spec)
            for serial in serials:
                fmt.check(serial, sku)
    return checked


def confirm(checked: Mapping[str, str | None] | None, sku: str, spec: str | None) -> bool:
    """Inside the transaction: True when the serials were checked against ``spec`` already;
    raises :class:`FormatChanged` when they were checked against another format; False when
    no check was made (a move inside another service's transaction)."""
    if checked is None or sku not in checked:
        return False
    if checked[sku] != spec:
        raise FormatChanged(sku)
    return True


def forget(db: Database) -> None:
    _known.pop(db, None)
