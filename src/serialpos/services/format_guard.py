"""A serial format change that units already recorded would break: refused unless forced.

The walk: a product import changed LT-ZEN14's format to ``^XX[0-9]{8}$`` ("2 updated", no
warning) and then ZB24000101 in stock could not be sold nor S01-000002's laptop returned
(``bad_serial_format``). Switching serials off has a guard (services/products.py
``refuse_live_units``); a format change had none. Now an import whose new format the product's
live units (in stock, reserved, in transit, expected) or sold units (which may come back)
do not match is refused, naming how many and one of them, unless ``force_format`` is given.
Forced, the units keep moving: the format judges new serials only (services/ledger.py), so
a recorded unit is never refused by a format set after it came in.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo, unit_sql
from serialpos.domain.errors import BadValue, DomainError
from serialpos.domain.scan_resolution import LIVE
from serialpos.domain.serials import SerialFormat
from serialpos.domain.states import UnitState

#: The states of a unit a format must still accept: live, or sold and returnable.
KEPT = tuple(sorted({*LIVE, UnitState.SOLD}))


def check_new_serial(
    conn: Connection, fmt: SerialFormat, product_id: int, sku: str, serial: str
) -> None:
    """Refuse ``serial`` that breaks ``fmt`` unless the product already has a unit with it
    (a recorded unit: never refused by a format set after it came in). The unit is looked
    up only when the format refuses, so a scan that matches costs no statement more."""
    try:
        fmt.check(serial, sku)
    except DomainError:
        if unit_sql.unit_by_serial(conn, product_id, serial) is None:
            raise


def broken_units(conn: Connection, changes: Iterable[tuple[int, str, str | None]]) -> list[str]:
    """For each (product id, SKU, new format): the product's kept units the format refuses,
    one line per product ("LT-ZEN14: 2 units (e.g. ZB24000101, in stock)")."""
    u = repo.unit_t.c
    out = []
    for pid, sku, spec in changes:
        fmt = SerialFormat.parse(spec)
        if fmt is None:
            continue
        bad: list[tuple[str, str]] = []
        rows = conn.execute(
            sa.select(u.serial, u.state)
            .where(u.product_id == pid, u.state.in_(KEPT))
            .order_by(u.serial)
        )
        for serial, state in rows:
            try:
                fmt.check(serial, sku)
            except DomainError:
                bad.append((serial, state))
        if bad:
            serial, state = bad[0]
            n = len(bad)
            out.append(
                f"{sku}: {n} recorded unit{'s' * (n != 1)} would not match it "
                f"(e.g. {serial}, {state.replace('_', ' ')})"
            )
    return out


def refuse_breaking_formats(
    conn: Connection, changes: Iterable[tuple[int, str, str | None]], *, force: bool
) -> list[str]:
    """Refuse (``format_breaks_units``) a format change recorded units do not match, unless
    ``force``; forced, the same findings come back as warnings."""
    found = broken_units(conn, changes)
    if found and not force:
        raise BadValue(
            "a new serial format does not match units already recorded: "
            + "; ".join(found)
            + ". Check the format; to set it anyway (the recorded units keep moving, only new "
            "serials are judged by it) import with --force-format (HTTP: ?force_format=true)",
            code="format_breaks_units",
        )
    return [f"serial format set although {line}" for line in found]
