"""What one scan means in one flow: the pure rules of the scan resolver.

Every flow that takes scans (sale, fulfilment, receiving, transfers, returns to vendor,
adjustments, counts, returns, serial lookup, ``apply``) asks these rules, so a scan means the
same thing everywhere. The service (``services/scan_resolver.py``) decodes the scan, looks up
the facts in the ledger (the units with that serial under *every* product, the product a
barcode or SKU names) and calls :func:`resolve`, which returns one typed outcome.

Decisions taken here:
- A bare serial finds its own product: a unit known to the ledger is that unit, whichever
  product the flow has selected (a count files it under its own product).
- A serial is never live (in stock, reserved, in transit or expected) under two products. A
  flow that would record a serial under one product while another product's unit with that
  serial is live is refused ``duplicate_serial``, naming that unit's product, state and store.
- A serial known under another product, even as a gone unit (sold, returned to the vendor,
  written off), never becomes a new unit of the selected product (``duplicate_serial``,
  naming that product and state): it is that product's label.
- A product's barcode (any valid GTIN), or two labels run together, is never a new serial;
  nor is a known serial in other letter case (``domain/serial_case.py``), nor a case's code
  (a GTIN-14 of a packaging level, an SSCC, a GS1 label carrying a count:
  ``domain/case_codes.py``), which is named as such before the product's format speaks.
- A serial holding an invisible, format or non-ASCII space character is refused, naming the
  character and its position (``U+200B at position 5``): such serials look identical on screen.
- Every refusal names the unit's own product, never the product the flow had selected.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Set
from dataclasses import dataclass
from typing import Protocol

from serialpos.domain.case_codes import case_refusal_words
from serialpos.domain.errors import BadValue
from serialpos.domain.products import SerialMode, normalize_gtin
from serialpos.domain.serial_case import case_twin, did_you_mean, twin_message
from serialpos.domain.serial_separators import separator_refusal
from serialpos.domain.serials import SerialFormat
from serialpos.domain.states import UnitState
from serialpos.domain.text import invisible_character, shown

#: States in which a unit is live: a second product's unit with its serial would be a duplicate.
LIVE = frozenset({UnitState.IN_STOCK, UnitState.RESERVED, UnitState.IN_TRANSIT, UnitState.EXPECTED})

#: Named formats whose serials are global identifiers: never shared between two products.
GLOBAL_FORMATS = frozenset({"imei"})


class Scan(Protocol):
    """The fields of a decoded scan the rules read (``domain.decoder.DecodedScan``)."""

    @property
    def kind(self) -> str: ...
    @property
    def gtin(self) -> str | None: ...
    @property
    def serial(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def error(self) -> str | None: ...


class Accepts(enum.StrEnum):
    """What a flow's scan field takes."""

    PRODUCT = "product"
    SERIAL = "serial"
    QUANTITY = "quantity"


@dataclass(frozen=True)
class ProductFacts:
    sku: str
    name: str
    serial_mode: SerialMode
    serial_format: str | None = None

    @property
    def label(self) -> str:
        return f"{self.sku} {self.name}"


@dataclass(frozen=True)
class UnitFacts:
    """A unit the ledger knows with the scanned serial: its own product, state and store."""

    product: ProductFacts
    serial: str
    state: UnitState
    store: str

    @property
    def where(self) -> str:
        """``PH-AUR15 Aurora 15, in stock at S01``: the unit's own product, state and store."""
        return f"{self.product.label}, {self.state.label} at {self.store}"


@dataclass(frozen=True)
class ScanContext:
    """The flow asking: its store, document, selected product and what it takes.

    ``creates_units``: the flow may record a serial the ledger does not know (receiving,
    adjustments, counts). ``fixed_product``: the selected product cannot change with the scan
    (a sale line's serial entry, a receipt line): a serial of another product is refused
    rather than followed to its own product.
    """

    store: str
    selected: ProductFacts | None = None
    accepts: frozenset[Accepts] = frozenset({Accepts.PRODUCT, Accepts.SERIAL})
    creates_units: bool = False
    fixed_product: bool = False
    document: str | None = None


