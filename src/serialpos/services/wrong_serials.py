"""``db check`` rules for wrong serials already in a database: recorded before every way in
(``apply``, adjustments, ASN imports) asked the checks the console's scan asks
(``scan_resolver.refuse_new_serial``, ``domain/asn_checks.py``).

- ``serial_is_a_barcode``: a live unit whose serial is a catalogue product's barcode (a
  product label scanned where a serial was wanted): no scan can ever find the unit, the
  console reads the label as the product.
- ``serial_of_a_gone_unit``: a live unit whose serial another product's gone unit (sold,
  returned to the vendor, written off) holds, not accepted as shared by a manager: a phantom
  made from that product's label, which blocks the real unit's return.
- ``serial_not_plain``: a live unit whose serial holds an invisible or non-ASCII character
  (a leak of ASN imports): no label carries it, so it could never be received or sold.
- ``serial_case_twin``: a unit whose serial differs from an earlier unit's only in letter case
  (``w2d-9`` made beside ``W2D-9`` by a caps-lock scan, before domain/serial_case.py's rule):
  one label, two units. A violation while either unit is live; a note when both are gone
  (their history is all that is wrong). A manager's ``shared_by`` does not excuse it: that
  accepted the same serial under two products, never a serial in other letter case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo, serial_case_sql
from serialpos.db.tables import UNACCEPTED_BEFORE_0016
from serialpos.domain.scan_resolution import LIVE
from serialpos.domain.states import UnitState
from serialpos.domain.text import invisible_character, non_ascii_character, shown

u, p, b = repo.unit_t.c, repo.product_t.c, repo.barcode_t.c
_LIVE = sorted(state.value for state in LIVE)
_GONE = sorted(state.value for state in UnitState if state not in LIVE)


def wrong_serials(
    conn: Connection, stores: dict[int, str], finding: Callable[..., Any]
) -> list[Any]:
    """The findings (made by ``finding(rule, store, sku, detail)``) of the four rules."""
    return [
        *_barcodes(conn, stores, finding),
        *_gone_elsewhere(conn, stores, finding),
        *_not_plain(conn, stores, finding),
        *_case_twins(conn, stores, finding),
    ]


def _forms(gtin: str) -> list[str]:
    """The ways a 14-digit GTIN is printed: EAN-13, UPC-A and EAN-8 drop leading zeros."""
    return [gtin[-n:] for n in (14, 13, 12, 8) if set(gtin[: 14 - n]) <= {"0"}]


def _barcodes(conn: Connection, stores: dict[int, str], finding: Callable[..., Any]) -> list[Any]:
    owner: dict[str, str] = {}
    for gtin, sku in conn.execute(
        sa.select(b.gtin, p.sku).join(repo.product_t, p.id == b.product_id)
    ):
        for form in _forms(str(gtin)):
            owner[form] = str(sku)
    if not owner:
        return []
    found = []
    forms = sorted(owner)
    for start in range(0, len(forms), 900):
        query = (
            sa.select(u.serial, p.sku, u.state, u.store_id)
            .join(repo.product_t, p.id == u.product_id)
            .where(u.serial.in_(forms[start : start + 900]), u.state.in_(_LIVE))
            .order_by(u.serial, p.sku)
        )
        for serial, sku, state, sid in conn.execute(query):
            found.append(
                finding(
                    "serial_is_a_barcode",
                    stores.get(sid, "?"),
                    sku,
                    f"unit {serial} ({state.replace('_', ' ')}) has the barcode of "
                    f"{owner[serial]} as its serial: no scan can find it",
                )
            )
    return found


def _gone_elsewhere(
    conn: Connection, stores: dict[int, str], finding: Callable[..., Any]
) -> list[Any]:
    gone = repo.unit_t.alias("gone")
    gone_product = repo.product_t.alias("gone_product")
    query = (
        sa.select(u.serial, p.sku, u.state, u.store_id, gone_product.c.sku, gone.c.state)
        .select_from(
            repo.unit_t.join(repo.product_t, p.id == u.product_id)
            .join(gone, sa.and_(gone.c.serial == u.serial, gone.c.product_id != u.product_id))
            .join(gone_product, gone_product.c.id == gone.c.product_id)
        )
        .where(
            u.state.in_(_LIVE),
            sa.or_(u.shared_by.is_(None), u.shared_by == UNACCEPTED_BEFORE_0016),
            gone.c.state.in_(_GONE),
            gone.c.id < u.id,  # the live unit was made after the gone one: the phantom
        )
        .order_by(u.serial, p.sku, gone_product.c.sku)
    )
    return [
        finding(
            "serial_of_a_gone_unit",
            stores.get(sid, "?"),
            sku,
            f"unit {serial} ({state.replace('_', ' ')}) has the serial of a {other} unit "
            f"({other_state.replace('_', ' ')}): one label, two products; it blocks the "
            f"{other}'s return",
        )
        for serial, sku, state, sid, other, other_state in conn.execute(query)
    ]


def _not_plain(conn: Connection, stores: dict[int, str], finding: Callable[..., Any]) -> list[Any]:
    """Candidates by SQL (any character outside printable ASCII), named in Python."""
    odd = (
        u.serial.op("~")("[^ -~]")
        if conn.dialect.name == "postgresql"
        else u.serial.op("GLOB")("*[^ -~]*")
    )
    query = (
        sa.select(u.serial, p.sku, u.state, u.store_id)
        .join(repo.product_t, p.id == u.product_id)
        .where(u.state.in_(_LIVE), odd)
        .order_by(u.serial)
    )
    found = []
    for serial, sku, state, sid in conn.execute(query):
        what = invisible_character(serial) or non_ascii_character(serial) or "a control character"
        found.append(
            finding(
                "serial_not_plain",
                stores.get(sid, "?"),
                sku,
                f"unit '{shown(serial)}' ({state.replace('_', ' ')}) has a character no "
                f"label carries in its serial ({what})",
            )
        )
    return found


def _case_twins(conn: Connection, stores: dict[int, str], finding: Callable[..., Any]) -> list[Any]:
    """Each unit against the earlier units with its serial folded (the index of migration
    0037 serves the join), exact equals left out (``serial_of_a_gone_unit`` and the live
    guard's concern)."""
    first = repo.unit_t.alias("first")
    first_product = repo.product_t.alias("first_product")
    dialect = conn.dialect.name
    query = (
        sa.select(
            u.serial, p.sku, u.state, u.store_id, first.c.serial, first_product.c.sku, first.c.state
        )
        .select_from(
            repo.unit_t.join(repo.product_t, p.id == u.product_id)
            .join(
                first,
                sa.and_(
                    serial_case_sql.folded(dialect, first.c.serial)
                    == serial_case_sql.folded(dialect, u.serial),
                    first.c.serial != u.serial,
                    first.c.id < u.id,  # the later unit is the twin made by the scan
                ),
            )
            .join(first_product, first_product.c.id == first.c.product_id)
        )
        .order_by(u.serial, p.sku, first.c.serial)
    )
    found = []
    for serial, sku, state, sid, other, other_sku, other_state in conn.execute(query):
        live = state in _LIVE or other_state in _LIVE
        found.append(
            finding(
                "serial_case_twin",
                stores.get(sid, "?"),
                sku,
                f"unit {serial} ({state.replace('_', ' ')}) differs only in letter case from "
                f"{other_sku} unit {other} ({other_state.replace('_', ' ')}): one label, two "
                + ("units" if live else "units (both gone: their history only)"),
                violation=live,
            )
        )
    return found
