"""A serial prefix as a range of serials: ``low <= serial < high``.

A range rather than ``LIKE``: it is case-sensitive (``ab`` does not find ``AB1``), it treats
``%`` and ``_`` as the literal characters they are in a serial, and a btree index in bytewise
(code point) order serves it. UTF-8 bytes and code points sort alike, so a range in code
points is the same range in SQLite's BINARY and PostgreSQL's ``COLLATE "C"`` order.
"""

from __future__ import annotations

from serialpos.domain.errors import BadRequest
from serialpos.domain.text import clip, has_control_chars

_TOP = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)  # not encodable: the code point after 0xD7FF is 0xE000


def check_prefix(raw: str) -> str:
    """The prefix to search for: surrounding white space trimmed (as serials are when they are
    recorded); blank or with control characters is refused with the reason."""
    prefix = raw.strip()
    if not prefix:
        raise BadRequest("type the start of a serial to search for", code="blank_prefix")
    if has_control_chars(prefix):
        raise BadRequest(
            f"serial prefix '{clip(prefix)}' contains control characters", code="bad_prefix"
        )
    try:
        prefix.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(
            "serial prefix is not valid text (a lone surrogate)", code="bad_prefix"
        ) from None
    return prefix


def upper_bound(prefix: str) -> str | None:
    """The first string after every string that starts with ``prefix``: the prefix with its
    last character incremented (a last character that cannot grow is dropped first); None
    when no such string exists (a prefix of nothing but U+10FFFF)."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop())
        if code < _TOP:
            code += 1
            if code in _SURROGATES:
                code = _SURROGATES.stop
            return "".join(chars) + chr(code)
    return None
