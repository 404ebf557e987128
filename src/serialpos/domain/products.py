"""Products as the shop sees them: SKU, name, price, serial mode and format, barcodes, and
(for a package) its package type and components."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from stdnum import ean

from serialpos.domain.entry_text import identifier_refusal
from serialpos.domain.errors import BadValue
from serialpos.domain.limits import MAX_MONEY, MAX_NUMBER_TEXT
from serialpos.domain.members import Members
from serialpos.domain.serials import SerialFormat
from serialpos.domain.text import clip, has_control_chars, invisible_character, shown

MAX_SKU_LENGTH = 64
MAX_NAME_LENGTH = 200


class SerialMode(enum.StrEnum):
    """Whether a product's units must, may, or do not carry a recorded serial."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    DISABLED = "disabled"

    @property
    def tracked(self) -> bool:
        """Serial-tracked products are sold one line per unit."""
        return self is not SerialMode.DISABLED

    @classmethod
    def parse(cls, value: str) -> SerialMode:
        """Read a mode as the mass upload writes it (``Required``) or as typed (``required``)."""
        text = value.strip().lower()
        for mode in cls:
            if mode.value == text:
                return mode
        raise BadValue(f"serial mode '{clip(value)}' is not one of required, optional, disabled")

    @classmethod
    def from_feed_flag(cls, flag: bool) -> SerialMode:
        """The feed's boolean ``SerialNumberRequired``: true -> required, false -> disabled."""
        return cls.REQUIRED if flag else cls.DISABLED


class PackageType(enum.StrEnum):
    """How a package (a product made of other products) is serialized.

    * ``consolidated`` — the package is one box with one serial: it follows its own serial
      mode like any product, and its components are not serialized separately.
    * ``exploded`` — the package is opened at the sale: each component follows its own serial
      mode (a sale adds one line per component) and the package's own mode is ignored for
      serial purposes.

    Components are ordinary products: a package never contains another package (so it can
    never contain itself either).
    """

    CONSOLIDATED = "consolidated"
    EXPLODED = "exploded"

    @classmethod
    def parse(cls, value: str) -> PackageType:
        text = value.strip().lower()
        for kind in cls:
            if kind.value == text:
                return kind
        raise BadValue(f"package type '{clip(value)}' is not one of consolidated, exploded")


#: The most of one component a package may hold.
MAX_COMPONENT_QUANTITY = 9999


_TRUE = {"true", "yes", "on", "1", "y", "t"}
_FALSE = {"false", "no", "off", "0", "n", "f"}


