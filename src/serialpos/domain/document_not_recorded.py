"""What a conflicting stockroom document held that central did not record (issue 16).

A till journals each blind receipt, return to vendor, adjustment and ASN receipt as ONE
line (services/stock_lines.py), applied at central all or nothing. When one of its units
moved at central first (the serial is in stock at another store, was sold at another till,
was received on the ASN meanwhile) central records a conflict naming that one unit, and
**none** of the document stands there: its other units and quantities are recorded nowhere
at central, and the till takes central's state of them. A conflict that named only the one
unit lost the rest without anyone being told. So a conflict says the whole of it, as a
sale's does (domain/sale_not_recorded.py): each unit and quantity of the document, which
one stopped it, and in plain words what to do (redo the rest at the till, then resolve).
Worked out from the entry's line alone, the same at central and on the till.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The stockroom documents a till journals whole, and how a person calls each.
DOCUMENT_OPS = {
    "receive": "receipt",
    "rtv": "return to vendor",
    "adjust": "adjustment",
    "asn_receive": "ASN receipt",
    # A transfer receipt central did not take whole: its units and quantities were received
    # meanwhile on the transfer (``not_in_transit``) or one had moved.
    "transfer_in": "transfer receipt",
}

#: Which of a document's lines to do again: all but the conflicting, or (a transfer
#: receipt) what the transfer still holds in transit, central's copy read again.
_ALL_BUT = " (all but the conflicting)"
_BUT = {"transfer_in": ""}

#: The key naming a document's number, where it is not ``number``.
_NUMBER_KEY = {"asn_receive": "asn", "transfer_in": "transfer"}

#: What to do with what was not recorded, by document, short enough for a 40-column screen.
_REDO = {
    "receive": "receive them again at the till",
    "rtv": "return them to the vendor again",
    "adjust": "adjust them again",
    "asn_receive": "receive the ASN again at the till",
    # what central received meanwhile is not to be received twice: the rest of it is
    "transfer_in": "receive what is still in transit on it again at the till",
}


def _serials(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _quantity(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value else None


def _lines(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each unit (one line a serial) and each quantity of the document, in its order; an
    adjustment's lines say ``add`` or ``remove``, a quantity signed as the till gave it. An
    ASN receipt's scan naming only its SKU is one unit without a serial (a till journals
    each such scan alone: services/asn/receiving.py); they make one quantity line a SKU."""
    op = data.get("op")
    listed = data.get("scans") if op == "asn_receive" else data.get("items")
    if not isinstance(listed, list):
        listed = [data]  # one product's units on the line itself
    out: list[dict[str, Any]] = []
    for item in listed:
        if not isinstance(item, Mapping):
            continue
        sku = item.get("sku") if isinstance(item.get("sku"), str) else None
        for key in ("serial", "serials", "add", "remove"):
            move = key if key in ("add", "remove") else None
            out += [
                {"sku": sku, "serial": s, "quantity": 1, "move": move}
                for s in _serials(item.get(key))
            ]
        quantity = _quantity(item.get("quantity"))
        if quantity is None and op == "asn_receive" and item.get("serial") is None:
            quantity = 1
        if quantity is not None and not any(_serials(item.get(k)) for k in ("serial", "serials")):
            move = None if op != "adjust" else ("add" if quantity > 0 else "remove")
            out.append({"sku": sku, "serial": None, "quantity": quantity, "move": move})
    return _merged(out) if op == "asn_receive" else out


