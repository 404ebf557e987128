"""``apply`` handlers for whole documents in one line: a cycle count and an ASN receipt. Both may
write event files after their commit, so the outbox folder of the terminal applying the lines
lives here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.text import clip
from serialpos.services.apply.fields import (
    Fields,
    Result,
    _json_type,
    _list,
    _object,
    refuse_unknown_keys,
)
from serialpos.services.context import Actor

#: The outbox folder of the terminal applying the lines (set by ``dispatch.apply_stream``), so
#: the event files of documents completed here land where that terminal's config says.
_outbox_folder: ContextVar[Path | None] = ContextVar("serialpos_apply_outbox", default=None)


def _outbox() -> Path | None:
    """Where owed event files are written after a commit; None leaves them owed (written at
    the next start) when no folder is known and the terminal config cannot be read."""
    given = _outbox_folder.get()
    if given is not None:
        return given
    from serialpos.config import ConfigError, load_config

    try:
        return load_config().resolved_outbox()
    except ConfigError:
        return None


def _count(db: Database, actor: Actor, f: Fields) -> Result:
    """A whole cycle count in one line: its batches and scans, the reconciliation, and (with
    ``approve``) the adjustments posted and the event file written."""
    from serialpos.services import counts

    batches = []
    for n, item in enumerate(_list(f.value("batches") or [], "batches"), start=1):
        batch = _object(item, f"batches[{n}]")
        refuse_unknown_keys(batch, _BATCH_KEYS, f"batches[{n}]")
        b = Fields(batch)
        scans = []
        for i, raw in enumerate(_list(b.value("scans") or [], f"batches[{n}].scans"), start=1):
            scan = _object(raw, f"batches[{n}].scans[{i}]")
            refuse_unknown_keys(scan, _COUNT_SCAN_KEYS, f"batches[{n}].scans[{i}]")
            g = Fields(scan)
            serial = g.value("serial")
            if serial is not None and not isinstance(serial, str):
                raise BadRequest(
                    f"batches[{n}].scans[{i}]: 'serial' must be text, not {_json_type(serial)}"
                )
            sku = g.value("sku")
            if sku is not None and not isinstance(sku, str):
                raise BadRequest(
                    f"batches[{n}].scans[{i}]: 'sku' must be text, not {_json_type(sku)}"
                )
            scans.append(counts.ScanInput(sku, serial, g.quantity(signed=True)))
        batches.append(
            counts.BatchInput(b.text("counter", max_length=counts.MAX_COUNTER), tuple(scans))
        )
    products = None
    if f.value("products") is not None:
        products = _list(f.value("products"), "products")
        if not all(isinstance(x, str) for x in products):
            raise BadRequest("'products' must be a list of SKUs (text)")
    approve = f.flag("approve")
    outbox = _outbox() if approve else None
    number = f.optional_text("number")
    if number is not None:  # a count a store terminal numbered (services/stock_documents.py)
        from serialpos.services import stock_documents

        stock_documents.check_given(number, "count")
    till = None
    if f.value("decided") is not None:  # a store terminal's count (its own decisions)
        from serialpos.domain import count_decisions
        from serialpos.services.counts import till_decisions

        if not approve:
            raise BadRequest("'decided' comes with an approved count ('approve': true)")
        till = counts.TillCount(
            count_decisions.parse(f.value("decided")),
            till_decisions.origin_of(f.line),
            f.line,
        )
    result, alerts, files = counts.count_at_once(
        db,
        actor,
        f.code("store"),
        batches,
        products=products,
        approve_it=approve,
        outbox=outbox,
        number=number,
        till=till,
    )
    out = counts.reconciliation_json(result)
    out["alerts"] = [a.message for a in alerts]
    if files.failed:
        out["warnings"] = [files.message]
    return out


_ASN_SCAN_KEYS = frozenset({"sku", "serial"})
#: A count's batch and scan: a key they do not know is refused, never ignored. A batch's
#: ``scan`` (for ``scans``) read as a batch of nothing: with ``approve`` the count wrote off
#: every unit of the store; a scan's ``serail`` counted an unlabelled unit.
_BATCH_KEYS = ("counter", "scans")
_COUNT_SCAN_KEYS = ("sku", "serial", "quantity")


def _scan_keys(data: Mapping[str, Any], n: int) -> None:
    """An ASN scan is one unit; a key it does not know is refused, as an ``items`` entry's
    is, never ignored: ``{"sku": "CABLE", "quantity": 3}`` read as one scan silently
    received 1 of 3 cables (a count's scans take ``quantity``, an ASN's do not)."""
    extra = sorted(set(data) - _ASN_SCAN_KEYS)
    if not extra:
        return
    hint = (
        '; an ASN scan is one unit: send {"sku": ...} once for each unit counted '
        if extra[0] == "quantity"
        else ""
    )
    raise BadRequest(f"scans[{n}]: unknown key '{clip(extra[0])}' (known: sku, serial){hint}")


def _asn_receive(db: Database, actor: Actor, f: Fields) -> Result:
    """A whole ASN receipt in one line: the scans as made, checked as the console checks
    them, then completed (or refused with nothing changed, the per-SKU lists still given)."""
    from serialpos.services import asn as asn_service

    asn, store = f.text("asn"), f.code("store")
    scans = []
    for n, item in enumerate(_list(f.value("scans") or [], "scans"), start=1):
        data = _object(item, f"scans[{n}]")
        _scan_keys(data, n)
        g = Fields(data)
        sku, serial = g.value("sku"), g.value("serial")
        if not isinstance(sku, str):
            raise BadRequest(
                f"scans[{n}]: 'sku' is missing"
                if sku is None
                else f"scans[{n}]: 'sku' must be text, not {_json_type(sku)}"
            )
        if serial is not None and not isinstance(serial, str):
            raise BadRequest(f"scans[{n}]: 'serial' must be text, not {_json_type(serial)}")
        scans.append(asn_service.ScanIn(sku, serial))
    return asn_service.receive_scans(
        db, actor, asn, store, scans, complete=f.flag("complete"), outbox=_outbox()
    )
