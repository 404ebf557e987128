"""The ``apply`` lines a store terminal journals for its stockroom documents (issue 16).

A receipt, a return to vendor, an adjustment or a transfer made on a store terminal is
journaled as ONE line that does the same at central: the document's number as the terminal
gave it (services/stock_documents.py) and its products as ``items``, each ``{"sku",
"serials"}`` or ``{"sku", "quantity"}`` (an adjustment's items carry ``add``/``remove``
serials or a signed ``quantity``). Central reads them back with services/apply/items.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from serialpos.domain.states import Action
from serialpos.services import ledger


def item(sku: str, serials: Sequence[str] = (), quantity: int = 0) -> dict[str, Any]:
    """One product of a journaled document: its serials, or a quantity."""
    if serials:
        return {"sku": sku, "serials": list(serials)}
    return {"sku": sku, "quantity": quantity}


def items_of(steps: Iterable[ledger.Step]) -> list[dict[str, Any]]:
    """The items of ledger steps, in their order (one per step)."""
    return [item(s.sku, tuple(s.serials), s.quantity or 0) for s in steps]


def adjust_items_of(steps: Iterable[ledger.Step]) -> list[dict[str, Any]]:
    """An adjustment's items: ``remove``/``add`` serials, or a signed quantity."""
    out: list[dict[str, Any]] = []
    for step in steps:
        adding = step.action is Action.ADJUST_ADD
        if step.serials:
            out.append({"sku": step.sku, "add" if adding else "remove": list(step.serials)})
        else:
            out.append({"sku": step.sku, "quantity": (step.quantity or 0) * (1 if adding else -1)})
    return out


def _each_item(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A line's ``items`` (a document's products) or ``scans`` (an ASN receipt's)."""
    listed = data.get("items", data.get("scans"))
    if not isinstance(listed, list):
        return []
    return [i for i in listed if isinstance(i, Mapping)]


def _of(entry: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key in ("serial", "serials", "add", "remove"):
        value = entry.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    return found


def item_serials(data: Mapping[str, Any]) -> list[str]:
    """The serials a line's ``items`` or ``scans`` name (a conflict names its unit)."""
    return [serial for entry in _each_item(data) for serial in _of(entry)]


def item_sku(data: Mapping[str, Any], serial: str | None) -> str | None:
    """The SKU of the item naming ``serial`` (else the only item's), for a conflict."""
    listed = _each_item(data)
    for entry in listed:
        if serial is not None and serial in _of(entry) and isinstance(entry.get("sku"), str):
            return str(entry["sku"])
    if len(listed) == 1 and isinstance(listed[0].get("sku"), str):
        return str(listed[0]["sku"])
    return None
