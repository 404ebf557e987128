"""A store's printed details: its address and tax number, as the invoice, the receipt and the
Z report print them.

They are store settings held as text beside the on/off switches (``serialpos settings set
store_address "1 High Street, Leeds" --store S01``). Each store has its own: a chain default
address would print one shop's address on another's invoices, so there is none.
"""

from __future__ import annotations

from dataclasses import dataclass

from serialpos.domain.errors import BadValue
from serialpos.domain.text import clip, has_control_chars

#: Each detail and its longest value.
STORE_DETAIL_LIMITS = {"store_address": 200, "tax_number": 40}

STORE_DETAIL_HELP = {
    "store_address": "the store's address, printed on invoices, receipts and Z reports",
    "tax_number": "the store's tax (VAT) number, printed on invoices and receipts",
}


@dataclass(frozen=True)
class StoreDetails:
    address: str | None = None
    tax_number: str | None = None

    @classmethod
    def from_values(cls, values: dict[str, str]) -> StoreDetails:
        return cls(values.get("store_address") or None, values.get("tax_number") or None)


def is_store_detail(key: str) -> bool:
    return key.strip() in STORE_DETAIL_LIMITS


def check_store_detail(key: str, value: str) -> tuple[str, str]:
    """The key and the value to keep: trimmed, within its length, no control characters."""
    key = key.strip()
    limit = STORE_DETAIL_LIMITS[key]
    text = value.strip()
    if not text:
        raise BadValue(f"{key} is blank; to remove it use: settings clear {key} --store CODE")
    if has_control_chars(text):
        raise BadValue(f"{key} holds a control character: {clip(text)}")
    if len(text) > limit:
        raise BadValue(f"{key} is {len(text)} characters long; at most {limit} fit")
    return key, text
