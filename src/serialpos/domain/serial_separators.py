"""A new serial holding a character a list of serials is split on: a space, tab, comma,
semicolon (a pasted list, domain/serial_lists.py) or pipe (an ASN file's ``Serials`` cell,
domain/asn_rows.py).

``"QQ-1,QQ-2"`` sent as one serial made one unit of two labels: neither label then finds its
unit, and the second unit is never counted. The run-together test (``merged_scans``) knew
only halves of the same shape around ``-``, `` ``, ``/`` or ``,`` and at least 6 characters
each, so short serials and ``;`` or ``|`` went through. No serial format that serialpos
ships or reads in words holds one of these characters (``imei``, ``digits`` and ``alnum``
take none; the demo catalogue's serials are letters, digits and ``-``); a maker that really
prints one (``AB 123456``) is excused by the product's own serial format (a regular
expression) that takes the serial. Only a serial becoming a new unit is asked: a unit
recorded before keeps its serial and is sold, returned and moved by it as before.
"""

from __future__ import annotations

import re

#: Each character a list is split on, and how a message names it.
SEPARATORS = {
    " ": "a space",
    "\t": "a tab",
    ",": "a comma",
    ";": "a semicolon",
    "|": "a pipe (|)",
}


_ANY = re.compile("[" + re.escape("".join(SEPARATORS)) + "]")


def any_separator(serials: list[str]) -> set[str]:
    """The serials among ``serials`` holding a separator, the whole list told in one C pass
    when none does (an ASN lists 100k serials)."""
    if _ANY.search("".join(serials)) is None:
        return set()
    return {serial for serial in serials if _ANY.search(serial)}


def separator_in(serial: str) -> str | None:
    """``a comma at position 5`` for the first list separator in ``serial`` (positions count
    from 1), or None."""
    for index, char in enumerate(serial, start=1):
        name = SEPARATORS.get(char)
        if name is not None:
            return f"{name} at position {index}"
    return None


def separator_refusal(serial: str, sku: str | None) -> str | None:
    """Why ``serial`` cannot be a new unit's serial for holding a list separator, or None."""
    found = separator_in(serial)
    if found is None:
        return None
    excuse = (
        f", or give {sku} a serial format that takes it if its labels really print one"
        if sku
        else ""
    )
    return (
        f"'{serial}' holds {found}: a serial has no separator, and two labels in one entry "
        f"would make one unit of two; give one serial per unit{excuse}"
    )