@dataclass(frozen=True)
class LedgerFacts:
    """What the ledger knows about one scan, looked up by the service in one or two queries."""

    units: tuple[UnitFacts, ...] = ()
    #: The product a barcode (GTIN) or exact SKU in the scan names, if any.
    product: ProductFacts | None = None
    #: After an exact miss: units whose serial is the scan's in other letter case.
    case_twins: tuple[UnitFacts, ...] = ()


# -- outcomes --------------------------------------------------------------------------
@dataclass(frozen=True)
class Product:
    """The scan named a product (its barcode or SKU)."""

    product: ProductFacts
    kind: str = "product"


@dataclass(frozen=True)
class ProductSerial:
    """A serial of a product that no unit of any product holds yet (or a live one does not)."""

    product: ProductFacts
    serial: str
    kind: str = "product_serial"


@dataclass(frozen=True)
class KnownUnit:
    """The scan named a unit the ledger knows: its own product, state and store."""

    unit: UnitFacts
    kind: str = "known_unit"


@dataclass(frozen=True)
class Quantity:
    """``+N`` / ``-N``: N units of the selected product."""

    product: ProductFacts
    quantity: int
    kind: str = "quantity"


@dataclass(frozen=True)
class Refusal:
    """The scan cannot be taken here: a stable code and a sentence naming the unit's own
    product, state and store where there is a unit."""

    code: str
    message: str
    kind: str = "refusal"


Outcome = Product | ProductSerial | KnownUnit | Quantity | Refusal


# -- character rules -------------------------------------------------------------------
def _shape(text: str) -> str:
    return "".join("9" if c.isdigit() else "A" if c.isalpha() else c for c in text)


