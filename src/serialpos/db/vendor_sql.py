"""The vendors the database knows: named on an ASN or on a stockroom document (a blind
receipt, a return to vendor)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.asn_tables import asn_t
from serialpos.db.document_sql import document_t


def _named(column: sa.ColumnElement[str], text: str) -> sa.Select[str]:
    return sa.select(column).where(sa.func.lower(column) == text.lower()).limit(1)


def known_vendor(conn: Connection, text: str) -> str | None:
    """The vendor recorded as ``text`` (the spelling recorded first: on an ASN, else on a
    document), ignoring letter case; None when no document names it."""
    for column in (asn_t.c.vendor, document_t.c.vendor):
        found = conn.execute(_named(column, text)).scalar()
        if found is not None:
            return str(found)
    return None
