"""What a cashier types in the sale field when it is no barcode, exact SKU or in-stock serial:
the pure rules of the counter search (services/counter_search.py fetches the facts).

Decisions taken here:
- Case never matters for a SKU, a product name, an order or an invoice number: ``ph-aur15``
  is ``PH-AUR15``. Serials stay case-sensitive (``sn-1`` and ``SN-1`` are two units).
- A name search matches products whose name or SKU holds every typed word (``aur 15``
  finds "Aurora 15"); a SKU typed whole in any case is that product alone.
- One product found is added at once; several are listed to pick from, with price and stock
  at this store; at most :data:`MAX_CHOICES` are listed, and the cashier is told to type more.
- Text with the shape of a product barcode (8 to 14 digits) is not searched by name: an
  unknown barcode offers quick create, when it is one (8, 12, 13 or 14 digits, right check
  digit: :func:`not_a_barcode`); other digits are said to be no barcode at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from serialpos.domain.case_codes import case_label
from serialpos.domain.errors import BadValue
from serialpos.domain.products import normalize_gtin
from serialpos.domain.serials import luhn_valid
from serialpos.domain.text import clip

#: The most products a pick list shows.
MAX_CHOICES = 20
#: Shorter text is not searched by name (one letter would match half the catalogue).
MIN_SEARCH = 2
#: Digits of this length are a barcode: an unknown one offers quick create, not a search.
BARCODE_DIGITS = range(8, 15)


@dataclass(frozen=True)
class ProductChoice:
    """A product found by name or SKU, with what a cashier picks by."""

    sku: str
    name: str
    price: Decimal
    in_stock: int  # on hand at this store
    serial_mode: str


def not_a_barcode(text: str) -> str | None:
    """Why unknown ``text`` of a barcode's shape (8 to 14 digits) is no product barcode, or
    None when it is one (8, 12, 13 or 14 digits with a right check digit): only a real
    barcode offers quick create. A scan cut short or run together, or a serial's digits
    typed on a menu, used to open the New product form and be refused only once SKU, name
    and price were typed."""
    value = text.strip()
    if not (value.isdigit() and len(value) in BARCODE_DIGITS):
        return None
    try:
        normalize_gtin(value)
    except BadValue as exc:
        return (
            f"{exc.message}: no product is made for it (a scan cut short or mistyped? "
            "scan it again)"
        )
    return None


def nothing_matches(text: str) -> str:
    """What the sale field says of text nothing matches. Fifteen digits that fail the IMEI
    check are most likely a phone's IMEI mistyped (or misread): said so, since "nothing
    matches" alone sends the cashier looking for a unit that is on the shelf. A case's or
    pallet's GS1 label (an SSCC, a count of a GTIN: domain/case_codes.py) is named as one."""
    value = text.strip()
    # A carton's GS1 label scanned at the counter (an SSCC, a case label): said what it is.
    # Digits of a barcode's length stay "nothing matches" (an IMEI cut short reads as one).
    case = None if value.isdigit() and len(value) in BARCODE_DIGITS else case_label(value)
    if case is not None:
        return f"'{clip(value)}' is {case}, not an item"
    said = f"nothing matches '{clip(value)}'"
    if len(value) == 15 and value.isascii() and value.isdigit() and not luhn_valid(value):
        return f"{said}: as an IMEI its check digit is wrong (mistyped? scan it again)"
    return said


def searchable(text: str) -> bool:
    """Whether ``text`` is searched by name and SKU at all."""
    value = text.strip()
    if len(value) < MIN_SEARCH or len(value) > 200:
        return False
    return not (value.isdigit() and len(value) in BARCODE_DIGITS)


def words(text: str) -> list[str]:
    """The lower-cased words every match must hold, ``%``/``_`` kept as characters."""
    return [w.lower() for w in text.split()]


def best(text: str, found: list[ProductChoice]) -> list[ProductChoice]:
    """The products to offer: a SKU typed whole (any case) alone; else every match, the SKUs
    starting with the text first, then by name."""
    folded = text.strip().lower()
    exact = [p for p in found if p.sku.lower() == folded]
    if len(exact) == 1:
        return exact
    return sorted(
        found, key=lambda p: (not p.sku.lower().startswith(folded), p.name.lower(), p.sku)
    )