def merged_scans(text: str) -> tuple[str, str] | None:
    """Two labels run together (``FR-300-1011-FR-300-1013``), or None.

    Split where the text's second part repeats the first's shape and its first three
    characters; both parts at least 6 characters and mixing letters and digits, so that a long
    numeric serial (an ICCID) is never taken for two. Only the middle, or either side of a
    one-character separator, is tried: an ASN of 100k serials is checked serial by serial.
    """
    n = len(text)
    for cut, sep in ((n // 2, ""), ((n - 1) // 2, text[(n - 1) // 2 : (n + 1) // 2])):
        if cut < 6 or (sep and sep not in _SEPARATORS) or (not sep and n % 2):
            continue
        first, rest = text[:cut], text[cut + len(sep) :]
        if len(rest) != len(first) or first == rest or first[:3] != rest[:3]:
            continue
        if not (any(c.isalpha() for c in first) and any(c.isdigit() for c in first)):
            continue
        if _shape(first) == _shape(rest):
            return first, rest
    return None


_SEPARATORS = frozenset("- /,")


def is_global_identifier(product: ProductFacts, serial: str) -> bool:
    """IMEI-format serials identify one device worldwide: never shared between products."""
    fmt = (product.serial_format or "").strip().lower()
    if fmt in GLOBAL_FORMATS:
        return True
    return SerialFormat("imei").problem(serial) is None


def may_share(serial: str) -> bool:
    """Whether a manager may be offered to accept ``serial`` as shared by two products: never
    an IMEI-format serial."""
    return bool(serial.strip()) and SerialFormat("imei").problem(serial.strip()) is not None


# -- the cross-product rule --------------------------------------------------------------
def live_elsewhere(product_sku: str, units: tuple[UnitFacts, ...]) -> UnitFacts | None:
    """A live unit of a product other than ``product_sku`` among ``units``, or None."""
    for unit in units:
        if unit.product.sku != product_sku and unit.state in LIVE:
            return unit
    return None


def known_elsewhere(product_sku: str, units: tuple[UnitFacts, ...]) -> UnitFacts | None:
    """A unit of another product with this serial, in any state (sold, returned to the vendor
    and written off too), when no unit of ``product_sku`` has it; a live one first: such a
    serial is that product's label, and a new unit of ``product_sku`` would be a phantom that
    blocks the real unit's return (a sold laptop's serial added under a drill)."""
    if any(unit.product.sku == product_sku for unit in units):
        return None
    others = [unit for unit in units if unit.product.sku != product_sku]
    live = [unit for unit in others if unit.state in LIVE]
    first = live or others
    return first[0] if first else None


def other_product_refusal(serial: str, unit: UnitFacts) -> Refusal:
    """``WTU123456789A is the serial of BK-CITY7 City bike (returned to vendor): receive it
    under BK-CITY7, or check the label``; a live unit's is :func:`duplicate_refusal`."""
    if unit.state in LIVE:
        return duplicate_refusal(serial, unit)
    sku = unit.product.sku
    sold = unit.state is UnitState.SOLD
    do = f"take it back as a return of {sku}" if sold else f"receive it under {sku}"
    return Refusal(
        "duplicate_serial",
        f"{serial} is the serial of {unit.product.label} ({unit.state.label}): "
        f"{do}, or check the label",
    )


def new_serial_problem(
    serial: str, barcode_of: str | None, product: ProductFacts | None = None, *, gtin: bool = True
) -> Refusal | None:
    """Why ``serial`` cannot become a new unit's serial by what it is: a product's barcode
    (``barcode_of``, the SKU whose barcode it is), any valid EAN/UPC unless ``product``'s own
    serial format takes it (as a scan of one is read at the console), or two labels run
    together, or a list separator (a space, comma, semicolon, pipe, tab) the product's own
    format does not take (domain/serial_separators.py). Asked wherever a serial enters the
    ledger, and of a count's or console's scan (``gtin`` False: the scan was read already)."""
    if barcode_of is not None:
        return Refusal(
            "bad_serial_format",
            f"'{shown(serial)}' is the barcode of {barcode_of}, not a serial: "
            "scan the serial label",
        )
    if gtin and product is not None and _is_gtin(serial) and not _format_takes(product, serial):
        return Refusal(
            "bad_serial_format",
            f"'{serial}' is a product barcode (a valid EAN/UPC), not a serial: scan the serial "
            f"label, or give {product.sku} a serial format that takes such numbers",
        )
    case = case_refusal(serial, product)
    if case is not None:
        return case
    merged = merged_scans(serial)
    if merged is not None:
        return Refusal(
            "merged_scan",
            f"'{shown(serial)}' looks like two labels run "
            f"together ({merged[0]} and {merged[1]}): scan one at a time",
        )
    listed = separator_refusal(serial, None if product is None else product.sku)
    if listed is not None and (product is None or not _format_takes(product, serial)):
        return Refusal("merged_scan", listed)  # "QQ-1,QQ-2": two labels in one entry
    return None


def run_on_refusal(
    product: ProductFacts, serial: str, run_on: tuple[str, str], known_lengths: Set[int]
) -> Refusal | None:
    """Why a new unit's serial read from a label whose FNC1 may not have arrived cannot be
    taken (domain/decoder/run_on.py), or None. The scan alone cannot say; the product can:
    its serial format taking the shorter reading and not the whole, or, with no format, its
    units' serials (``known_lengths``, a sample) all of the shorter reading's length and none
    of the whole's. A format that takes the whole (an IMEI: 15 digits, its check digit) or no
    evidence either way takes the serial as read: numeric serials hold "10" and dates often."""
    before, fields = run_on
    fmt = SerialFormat.parse(product.serial_format) if product.serial_format else None
    if fmt is not None:
        suspect = fmt.problem(serial) is not None and fmt.problem(before) is None
    else:
        suspect = len(before) in known_lengths and len(serial) not in known_lengths
    if not suspect:
        return None
    return Refusal(
        "bad_serial_format",
        f"serial '{shown(serial)}' may be '{before}' + {fields} (the label's FNC1 did not "
        "arrive): type the serial from the label (docs/scanners.md)",
    )


def case_refusal(text: str, product: ProductFacts | None) -> Refusal | None:
    """Refuse a case's code (``domain/case_codes.py``) scanned where a unit's serial is
    expected, naming what it is; None when it is none, or when ``product``'s own serial
    format takes the text."""
    if product is not None and _format_takes(product, text):
        return None
    words = case_refusal_words(text)
    return None if words is None else Refusal("bad_serial_format", words)


def _is_gtin(text: str) -> bool:
    if len(text) not in (8, 12, 13, 14) or not (text.isascii() and text.isdigit()):
        return False
    try:
        normalize_gtin(text)
    except BadValue:
        return False
    return True


def duplicate_refusal(serial: str, unit: UnitFacts) -> Refusal:
    return Refusal(
        "duplicate_serial",
        f"serial {serial} is already {unit.where}: a serial is never live under two products",
    )


def serial_problem(product: ProductFacts, serial: str) -> Refusal | None:
    """Why ``serial`` cannot be a serial of ``product`` by its characters or format."""
    odd = invisible_character(serial)
    if odd is not None:
        return Refusal(
            "bad_serial_format",
            f"serial '{shown(serial)}' holds an invisible character ({odd}): "
            "scan the label again or type the serial",
        )
    if product.serial_mode is SerialMode.DISABLED:
        return Refusal("not_serialized", f"{product.label} is not serialized; it takes no serial")
    if product.serial_format:
        reason = SerialFormat.parse(product.serial_format)
        problem = None if reason is None else reason.problem(serial)
        if problem is not None:
            return Refusal(
                "bad_serial_format",
                f"serial '{shown(serial)}' is not valid for {product.sku}: {problem}",
            )
    return None


# -- resolve ---------------------------------------------------------------------------
_QUANTITY = re.compile(r"[+-][0-9]{1,7}")


def resolve(scan: Scan, context: ScanContext, facts: LedgerFacts) -> Outcome:
    """What ``scan`` means in ``context``, given what the ledger knows (``facts``)."""
    if scan.kind == "unreadable":
        odd = invisible_character(scan.text)
        if odd is not None:
            case = case_refusal(scan.text, None)  # a case's GS1 label keeps its FNC1 (GS)
            if case is not None:
                return case
            return Refusal(
                "bad_serial_format",
                f"'{shown(scan.text)}' holds an invisible character ({odd}): scan the label again",
            )
        return Refusal("unreadable", f"the scan could not be read: {scan.error}")
    text = scan.text
    if Accepts.QUANTITY in context.accepts and _QUANTITY.fullmatch(text):
        if context.selected is None:
            return Refusal("bad_request", "scan the product first, then its quantity (+N)")
        return Quantity(context.selected, int(text))
    if scan.kind == "product":
        return _product_scan(scan, context, facts)
    if scan.kind == "product_serial":
        if facts.product is None:
            return Refusal("unknown_product", f"no product has the barcode {scan.gtin}")
        selected = context.selected
        if context.fixed_product and selected is not None and facts.product.sku != selected.sku:
            return Refusal(
                "wrong_product", f"the label is of {facts.product.label}, not of {selected.label}"
            )
        return _serial_of(facts.product, scan.serial or "", context, facts, from_label=True)
    if (
        facts.product is not None
        and Accepts.PRODUCT in context.accepts
        and not (context.fixed_product and context.selected is not None)
    ):
        return Product(facts.product)  # an exact SKU typed or scanned
    if Accepts.SERIAL not in context.accepts:
        return Refusal("unknown_product", f"no product has the barcode or SKU '{shown(text)}'")
    return _bare_serial(text, context, facts)


def _product_scan(scan: Scan, context: ScanContext, facts: LedgerFacts) -> Outcome:
    product = facts.product
    selected = context.selected
    wants_serial = context.fixed_product and selected is not None
    if product is None:
        if wants_serial and selected is not None and _format_takes(selected, scan.text):
            # The product's own serial format says this is one of its serials (a maker that
            # numbers units with 13 digits): the format is the stronger word.
            return _serial_of(selected, scan.text, context, facts)
        case = case_refusal(scan.text, selected) if wants_serial else None
        if case is not None:  # a case's GTIN-14 (its packaging level) or its GS1 label
            return case
        what = "a product barcode, not a serial" if wants_serial else "not a product we sell"
        return Refusal(
            "unknown_product", f"{scan.text} is {what}: no product has the barcode {scan.gtin}"
        )
    if wants_serial or Accepts.PRODUCT not in context.accepts:
        return Refusal(
            "bad_serial_format",
            f"'{scan.text}' is the barcode of {product.sku}, not a serial: scan the serial label",
        )
    return Product(product)


def _format_takes(product: ProductFacts, text: str) -> bool:
    fmt = SerialFormat.parse(product.serial_format) if product.serial_format else None
    return fmt is not None and fmt.problem(text) is None


def _serial_of(
    product: ProductFacts,
    serial: str,
    context: ScanContext,
    facts: LedgerFacts,
    *,
    from_label: bool = False,
) -> Outcome:
    """``serial`` taken as a serial of ``product`` (selected, or named by a GS1 label)."""
    own = next((u for u in facts.units if u.product.sku == product.sku), None)
    clash = live_elsewhere(product.sku, facts.units) if own is None else None
    if clash is None and own is None and context.creates_units:
        clash = known_elsewhere(product.sku, facts.units)  # a gone unit's serial too
    if clash is not None:
        # Named before the format: the unit in hand is of another product, and saying that
        # (its product, state, store) is the truth; "not valid for <selected>" would mislead.
        return other_product_refusal(serial, clash)
    twin = case_twin(serial, facts.case_twins) if own is None and context.creates_units else None
    if twin is not None:  # caps lock: the recorded unit's label (domain/serial_case.py)
        return Refusal("duplicate_serial", twin_message(serial, twin, twin.product.sku))
    case = case_refusal(serial, product) if own is None and not from_label else None
    if case is not None:  # the carton's label, named before the format ("not an IMEI")
        return case
    problem = serial_problem(product, serial)
    if problem is not None:
        return problem
    if own is not None:
        return KnownUnit(own)
    if not from_label:
        merged = new_serial_problem(serial, None, product, gtin=False)
        if merged is not None:
            return merged
    return ProductSerial(product, serial)


def _bare_serial(serial: str, context: ScanContext, facts: LedgerFacts) -> Outcome:
    """A serial scanned without its product: its own unit first, whatever is selected."""
    selected = context.selected
    odd = invisible_character(serial)
    if odd is not None:
        case = case_refusal(serial, None)  # a case's GS1 label keeps its FNC1 (GS)
        if case is not None:
            return case
        return Refusal(
            "bad_serial_format",
            f"serial '{shown(serial)}' holds an invisible character ({odd}): "
            "scan the label again or type the serial",
        )
    if selected is not None and context.fixed_product:
        return _serial_of(selected, serial, context, facts)
    if selected is not None and selected.serial_mode.tracked:
        own = next((u for u in facts.units if u.product.sku == selected.sku), None)
        if own is not None:
            return KnownUnit(own)
    products = {u.product.sku for u in facts.units}
    if len(products) == 1:
        return KnownUnit(facts.units[0])
    if len(products) > 1:
        live = [u for u in facts.units if u.state in LIVE]
        if len(live) == 1:
            return KnownUnit(live[0])
        listed = ", ".join(sorted(products))
        return Refusal(
            "ambiguous_serial",
            f"serial {serial} belongs to units of several "
            f"products ({listed}): scan the product's barcode first",
        )
    if selected is not None and selected.serial_mode.tracked:
        return _serial_of(selected, serial, context, facts)
    hint = did_you_mean(serial, (u.serial for u in facts.case_twins))
    return Refusal(
        "unknown_serial",
        f"serial {shown(serial)} is not known: "
        + (hint or "scan the product's barcode first, then its serials"),
    )