def parse_bool(value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue(f"'{clip(value)}' is not a yes/no value (use true/false, yes/no, on/off, 1/0)")


def normalize_gtin(code: str) -> str:
    """Validate a GTIN/EAN/UPC barcode (8, 12, 13 or 14 digits with a correct check digit) and
    return it as the 14-digit GTIN, so an EAN-13 label and a GS1 AI 01 scan find one product."""
    text = code.strip()
    if not text.isascii() or not text.isdigit() or len(text) not in (8, 12, 13, 14):
        raise BadValue(f"barcode '{clip(text)}' is not a GTIN/EAN/UPC (8, 12, 13 or 14 digits)")
    if not ean.is_valid(text):
        raise BadValue(f"barcode '{text}' has a wrong check digit")
    return text.zfill(14)


def parse_price(value: str) -> Decimal:
    """A price: zero or more, to the cent, at most MAX_MONEY (``1e309`` is a ``bad_value``,
    never an exception from rounding)."""
    text = value.strip().replace(",", "") if value.count(".") == 1 else value.strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise BadValue(f"price '{clip(value, 24)}' is too long to be a number")
    if "e" in text.lower():
        # Decimal reads ``1e3`` as 1000: a spreadsheet's scientific notation, or a typo for
        # a price, never what a catalogue means.
        raise BadValue(
            f"price '{clip(value)}' is written with an exponent: write the price as a plain "
            "number (1000.00)"
        )
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise BadValue(f"price '{clip(value)}' is not a number") from None
    if not price.is_finite() or price < 0:
        raise BadValue(f"price '{clip(value)}' must be zero or more")
    if price > MAX_MONEY:
        raise BadValue(f"price '{clip(value)}' is too large (at most {MAX_MONEY})")
    if price != price.quantize(Decimal("0.01")):
        raise BadValue(f"price '{clip(value)}' has more than two decimals")
    return price.quantize(Decimal("0.01"))


def parse_tax_rate(value: str) -> Decimal:
    """A tax rate in percent (``20`` or ``20%``)."""
    text = value.strip().rstrip("%").strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise BadValue(f"tax rate '{clip(value, 24)}' is too long to be a number")
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise BadValue(f"tax rate '{clip(value)}' is not a number") from None
    if not rate.is_finite() or rate < 0 or rate > 100:
        raise BadValue(f"tax rate '{clip(value)}' must be between 0 and 100 (percent)")
    return rate


def parse_warranty_months(value: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4 or int(text) > 1200:
        raise BadValue(f"warranty '{clip(value)}' must be a whole number of months (0-1200)")
    return int(text)


def check_sku(value: str) -> str:
    sku = value.strip()
    if not sku:
        raise BadValue("the SKU is blank")
    if has_control_chars(sku):
        raise BadValue(f"SKU '{clip(sku)}' contains control characters")
    odd = invisible_character(sku)
    if odd is not None:
        # ``WK<U+200B>-2`` looks like ``WK-2`` everywhere but is another product: no scan or
        # typed SKU could ever find it.
        raise BadValue(
            f"SKU '{shown(sku)}' holds an invisible character ({odd}): type the SKU again"
        )
    if len(sku) > MAX_SKU_LENGTH:
        raise BadValue(f"SKU '{clip(sku)}' is longer than {MAX_SKU_LENGTH} characters")
    return sku


def check_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise BadValue("the product name is blank")
    if has_control_chars(name):
        raise BadValue(f"name '{clip(name)}' contains control characters")
    if len(name) > MAX_NAME_LENGTH:
        raise BadValue(f"name '{clip(name)}' is longer than {MAX_NAME_LENGTH} characters")
    return name


def check_short_text(value: str, what: str, limit: int = 64) -> str:
    """A short name that picks something out (a store code or name, a vendor, a delivery's
    reference, a bin), trimmed; refused with control characters, an invisible character
    (``Acme<U+200B>`` is another vendor that looks the same, named with its position, as a
    SKU is) or past ``limit``."""
    text = value.strip()
    if has_control_chars(text):
        raise BadValue(f"{what} '{clip(text)}' contains control characters")
    hidden = None if text.isascii() else identifier_refusal(what, text)
    if hidden is not None:
        raise BadValue(hidden)
    if len(text) > limit:
        raise BadValue(f"{what} '{clip(text)}' is longer than {limit} characters")
    return text


@dataclass(frozen=True)
class Product:
    """A catalogue product. Services return it; screens and the CLI show it."""

    sku: str
    name: str
    price: Decimal = Decimal("0.00")
    serial_mode: SerialMode = SerialMode.DISABLED
    serial_format: str | None = None
    barcodes: tuple[str, ...] = field(default_factory=tuple)
    tax_rate: Decimal | None = None
    warranty_months: int | None = None
    bin: str | None = None
    #: None for an ordinary product, else "consolidated" or "exploded" (a PackageType).
    package_type: str | None = None
    #: A package's components as (SKU, quantity), sorted by SKU; empty for other products.
    components: tuple[tuple[str, int], ...] = field(default_factory=tuple)
    #: The shelf price includes tax (the feed's PricesIncludeTax); None: the chain decides.
    prices_include_tax: bool | None = None

    @property
    def format(self) -> SerialFormat | None:
        return SerialFormat.parse(self.serial_format)

    @property
    def is_package(self) -> bool:
        return self.package_type is not None


def serial_mode_for_sale(product: Product) -> SerialMode:
    """The serial mode a sale line of ``product`` follows. An exploded package has no serial
    of its own (DISABLED): its component lines carry the serials, each by its own product's
    mode. A consolidated package, like any product, follows its own mode (one serial for the
    box)."""
    if product.package_type == PackageType.EXPLODED:
        return SerialMode.DISABLED
    return product.serial_mode


def exploded_components(product: Product) -> tuple[tuple[str, int], ...]:
    """The (SKU, quantity) component lines a sale of ``product`` adds: the components of an
    exploded package, nothing for any other product (a consolidated package is sold as one
    box)."""
    if product.package_type == PackageType.EXPLODED:
        return product.components
    return ()


#: Serial modes by stored value (domain/members.py: a dict lookup, not the enum call).
SERIAL_MODES: Members[SerialMode] = Members(SerialMode)
