"""The worker side of the scan-out loop (scan_out.py): the units scanned so far, and what a
scan, a pasted list or a quantity does to them.

Every method here after the hooks runs on a thread worker, one job at a time in the order asked
(:class:`~serialpos.tui.screens.base.OrderedJobs`), so this side owns the list of units; each
job answers with a message the screen side shows. The messages keep the handler names
``on_scan_out_screen_*`` (their namespace), as when they were declared on the screen.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.base import AbstractScreenMeta, OrderedJobs
from serialpos.tui.screens.kept_refusals import KeepsRefusals
from serialpos.tui.screens.scan_out_entries import Entry, Newest, units

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.domain.quantity_entry import UnlikelyQuantity
    from serialpos.services.outgoing import PickedUnit, StockProduct
    from serialpos.tui.screens.base import JobFailure

_LIST = re.compile(r"\S[\s,;]+\S")


class ScanOutWork(KeepsRefusals, metaclass=AbstractScreenMeta):
    """The scanned document and what a scan does to it; the screen is :class:`ScanOutScreen`."""

    @dataclass
    class Landed(Message, namespace="scan_out_screen"):
        """A job was done; ``message`` says what (``alert``: with the bell)."""

        message: str
        alert: bool = False
        note: bool = False
        scan: bool = False  # the answer to a scan: kept with its refusals until seen

    @dataclass
    class Refused(Message, namespace="scan_out_screen"):
        """A job was refused; nothing changed."""

        message: str
        scan: bool = False  # a scan's refusal: kept until seen (kept_refusals.py)
        doubt: UnlikelyQuantity | None = None  # a typed quantity to ask about first
        finish: bool = False  # the refusal of the document's finish: F10 may ask again

    @dataclass
    class Finished(Message, namespace="scan_out_screen"):
        """The document was completed: its number and the sentence to show."""

        document: str
        message: str
        warning: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.current: StockProduct | None = None
        self.entries: list[Entry] = []
        #: What the unit list shows: the entries newest first, then the counted products.
        self.listed = Newest(self.entries)
        self.keys: set[tuple[str, str]] = set()
        self.quantities: dict[tuple[str, int], int] = {}
        self.taking_off = False
        self.done: str | None = None
        #: Screen side: the finish was asked for and has not answered (scan_out.py).
        self.finishing = False
        self.jobs = OrderedJobs(self, "scan-out", self.job_refusal)

    def job_refusal(
        self, failure: JobFailure, *, scan: bool = False, finish: bool = False
    ) -> Message:
        """A job's refusal as the screen's message (a typed quantity to ask about kept)."""
        from serialpos.domain.quantity_entry import UnlikelyQuantity

        error = failure.error
        doubt = error if isinstance(error, UnlikelyQuantity) else None
        return self.Refused(failure.message, scan, doubt, finish)

    # -- what subclasses say (worker side) -------------------------------------------------
    @property
    def sign(self) -> int:
        """Which way the next scan moves a unit (adjustments can add)."""
        return -1

    @abstractmethod
    def store_units(
        self,
        db: Database,
        sku: str | None,
        serials: list[str],
        labelled: bool = False,
        run_on: tuple[str, str] | None = None,
    ) -> tuple[list[PickedUnit], list[str]]:
        """Worker side: check every serial (one refused refuses them all) and return the units
        to add and the serials already on the list (repeats, counted once). ``labelled``: the
        serial came on a GS1 label naming ``sku``; otherwise the service follows a bare serial
        to its own product. ``run_on``: the label's serial may hold the fields printed after
        it (the decoder's word): a unit added from it is refused where the product says so."""

    def unstore_units(self, db: Database, entries: list[Entry]) -> None:
        """Worker side: units taken off the list (a kept document forgets them too)."""

    def store_quantity(self, db: Database, product: StockProduct, change: int) -> None:
        """Worker side: a quantity counted on (or, negative, off) the document."""
        key = (product.sku, self.sign)
        new = self.quantities.get(key, 0) + change
        if new < 0:
            from serialpos.domain.errors import BadRequest

            raise BadRequest(f"{product.sku}: only {self.quantities.get(key, 0)} counted")
        self.quantities[key] = new

    @abstractmethod
    def finish_job(self, db: Database) -> Finished:
        """Worker side: complete the document."""

    def counted(self) -> int:
        return len(self.entries) + sum(self.quantities.values())

    # -- what a scan does (worker side) -------------------------------------------------------
    @property
    def store(self) -> str:
        return self.session.store

    def _product(self, db: Database, code: str) -> StockProduct:
        from serialpos.services.outgoing import find_stock_product

        return find_stock_product(db, self.store, code)

    def _take(
        self,
        text: str | None,
        gtin: str | None,
        serial: str | None,
        *,
        scanned: bool = True,
        sure: bool = False,
        run_on: tuple[str, str] | None = None,
    ) -> Message:
        """One scan or entry. ``scanned``: it came at a scanner's pace, so a number in it is
        never a quantity: it may be a product or a unit's serial, else it is refused, named
        (domain/quantity_entry.py). A typed quantity too unlikely to be meant raises
        :class:`~serialpos.domain.quantity_entry.UnlikelyQuantity` unless ``sure``."""
        from serialpos.domain.errors import BadRequest, DomainError, UnknownProduct
        from serialpos.domain.quantity_entry import (
            is_quantity,
            judge_take_off,
            judge_typed,
            past_the_most,
            scan_not_a_quantity,
        )
        from serialpos.domain.serial_lists import expand_range

        db = self.console.database()
        if gtin is not None:
            product = self._product(db, gtin)
            if serial is not None:
                self.current = product
                return self._serials(db, [serial], labelled=True, run_on=run_on)
            return self._select(db, product, count_one=True)
        assert text is not None
        if _LIST.search(text) is not None or expand_range(text) is not None:
            return self._take_list(text)
        current = self.current
        at_prompt = current is not None and current.quantity_allowed and is_quantity(text)
        if current is not None and at_prompt and not scanned:
            if self.taking_off:  # more than counted refused at once, a doubt asked as a take-off
                counted = self.quantities.get((current.sku, self.sign), 0)
                return self._quantity(
                    db, current, judge_take_off(text, current.sku, counted, sure=sure)
                )
            return self._quantity(db, current, judge_typed(text, current.sku, None, sure=sure))
        found: StockProduct | None
        try:
            found = self._product(db, text)
        except UnknownProduct:
            found = None
        if found is not None:
            return self._select(db, found, count_one=text != found.sku)
        if current is not None and not scanned and self._past_the_most(db, current, text):
            # As the count answers "+9999999999": the limit named, not "serial … not known".
            raise BadRequest(past_the_most(text, current.sku, scanned=False))
        if current is None or not at_prompt:
            return self._serials(db, [text])
        try:  # a scanned number at "how many?": a unit's serial, or refused as no quantity
            return self._serials(db, [text])
        except DomainError:
            raise BadRequest(scan_not_a_quantity(text, current.sku)) from None

    def _past_the_most(self, db: Database, current: StockProduct, text: str) -> bool:
        """``text``, typed at "how many {current}?", is a number too long for one entry and
        no unit's serial the ledger knows: a quantity mistyped, not a serial. Where a new
        unit may be added (an adjustment's add, a product whose serials are kept) a serial
        is what it may be, so it is left to the serial's own checks."""
        from serialpos.domain.quantity_entry import is_number, is_quantity
        from serialpos.services.lookup import lookup_serial

        if not current.quantity_allowed or not is_number(text) or is_quantity(text):
            return False
        if self.sign > 0 and current.by_serial:
            return False
        return not lookup_serial(db, text)

    def _select(self, db: Database, product: StockProduct, *, count_one: bool) -> Message:
        self.current = product
        if not product.by_serial:
            if count_one:
                return self._quantity(db, product, 1)
            return self.Landed(f"{product.sku} {visible(product.name)}: type how many", note=True)
        return self.Landed(f"{product.sku} {visible(product.name)}: scan its serials", note=True)

    def _quantity(self, db: Database, product: StockProduct, change: int) -> Message:
        from serialpos.domain.errors import BadRequest

        if change == 0:
            raise BadRequest("give a quantity other than 0")
        if self.taking_off:
            change = -change
        self.store_quantity(db, product, change)
        now = self.quantities.get((product.sku, self.sign), 0)
        return self.Landed(f"{product.sku}: {now} counted · {units(self.counted())} in all")

    def _take_list(self, text: str) -> Message:
        from serialpos.domain.serial_lists import parse_serial_list

        serials = parse_serial_list(text)
        return self._serials(self.console.database(), serials)

    def _serials(
        self,
        db: Database,
        serials: list[str],
        *,
        labelled: bool = False,
        run_on: tuple[str, str] | None = None,
    ) -> Message:
        current = self.current
        # A serial scanned while a counted product is selected is looked up by itself.
        sku = current.sku if current is not None and current.by_serial else None
        if self.taking_off:
            return self._take_off(db, sku, serials)
        picked, repeated = self.store_units(db, sku, serials, labelled, run_on)
        for unit in picked:
            self.entries.append(Entry(unit.sku, unit.serial, self.sign))
            self.keys.add((unit.sku, unit.serial))
        if len(serials) == 1:
            if repeated:
                return self.Landed(
                    f"serial {repeated[0]} is already on the list (counted once)", alert=True
                )
            unit = picked[0]
            return self.Landed(f"{unit.sku} {unit.serial} ✓ {units(self.counted())}")
        words = f"{len(picked):,} serials added from the list · {units(self.counted())}"
        if repeated:
            return self.Landed(f"{words}; {len(repeated)} already on it (counted once)", alert=True)
        return self.Landed(words)

    def _take_off(self, db: Database, sku: str | None, serials: list[str]) -> Message:
        from serialpos.domain.checklist import NotOnDocument
        from serialpos.domain.serials import require_serial

        found: list[Entry] = []
        for raw in serials:
            serial = require_serial(raw)
            # Found by its serial, whichever product is selected (the selected one first).
            same = [e for e in self.entries if e.serial == serial]
            entry = next((e for e in same if e.sku == sku), same[0] if same else None)
            if entry is None:
                raise NotOnDocument(f"serial {clip(serial)} is not on the list: nothing taken off")
            found.append(entry)
        self.unstore_units(db, found)
        for entry in found:
            self.entries.remove(entry)
            self.keys.discard((entry.sku, entry.serial))
        what = found[0].serial if len(found) == 1 else f"{len(found)} serials"
        return self.Landed(f"{what} taken off · {units(self.counted())}", note=True)
