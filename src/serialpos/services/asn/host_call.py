"""Receiving an ASN in one call from a host system (``serialpos apply`` op ``asn_receive``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.checklist import (
    NotOnDocument,
    Verdict,
)
from serialpos.domain.errors import (
    DomainError,
    RefusedWithDetails,
)
from serialpos.services.asn.opening import (
    open_asn,
)
from serialpos.services.asn.receiving import (
    AsnReceiving,
)
from serialpos.services.context import Actor


# -- one call from a host system ---------------------------------------------------------------
@dataclass(frozen=True)
class ScanIn:
    """One scan as a host system sends it: a serial of a product, or (no serial) one unit of
    a product counted without serials."""

    sku: str
    serial: str | None = None


def receive_scans(
    db: Database,
    actor: Actor,
    asn: str,
    store: str,
    scans: list[ScanIn],
    *,
    complete: bool,
    outbox: Path | None,
) -> dict[str, Any]:
    """Receive an ASN in one call (``serialpos apply`` op ``asn_receive``): every scan checked
    as the console checks it, then completed, or refused with nothing changed.

    Refused (:class:`RefusedWithDetails`, still carrying the per-product lists and every
    refused scan) when any scan is refused (``not_on_asn``, ``duplicate_serial``,
    ``bad_serial_format``...; the code is the first refused scan's), or when the scans do not
    match the ASN and ``complete`` is not true (``unscanned_units`` while serialized units
    are unscanned, else ``discrepancies``). A matching ASN completes without ``complete``.
    Scans saved by a console session on the same ASN are not used: the host's list is the
    receipt.
    """
    session = open_asn(db, actor, asn, store, outbox or Path("."), saved_scans=False, persist=False)
    unexpected: dict[str, set[str]] = {}
    duplicates: dict[str, set[str]] = {}
    problems: list[dict[str, Any]] = []
    for n, scan in enumerate(scans, start=1):
        try:
            if scan.serial is None:
                session.count(scan.sku, 1)
            elif session.scan(scan.sku, scan.serial).verdict is Verdict.DUPLICATE:
                duplicates.setdefault(scan.sku, set()).add(scan.serial.strip())
        except DomainError as exc:
            problems.append(
                {
                    "scan": n,
                    "sku": scan.sku,
                    "serial": scan.serial,
                    "error": exc.code,
                    "message": exc.message,
                }
            )
            if scan.serial is not None and (
                isinstance(exc, NotOnDocument) or _not_listed(session, scan.sku, scan.serial)
            ):
                unexpected.setdefault(scan.sku, set()).add(scan.serial.strip())
    skus = _per_sku(session, unexpected, duplicates)
    details: dict[str, Any] = {"asn": session.asn, "store": store, "skus": skus}
    if problems:
        first = problems[0]
        raise RefusedWithDetails(
            f"{len(problems)} scan{'s' if len(problems) != 1 else ''} refused, nothing "
            f"received; the first (scan {first['scan']}): {first['message']}",
            code=str(first["error"]),
            details=details | {"problems": problems},
        )
    checklist = session.checklist
    if not checklist.complete and not complete:
        left = checklist.unscanned_serialized()
        found = checklist.discrepancies()
        words = "; ".join(d.words for d in found[:5])
        if left:
            raise RefusedWithDetails(
                f"{left} serialized unit{'s' if left != 1 else ''} not scanned ({words}); "
                'send "complete": true to complete with these differences',
                code="unscanned_units",
                details=details,
            )
        raise RefusedWithDetails(
            f'the scans do not match: {words}; send "complete": true to '
            "complete with these differences",
            code="discrepancies",
            details=details,
        )
    session.outbox = outbox  # None: the terminal config is unusable; the file stays owed
    done = session.complete(accept_discrepancies=True)
    return details | {
        "status": "received",
        "received": done.received,
        "discrepancies": [
            {
                "sku": d.sku,
                "expected": d.expected,
                "received": d.received,
                "missing": list(d.missing),
            }
            for d in done.discrepancies
        ],
        "event_file": {
            "written": [str(p) for p in done.files.written],
            "owed": bool(done.files.failed),
            "message": done.files.message,
        },
    }


def _not_listed(session: AsnReceiving, sku: str, serial: str) -> bool:
    line = session.checklist.lines.get(sku)
    if line is None:
        return True
    return line.expected_serials is not None and serial.strip() not in line.expected_serials


def _per_sku(
    session: AsnReceiving, unexpected: dict[str, set[str]], duplicates: dict[str, set[str]]
) -> list[dict[str, Any]]:
    out = []
    lines = session.checklist.lines
    for sku in list(lines) + sorted(set(unexpected) - set(lines)):
        line = lines.get(sku)
        out.append(
            {
                "sku": sku,
                "expected": line.expected if line else 0,
                "received": line.received if line else 0,
                "expected_serials": line.listed_serials() if line else [],
                "received_serials": list(line.scanned) if line else [],
                "missing": line.missing_serials() if line else [],
                "unexpected": sorted(unexpected.get(sku, ())),
                "duplicates": sorted(duplicates.get(sku, ())),
            }
        )
    return out
