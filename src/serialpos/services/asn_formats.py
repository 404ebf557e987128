"""An ASN's listed serials checked against their products' formats before the import's write
transaction starts (a million serials must not be matched while every till waits for the
write lock). Inside the transaction the import only looks the verdicts up, after confirming
the formats did not change meanwhile (``serial_precheck.FormatChanged`` otherwise)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.asn_rows import AsnDoc
from serialpos.services.serial_precheck import FormatChanged, stored_format

_CHUNK = 500


def read_specs(db: Database, skus: Iterable[str]) -> dict[str, str | None]:
    """The stored format of each product named (unknown SKUs are left out), read without
    the write lock."""
    wanted = sorted(set(skus))
    p = repo.product_t.c

    def work(conn: Connection) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for sku, spec in conn.execute(
                sa.select(p.sku, p.serial_format).where(p.sku.in_(chunk))
            ):
                found[sku] = spec
        return found

    return db.read(work) if wanted else {}


def format_problems(
    specs: Mapping[str, str | None], docs: Iterable[AsnDoc]
) -> dict[tuple[str, str], str]:
    """Why each listed serial breaks its product's format, by (sku, serial). Each product's
    serials are checked in one call over all its rows (a 100k-serial ASN lists them 100 a
    line): the format is looked up once and the IMEI check runs over the whole column."""
    listed: dict[str, list[str]] = {}
    for doc in docs:
        for row in doc.rows:
            if row.serials and specs.get(row.sku):
                listed.setdefault(row.sku, []).extend(row.serials)
    bad: dict[tuple[str, str], str] = {}
    for sku, serials in listed.items():
        spec = specs[sku]
        assert spec is not None  # kept above
        for serial, why in stored_format(spec).problems(serials):
            bad[sku, serial] = why
    return bad


def confirm(specs: Mapping[str, str | None], stored: Mapping[str, str | None]) -> None:
    """Inside the transaction: the formats read now are those the serials were checked
    against."""
    for sku, spec in stored.items():
        if sku in specs and specs[sku] != spec:
            raise FormatChanged(sku)
