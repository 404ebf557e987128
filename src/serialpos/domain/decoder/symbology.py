"""Symbology: AIM identifiers (``]C1``, ``]E0`` ...) and reading EAN/UPC and ITF-14 digits.

The AIM prefix says what the scanner read, and so what the data promises: GS1, EAN/UPC or
free text. EAN/UPC data that does not check out is unreadable, never a serial.
"""

from __future__ import annotations

import re
from typing import Final

from biip import ParseError
from biip.upc import Upc

from serialpos.domain.decoder.scan import Unreadable, gtin_problem, is_digits, preview

# --- AIM symbology identifiers (ISO/IEC 15424) --------------------------------------------

MODE_FREE: Final = "free"  # any text; GS1 and GTINs only when they check out completely
MODE_GS1: Final = "gs1"  # FNC1 in first position: the data must be GS1
MODE_EAN: Final = "ean"  # ]E0: EAN-13, UPC-A or UPC-E
MODE_EAN8: Final = "ean8"  # ]E4
MODE_EAN_ADDON: Final = "ean-addon"  # ]E3: main symbol followed by its 2- or 5-digit add-on
MODE_ADDON_ONLY: Final = "addon-only"  # ]E1, ]E2: an add-on read on its own
MODE_ITF: Final = "itf"  # ]I1: ITF-14 (a GTIN-14) when it carries 14 digits

_AIM_CODES: Final[dict[str, tuple[str, str]]] = {
    "A": ("code39", MODE_FREE),
    "B": ("telepen", MODE_FREE),
    "C": ("code128", MODE_FREE),
    "D": ("code-one", MODE_FREE),
    "E": ("ean13", MODE_EAN),
    "F": ("codabar", MODE_FREE),
    "G": ("code93", MODE_FREE),
    "H": ("code11", MODE_FREE),
    "I": ("itf", MODE_FREE),
    "J": ("dotcode", MODE_FREE),
    "K": ("code16k", MODE_FREE),
    "L": ("pdf417", MODE_FREE),
    "M": ("msi", MODE_FREE),
    "N": ("anker", MODE_FREE),
    "O": ("codablock", MODE_FREE),
    "P": ("plessey", MODE_FREE),
    "Q": ("qr", MODE_FREE),
    "R": ("iata-2of5", MODE_FREE),
    "S": ("industrial-2of5", MODE_FREE),
    "T": ("code49", MODE_FREE),
    "U": ("maxicode", MODE_FREE),
    "X": ("other", MODE_FREE),
    "Y": ("system-expansion", MODE_FREE),
    "Z": ("non-barcode", MODE_FREE),
    "c": ("channel-code", MODE_FREE),
    "d": ("datamatrix", MODE_FREE),
    "e": ("gs1-databar", MODE_GS1),
    "h": ("hanxin", MODE_FREE),
    "o": ("ocr", MODE_FREE),
    "p": ("posicode", MODE_FREE),
    "s": ("supercode", MODE_FREE),
    "z": ("aztec", MODE_FREE),
}
# Code + modifier pairs that change the meaning (GS1 General Specifications 5.1.2).
_AIM_MODIFIED: Final[dict[str, tuple[str, str]]] = {
    "C1": ("gs1-128", MODE_GS1),
    "d2": ("gs1-datamatrix", MODE_GS1),
    "d5": ("gs1-datamatrix", MODE_GS1),  # FNC1 first position, with ECI
    "Q3": ("gs1-qr", MODE_GS1),
    "Q4": ("gs1-qr", MODE_GS1),  # FNC1 first position, with ECI
    "J1": ("gs1-dotcode", MODE_GS1),
    "e1": ("gs1-composite", MODE_GS1),
    "e2": ("gs1-composite", MODE_GS1),
    "E1": ("ean-addon", MODE_ADDON_ONLY),
    "E2": ("ean-addon", MODE_ADDON_ONLY),
    "E3": ("ean13-addon", MODE_EAN_ADDON),
    "E4": ("ean8", MODE_EAN8),
    "I1": ("itf", MODE_ITF),
}
_AIM_RE: Final = re.compile(r"\]([A-Za-z])([0-9A-Za-z])")


def split_aim(text: str) -> tuple[str | None, str, str]:
    """(AIM id or None, symbology name or "", mode) for ``text``."""
    match = _AIM_RE.match(text)
    if match is None:
        return None, "", MODE_FREE
    code, modifier = match.group(1), match.group(2)
    known = _AIM_MODIFIED.get(code + modifier) or _AIM_CODES.get(code)
    if known is None:
        return None, "", MODE_FREE  # "]" followed by an unknown code: ordinary text
    aim = match.group(0)
    if code == "Y":  # system expansion: the digit says how many more modifier characters follow
        if not modifier.isdigit():
            return None, "", MODE_FREE
        aim = text[: 3 + int(modifier)]
    return aim, known[0], known[1]


# --- EAN/UPC ------------------------------------------------------------------------------

_ADDON_SPLIT: Final[dict[int, tuple[int, str]]] = {
    15: (13, "ean13-addon"),
    18: (13, "ean13-addon"),
    14: (12, "upca-addon"),
    17: (12, "upca-addon"),
    10: (8, "upce-addon"),
    13: (8, "upce-addon"),
}


def ean_symbology(data: str, mode: str, default: str) -> str:
    """The precise name (ean13, upca, upce ...) once the data length is known."""
    if mode == MODE_EAN:
        return {13: "ean13", 12: "upca", 8: "upce", 7: "upce", 6: "upce"}.get(len(data), default)
    if mode == MODE_EAN_ADDON:
        return _ADDON_SPLIT.get(len(data), (0, default))[1]
    if mode == MODE_ITF and len(data) == 14:
        return "itf14"
    return default


def read_ean_upc(data: str, mode: str, symbology: str) -> str:
    """The 14-digit GTIN in EAN/UPC data, or raise ``Unreadable``."""
    if mode == MODE_ADDON_ONLY:
        raise Unreadable("EAN/UPC add-on read without its main barcode; scan the main barcode")
    if not is_digits(data):
        raise Unreadable(f"{symbology} barcode must be digits, got {preview(data)}")
    main = data
    if mode == MODE_EAN_ADDON:
        main = data[: _ADDON_SPLIT.get(len(data), (0, ""))[0]]
        if not main:
            raise Unreadable(f"EAN/UPC with add-on has {len(data)} digits, which does not fit")
    expected = {MODE_EAN: (13, 12, 8, 7, 6), MODE_EAN8: (8,), MODE_ITF: (14,)}.get(
        mode, (13, 12, 8)
    )
    if len(main) not in expected:
        allowed = ", ".join(str(n) for n in expected)
        raise Unreadable(f"{symbology} barcode has {len(main)} digits (expected {allowed})")
    if len(main) < 9 and mode != MODE_EAN8:  # ]E0 sends UPC-E as 6, 7 or 8 digits
        if len(main) > 6 and main[0] not in "01":
            raise Unreadable(f"UPC-E {main} must start with 0 or 1")
        try:
            return str(Upc.parse(main).as_gtin_14())
        except ParseError:
            raise Unreadable(f"wrong check digit in UPC-E {main}") from None
    problem = gtin_problem(main)
    if problem:
        raise Unreadable(problem)
    return main.zfill(14)