def _merged(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An ASN receipt's lines with its quantities of one SKU added up, at the first's place."""
    out: list[dict[str, Any]] = []
    first: dict[str | None, dict[str, Any]] = {}
    for ln in lines:
        if ln["serial"] is not None:
            out.append(ln)
        elif ln["sku"] in first:
            first[ln["sku"]]["quantity"] += ln["quantity"]
        else:
            first[ln["sku"]] = dict(ln)
            out.append(first[ln["sku"]])
    return out


def _title(data: Mapping[str, Any]) -> str:
    op = str(data.get("op"))
    kind = DOCUMENT_OPS[op]
    number = data.get(_NUMBER_KEY.get(op, "number"))
    extra = [
        f"{label} {data[key]}"
        for key, label in (("vendor", "vendor"), ("reference", "ref"))
        if isinstance(data.get(key), str) and data.get(key)
    ]
    named = f" {number}" if isinstance(number, str) and number else ""
    return f"{kind}{named}" + (f" ({', '.join(extra)})" if extra else "")


def not_recorded(
    line: Mapping[str, Any],
    serial: str | None,
    error: str | None = None,
    *,
    sku: str | None = None,
) -> dict[str, Any] | None:
    """The stockroom document ``line`` central did not record because of unit ``serial``:
    ``document`` (its kind), ``number``, ``lines`` (``sku``, ``serial``, ``quantity``,
    ``move``), ``units`` and ``quantities`` (how many of each), ``conflicting`` (the
    positions of the lines naming ``serial``, from 1; with no serial, a quantity of ``sku``
    refused ``not_in_transit``: received meanwhile on the transfer) and ``words``; None for
    an entry that is no such document."""
    op = line.get("op")
    if op not in DOCUMENT_OPS:
        return None
    lines = _lines(line)
    if not lines:
        return None
    conflicting = [n for n, ln in enumerate(lines, start=1) if serial and ln["serial"] == serial]
    by_quantity = serial is None and sku is not None and error == "not_in_transit"
    if by_quantity:
        conflicting = [
            n for n, ln in enumerate(lines, start=1) if ln["serial"] is None and ln["sku"] == sku
        ]
    units = sum(1 for ln in lines if ln["serial"] is not None)
    quantity = sum(abs(int(ln["quantity"])) for ln in lines if ln["serial"] is None)
    rest = [ln for n, ln in enumerate(lines, start=1) if n not in conflicting]
    why = f"{serial} had moved at central" if serial else "a unit of it had moved"
    if by_quantity:
        why = f"{sku} had been received meanwhile on transfer {line.get('transfer')}"
    held = summary({"units": units, "quantities": quantity})
    words = f"the whole {_title(line)} was not recorded at central: {why}; not recorded: {held}"
    if rest:
        words += f"; {_REDO[str(op)]}{_BUT.get(str(op), _ALL_BUT)}, then resolve by accept"
    number = line.get(_NUMBER_KEY.get(str(op), "number"))
    return {
        "document": DOCUMENT_OPS[str(op)],
        "number": number if isinstance(number, str) else None,
        "lines": lines,
        "units": units,
        "quantities": quantity,
        "conflicting": conflicting,
        "words": words,
    }


def redo_words(found: Mapping[str, Any]) -> str:
    """What to do with a :func:`not_recorded` document's units besides the conflicting one,
    with no word of resolving (for a conflict resolved already); empty when it held no
    other."""
    op = next((op for op, kind in DOCUMENT_OPS.items() if kind == found.get("document")), None)
    lines, marked = found.get("lines") or [], found.get("conflicting") or []
    if op is None or len(lines) <= len(marked):
        return ""
    return f"{_REDO[op]}{_BUT.get(op, _ALL_BUT)}"


def line_words(item: Mapping[str, Any]) -> str:
    """One line of :func:`not_recorded` in a few words: ``PH1 SN-1``, ``CAB x2``,
    ``CAB remove x2``, ``PH1 add SN-4``."""
    move = f" {item['move']}" if item.get("move") else ""
    if item.get("serial"):
        return f"{item.get('sku')}{move} {item['serial']}"
    return f"{item.get('sku')}{move} x{abs(int(item.get('quantity') or 0))}"


#: How a person calls the documents of the other entries a till journals.
_OTHER_KINDS = {
    "count": "count",
    "transfer_out": "transfer",
    "transfer_in": "transfer receipt",
    "order_create": "sale",
}
_NUMBER_KEYS = ("number", "asn", "transfer", "order")


def document_words(line: Mapping[str, Any]) -> str:
    """The document an entry's ``line`` made, and what it held, in a few words, for a
    conflict that names no unit (a count, a quantity): ``count C-1 (2 products, 3 scans)``,
    ``receipt R-1 (2 units, 4 without serial)``."""
    op = str(line.get("op") or "?")
    kind = DOCUMENT_OPS.get(op) or _OTHER_KINDS.get(op)
    if kind is None:
        # A till's act on an order (its payment, fulfilment, void, a serial set) names the
        # order; the act itself is on the conflict's "not applied" line.
        kind = "order" if op.startswith("order_") and isinstance(line.get("order"), str) else op
    number = next((line[k] for k in _NUMBER_KEYS if isinstance(line.get(k), str)), None)
    named = f"{kind} {number}" if number else kind
    if op == "count":
        listed = line.get("products")
        batches = line.get("batches")
        scans = 0
        for batch in batches if isinstance(batches, list) else []:
            listed_scans = batch.get("scans") if isinstance(batch, Mapping) else None
            scans += len(listed_scans) if isinstance(listed_scans, list) else 0
        held = [_many(len(listed), "product")] if isinstance(listed, list) else []
        return f"{named} ({', '.join([*held, _many(scans, 'scan')])})"
    found = not_recorded(line, None) if op in DOCUMENT_OPS else None
    if found is None:
        return named
    return f"{named} ({summary(found)})"


def _many(number: int, thing: str) -> str:
    return f"{number} {thing}{'s' if number != 1 else ''}"


def summary(found: Mapping[str, Any]) -> str:
    """A :func:`not_recorded` in a few words: ``2 units, 4 without serial``."""
    held = [_many(found["units"], "unit")] if found["units"] else []
    held += [f"{found['quantities']} without serial"] if found["quantities"] else []
    return ", ".join(held) or "nothing"
