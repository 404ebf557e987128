"""Quantities typed at a "how many?" prompt against a scanner's digits: which entry is a scan
(refused, never counted) and which typed quantity is too unlikely to record without a person
saying so.

The prompt for a product counted without serials (receiving an ASN or a blind receipt, a
transfer's receipt, return to vendor, a transfer's shipment, an adjustment) takes a number,
and so does a barcode: ``400123`` scanned at "how many AC-USBC1?" received 400,123 cables, the
ASN completed with them and the stock report showed them; a 15-digit serial was refused with
"type it in parts", though nobody had typed it. The rule, as for money fields
(:mod:`serialpos.domain.money_entry`):

- **A scan is never a quantity.** An entry that came at a scanner's pace (its keys within the
  form's key gap, at least a scan's length) is refused, named (:func:`scan_not_a_quantity`),
  unless it is a product's barcode or SKU (the prompt says "or scan a product").
- **A typed quantity that is unlikely is asked about**, by a question a scan cannot answer
  (:func:`quantity_doubt`): more than :data:`QUANTITY_CEILING` in one entry; more than
  :data:`EXPECTED_RATIO` times what the line expects, where it expects something (an ASN's
  line, a transfer's line); or digits that read as a GTIN (a scan slowed by the link arrives
  as typed digits).
- **A number past what one entry takes** (:data:`MAX_ENTERED`) is no quantity at all: refused,
  saying a scan was a scan (:func:`past_the_most`).
"""

from __future__ import annotations

import re
from typing import Final

from serialpos.domain.errors import BadRequest
from serialpos.domain.money_entry import reads_as_barcode
from serialpos.domain.text import clip

#: One typed entry above this many units is asked about (a case is tens, a pallet hundreds).
QUANTITY_CEILING: Final = 999
#: ...and so is one above this many times the line's expected quantity, where it has one.
EXPECTED_RATIO: Final = 10
#: The most one typed quantity may say (six digits); a longer number is no quantity.
MAX_ENTERED: Final = 999_999
#: A number as a "how many?" prompt takes it: an optional sign and up to six digits.
QUANTITY: Final = re.compile(r"[+-]?\d{1,6}")
#: A signed or unsigned whole number of any length (a number past :data:`MAX_ENTERED`).
NUMBER: Final = re.compile(r"[+-]?\d+")


def is_quantity(text: str) -> bool:
    """``text`` is a number a "how many?" prompt takes (an optional sign, 1 to 6 digits)."""
    return QUANTITY.fullmatch(text.strip()) is not None


def is_number(text: str) -> bool:
    """``text`` is a whole number, whatever its length."""
    return NUMBER.fullmatch(text.strip()) is not None


def scan_not_a_quantity(text: str, sku: str) -> str:
    """The refusal of a scan made at ``sku``'s "how many?" prompt that is no product."""
    return (
        f"scan '{clip(text.strip(), 32)}' is not a quantity: nothing counted. "
        f"Type how many {sku}, or scan a product"
    )


def past_the_most(text: str, sku: str, *, scanned: bool) -> str:
    """The refusal of a number longer than one entry takes (more than :data:`MAX_ENTERED`)."""
    shown = clip(text.strip(), 32)
    if scanned:
        return scan_not_a_quantity(text, sku)
    barcode = " It reads like a barcode." if reads_as_barcode(text) else ""
    return (
        f"{sku}: '{shown}' is not a quantity (at most {MAX_ENTERED:,} units in one entry): "
        f"nothing counted.{barcode}"
    )


def quantity_doubt(
    text: str, quantity: int, sku: str, expected: int | None = None, *, way: str | None = None
) -> str | None:
    """Why taking ``quantity`` of ``sku`` (typed as ``text``) needs a person's yes, or None.
    ``expected``: what the line expects (an ASN's or a transfer's line), None where nothing is
    expected (a blind receipt, an adjustment). ``way``: the question's verb where it is
    neither counting nor taking back ("Take off", a scan-out's F3)."""
    size = abs(quantity)
    reasons: list[str] = []
    if reads_as_barcode(text):
        reasons.append(f"'{text.strip()}' reads like a barcode.")
    if size > QUANTITY_CEILING:
        reasons.append(f"More than {QUANTITY_CEILING:,} in one entry.")
    if expected is not None and expected > 0 and size > expected * EXPECTED_RATIO:
        reasons.append(f"More than {EXPECTED_RATIO} times the {expected:,} expected.")
    if not reasons:
        return None
    way = way or ("Take back" if quantity < 0 else "Count")
    return f"{way} {size:,} {sku}? " + " ".join(reasons)


class UnlikelyQuantity(BadRequest):
    """A typed quantity to be asked about before it is taken (:func:`quantity_doubt`): the
    screen asks ``question``, and takes the entry again, ``sure``, on a person's yes. Nothing
    is counted until then."""

    code = "unlikely_quantity"

    def __init__(self, question: str, text: str) -> None:
        super().__init__(question)
        self.question = question
        self.text = text


def judge_typed(text: str, sku: str, expected: int | None, *, sure: bool) -> int:
    """The quantity a person typed at ``sku``'s prompt, or :class:`UnlikelyQuantity` when it
    is to be asked about first (``sure``: the person said yes already)."""
    quantity = int(text.strip())
    doubt = None if sure else quantity_doubt(text, quantity, sku, expected)
    if doubt is not None:
        raise UnlikelyQuantity(doubt, text.strip())
    return quantity


def judge_take_off(text: str, sku: str, counted: int, *, sure: bool) -> int:
    """How many of ``sku`` a person typed to take off a scan-out's list (F3), ``counted`` on
    it so far. More than is counted is refused at once, naming how many are: "Count 1,234
    AC-USBC1?" was asked of a take-off, and a yes was then refused with "only 5 counted". A
    take-off still unlikely (more than :data:`QUANTITY_CEILING`, a barcode's digits) is asked
    about as a take-off (:class:`UnlikelyQuantity`) unless ``sure``."""
    quantity = int(text.strip())
    if quantity > counted:
        raise BadRequest(
            f"{sku}: only {counted:,} counted: {quantity:,} cannot be taken off, nothing taken off"
        )
    doubt = None if sure else quantity_doubt(text, quantity, sku, way="Take off")
    if doubt is not None:
        raise UnlikelyQuantity(doubt, text.strip())
    return quantity


def plus_forgotten(text: str, sku: str, *, labels: bool) -> str:
    """The refusal of a bare number typed at a count while ``sku``, counted by quantity, is
    chosen: a count's quantity is ``+N``, and ``3`` typed for 3 drills (serials optional, no
    serial format) was counted as a drill with the serial "3", a new unit the approval put in
    stock; for cables it was refused as an unknown serial, telling the person to scan the
    product they had just scanned. ``labels``: the product's units may carry serials too (a
    label is scanned; a serial the ledger knows is counted as typed)."""
    n = text.strip()
    if labels:
        return (
            f"'{n}' not counted: type +{n} to count {n} {sku} without a label; a serial "
            "is scanned from its label"
        )
    return f"'{n}' not counted: {sku} is counted by quantity: type +{n} to count {n}"
