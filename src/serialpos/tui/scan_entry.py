"""The one reading of a device scan that screens hand to their service: product barcode, GS1
product+serial, or text.

Screens used to each decide this for themselves and had drifted apart (the checklist demanded
``kind == "product_serial"`` where scan-out took any scan carrying a GTIN and a serial). What a
scan *means* in a flow is the scan resolver's (``services/scan_resolver.py``); this only says
which fields of the decoded scan a screen passes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from serialpos.tui.messages import ScanRead


@dataclass(frozen=True)
class ScanEntry:
    """``gtin`` and ``serial`` for a GS1 label; ``gtin`` (and its ``text``) for a product
    barcode; ``text`` alone for anything else (a serial, a SKU, a quantity)."""

    text: str | None
    gtin: str | None = None
    serial: str | None = None
    #: A label's serial that may have swallowed the fields after it (the decoder's word).
    run_on: tuple[str, str] | None = None

    @property
    def labelled(self) -> bool:
        """A GS1 label: its product and serial in one scan."""
        return self.gtin is not None and self.serial is not None


def entry_of(scan: ScanRead) -> ScanEntry:
    """Which fields of a readable scan go to the service (screens refuse unreadable scans
    first, with the decoder's reason)."""
    decoded = scan.decoded
    if decoded.kind == "product_serial" and decoded.gtin and decoded.serial:
        return ScanEntry(None, decoded.gtin, decoded.serial, decoded.run_on)
    if decoded.kind == "product" and decoded.gtin:
        return ScanEntry(decoded.text or str(scan.raw), decoded.gtin)
    return ScanEntry(decoded.serial or decoded.text or str(scan.raw))
