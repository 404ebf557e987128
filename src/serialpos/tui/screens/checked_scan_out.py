"""Scan-out documents whose units are checked one by one on the screen (a return to vendor,
an adjustment) and kept there until the document is finished; a transfer checks its units in its
service instead (:class:`~serialpos.tui.screens.scan_out.ScanOutScreen`)."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING

from serialpos.domain.text import clip
from serialpos.tui.screens.scan_out import ScanOutScreen

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.outgoing import PickedUnit


class CheckedScanOutScreen(ScanOutScreen):
    """A document whose units are checked here one by one (a return to vendor, an
    adjustment), then kept on the screen until it is finished. A transfer keeps each unit in
    the database as it is scanned, so it checks them in its service instead."""

    @abstractmethod
    def check(
        self,
        db: Database,
        raw: str,
        sku: str | None,
        labelled: bool = False,
        run_on: tuple[str, str] | None = None,
    ) -> PickedUnit:
        """Worker side: may this unit go on the document? Raise the refusal if not."""

    def store_units(
        self,
        db: Database,
        sku: str | None,
        serials: list[str],
        labelled: bool = False,
        run_on: tuple[str, str] | None = None,
    ) -> tuple[list[PickedUnit], list[str]]:
        """Worker side: check every serial (one refused refuses them all) and return the units
        to add and the serials already on the list (repeats, counted once)."""
        picked: list[PickedUnit] = []
        repeated: list[str] = []
        seen: set[tuple[str, str]] = set()
        for number, raw in enumerate(serials, start=1):
            try:
                unit = self.check(db, raw, sku, labelled, run_on)
            except Exception as exc:
                if len(serials) == 1:
                    raise
                from serialpos.domain.errors import BadSerial
                from serialpos.tui.backend import describe

                raise BadSerial(
                    f"the list was refused whole at serial {clip(raw.strip())} "
                    f"(number {number} of {len(serials)}): {describe(exc)}. "
                    "Nothing from it was added"
                ) from exc
            key = (unit.sku, unit.serial)
            if key in self.keys or key in seen:
                repeated.append(unit.serial)
                continue
            seen.add(key)
            picked.append(unit)
        return picked, repeated
