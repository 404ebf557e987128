"""Return to vendor: say the vendor and the reason (typed in the scan field, Enter each), then
scan the units going back (they must be in stock here), and Return (F10/^F) records them all
as one document with its event file. Nothing is recorded until then; Esc leaves without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from serialpos.domain.text import clip
from serialpos.tui.keymap import keys
from serialpos.tui.screens.checked_scan_out import CheckedScanOutScreen
from serialpos.tui.screens.scan_out_entries import units

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.outgoing import PickedUnit
    from serialpos.tui.messages import ScanRead


class RtvScreen(CheckedScanOutScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding(keys("f10", "finish"), "finish", "Return")]

    def __init__(self) -> None:
        super().__init__()
        self.vendor = ""
        self.reason = ""
        self.refused = ""  # why this user may not return to vendor, if they may not

    def mounted(self) -> None:
        from serialpos.domain.errors import PermissionDenied
        from serialpos.domain.users import Permission

        try:
            self.session.actor.require(Permission.RECEIVE)
        except PermissionDenied as exc:
            self.refused = exc.message
            self.show_error(self.refused)

    def refuse_when_done(self) -> bool:
        if self.refused:
            self.show_error(self.refused)
            return True
        return super().refuse_when_done()

    @property
    def title_text(self) -> str:
        return "Return to vendor"

    @property
    def stage(self) -> str:
        return "vendor" if not self.vendor else "reason" if not self.reason else "scan"

    def head_words(self) -> str:
        if not self.vendor:
            return "vendor?"
        return f"to {self.vendor}" + (f" · {self.reason}" if self.reason else " · reason?")

    def placeholder(self) -> str:
        if self.done is None and self.stage == "vendor":
            return "vendor (who gets the units back)"
        if self.done is None and self.stage == "reason":
            return "reason for the return, Enter"
        return super().placeholder()

    def take_entry(self, text: str) -> bool:
        stage = self.stage
        if stage == "scan" or self.refuse_when_done():
            return stage != "scan"
        from serialpos.domain.errors import BadRequest
        from serialpos.services.rtv import MAX_REASON, MAX_VENDOR, form_text
        from serialpos.services.scanned_codes import recorded_vendor

        db = self.console.database()  # one indexed read: a serial or a barcode?
        try:
            if stage == "vendor":
                vendor = form_text(db, text, "vendor", MAX_VENDOR, name=True)
                self.vendor = recorded_vendor(db, vendor)  # spelt as the documents have it
                self.message_line.ok(f"vendor {self.vendor}: now the reason")
            else:
                self.reason = form_text(db, text, "reason", MAX_REASON)
                self.message_line.ok("now scan the units going back")
        except BadRequest as exc:
            self.show_error(exc.message)
        self.show_state()
        return True

    #: Text arriving in one write without an Enter (a paste without bracketed paste) goes
    #: into the vendor or reason field rather than being dropped as a scan cut by a pause;
    #: :meth:`take_entry` refuses it at Enter if it is a scan's text (tui/scanners.py).
    TAKES_PASTED_TEXT: ClassVar[bool] = True

    @property
    def REFUSES_SCANS(self) -> bool:
        """While the vendor or the reason is asked for, the field is a form a person fills
        in: a wedge scan is told from typing (tui/scanners.py) and refused, as the count's
        "who counts" field does (a scanned serial became the reason, the unit not taken)."""
        return getattr(self, "stage", "vendor") != "scan"

    def take_entry_scan(self, scan: ScanRead) -> bool:
        """A scan while the vendor is asked is the vendor's code label when a document names
        that vendor (services/scanned_codes.py: never a unit's serial, a product's barcode or
        a vendor nobody recorded, which a unit's serial cannot be told from); a scan is never
        the reason."""
        if self.stage == "scan":
            return False
        if self.refuse_when_done():
            return True
        if self.stage == "vendor":
            from serialpos.domain.errors import DomainError
            from serialpos.services.rtv import MAX_VENDOR
            from serialpos.services.scanned_codes import scanned_code

            db = self.console.database()  # indexed reads, as take_entry's
            try:
                self.vendor = scanned_code(
                    db, scan.raw, "vendor", MAX_VENDOR, after="then scan the units going back"
                )
            except DomainError as exc:
                self.scan_refused(exc.message)
            else:
                self.message_line.ok(f"vendor {clip(self.vendor)} scanned: now the reason")
            self.show_state()
            return True
        self.scan_refused(
            f"{clip(scan.raw)} was scanned, not returned: type the {self.stage}, Enter, "
            "then scan it again"
        )
        return True

    def check(
        self,
        db: Database,
        raw: str,
        sku: str | None,
        labelled: bool = False,
        run_on: tuple[str, str] | None = None,  # a return sends units the ledger knows
    ) -> PickedUnit:
        from serialpos.services.rtv import check_unit

        return check_unit(db, self.store, raw, sku, labelled=labelled)

    def finish_question(self) -> str | None:
        """Returning asks first, as every posting key does: the units leave stock for good
        (F10 posted at once; a slip of the finger sent the vendor a batch still being
        scanned)."""
        count = len(self.entries) + sum(q for q in self.quantities.values() if q > 0)
        if self.stage != "scan" or not count:
            return None  # refused by the job itself, naming what is missing
        return f"Return {units(count)} to {self.vendor}? They leave stock now."

    def finish_job(self, db: Database) -> CheckedScanOutScreen.Finished:
        from serialpos.domain.errors import BadRequest
        from serialpos.services.rtv import StockItem, return_to_vendor

        if self.stage != "scan":
            raise BadRequest(f"give the {self.stage} first")
        items = [StockItem(e.sku, (e.serial,)) for e in self.entries]
        items += [StockItem(sku, (), q) for (sku, _sign), q in self.quantities.items() if q]
        outbox = self.console.terminal_config().resolved_outbox()
        result = return_to_vendor(
            db, self.session.actor, self.store, self.vendor, self.reason, items, outbox
        )
        return self.Finished(
            result.number,
            f"returned {result.number}: {units(result.units)} to {clip(self.vendor)}",
            result.files.message,
        )
