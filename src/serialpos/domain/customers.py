"""A customer record's rules: which fields it has, what each may hold, and how it is found.

Decisions taken here:
- A record needs a name; phone, email and address are optional. Limits match the order's own
  copy of the customer (name 100, phone 40, address 200) so a record always fits on an order.
- Control characters (escape sequences, tabs, new lines) are refused with the field named:
  a record is shown on screens, receipts and CSV files, where an escape sequence would act.
  Markup (``[bold]``) is ordinary text and kept; every reader shows it literally.
- Search is case-insensitive by *folding in Python* (``str.casefold``) into one stored key,
  because SQLite's ``lower()`` folds only ASCII: ``müller`` must find ``MÜLLER`` on both
  databases. The key also holds the phone's digits alone, so ``07700 900`` and ``+44 7700
  900…`` find each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from serialpos.domain.errors import BadValue
from serialpos.domain.text import clip, has_control_chars

#: The longest value each field takes.
LIMITS = {"name": 100, "phone": 40, "email": 120, "address": 200}


@dataclass(frozen=True)
class CustomerFields:
    """A customer's details as typed: name required, the rest may be empty."""

    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


def checked(fields: CustomerFields) -> CustomerFields:
    """The fields trimmed, with empty ones as None; refused with the field named when a value
    is too long, holds a control character, or the name is missing."""
    out: dict[str, str | None] = {}
    for key, limit in LIMITS.items():
        raw = getattr(fields, key)
        text = raw.strip() if isinstance(raw, str) else None
        if text and has_control_chars(text):
            raise BadValue(
                f"customer {key} '{clip(text)}' holds a control character (an escape sequence, "
                "tab or new line): type it without"
            )
        if text and len(text) > limit:
            raise BadValue(f"customer {key} is longer than {limit} characters")
        out[key] = text or None
    name = out["name"]
    if not name:
        raise BadValue("a customer needs a name")
    return CustomerFields(name, out["phone"], out["email"], out["address"])


def digits(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def search_key(fields: CustomerFields) -> str:
    """The folded text a search looks in: every field, and the phone's digits alone."""
    parts = [fields.name, fields.phone, fields.email, fields.address, digits(fields.phone)]
    return " | ".join(p.casefold() for p in parts if p)


def search_terms(query: str) -> list[str]:
    """The folded words of a search; every one must occur in a record's key. A term that is a
    phone number written with spaces or dashes is matched by its digits."""
    text = query.strip()
    if has_control_chars(text):
        raise BadValue("a customer search holds a control character")
    if not text:
        raise BadValue("type part of a name, phone, email or address to find a customer")
    if len(text) > 200:
        raise BadValue("a customer search is longer than 200 characters")
    number = digits(text)
    if number and len(number) >= 4 and not any(c.isalpha() for c in text):
        return [number]
    return [word.casefold() for word in text.split()]
