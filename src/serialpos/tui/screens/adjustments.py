"""Adjustments (managers and admins): choose the reason (its number or code, Enter), a note
(Enter for none; "other" needs one), then scan the units to remove, or switch to adding
(F5) and scan the units found; quantities for products without serials. Post (F10/^F)
records everything as one document with its event file. A user whose role may not adjust is
told so on the home screen and the flow does not open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from serialpos.tui.keymap import keys
from serialpos.tui.screens.checked_scan_out import CheckedScanOutScreen
from serialpos.tui.screens.scan_out_entries import Entry, units

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.outgoing import PickedUnit
    from serialpos.tui.messages import ScanRead
    from serialpos.tui.store_link import StoreLinkApp


def open_adjustments(app: StoreLinkApp) -> None:
    """Push the adjustments screen, or say on the current screen why this user may not."""
    from serialpos.domain.errors import PermissionDenied
    from serialpos.services.adjustments import require_adjust
    from serialpos.tui.screens.base import ConsoleScreen

    session = app.session
    if session is None:
        return
    try:
        require_adjust(session.actor)
    except PermissionDenied as exc:
        screen = app.screen
        if isinstance(screen, ConsoleScreen):
            screen.show_error(exc.message)
        return
    app.push_screen(AdjustmentsScreen())


class AdjustmentsScreen(CheckedScanOutScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "direction", "Add/Remove"),
        Binding(keys("f10", "finish"), "finish", "Post"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.reason = ""
        self.note: str | None = None
        self.adding = False

    @property
    def title_text(self) -> str:
        return "Adjustments"

    @property
    def stage(self) -> str:
        return "reason" if not self.reason else "note" if self.note is None else "scan"

    @property
    def sign(self) -> int:
        return 1 if self.adding else -1

    def mounted(self) -> None:
        self._offer_reasons()

    def _offer_reasons(self) -> None:
        from serialpos.services.adjustments import REASONS

        self.unit_list.show(
            self.list_title(),
            [f"{n}  {words}" for n, words in enumerate(REASONS.values(), 1)],
            lambda item, _width: str(item),
        )

    def head_words(self) -> str:
        if not self.reason:
            return "reason?"
        way = "ADDING" if self.adding else "removing"
        return f"{way} · {self.reason}" + (f": {self.note}" if self.note else "")

    def placeholder(self) -> str:
        if self.done is None and self.stage == "reason":
            return "reason: its number or code, Enter"
        if self.done is None and self.stage == "note":
            return "note (Enter for none)" if self.reason != "other" else "note: say why"
        return super().placeholder()

    def list_title(self) -> str:
        if self.stage == "reason":
            return "Reason (number or code, Enter)"
        return super().list_title()

    def take_entry(self, text: str) -> bool:
        from serialpos.domain.adjustment_reasons import starts_adding
        from serialpos.domain.errors import BadRequest
        from serialpos.services.adjustments import MAX_NOTE, REASONS
        from serialpos.services.rtv import text_field

        stage = self.stage
        if stage == "scan":
            return False
        if stage == "reason":
            codes = list(REASONS)
            code = text.strip().lower().replace(" ", "_")
            if code.isdigit() and 1 <= int(code) <= len(codes):
                code = codes[int(code) - 1]
            if code not in REASONS:
                self.show_error(
                    f"'{text}' is no reason: type 1-{len(codes)} or a code ({', '.join(codes)})"
                )
                return True
            self.reason = code
            self.adding = starts_adding(code)  # the reason's direction, not the last mode
            self.message_line.ok(f"reason: {REASONS[code]}; now a note (Enter for none)")
        else:
            try:
                self.note = text_field(text, "note", MAX_NOTE, required=self.reason == "other")
            except BadRequest as exc:
                self.show_error(exc.message)
                return True
            self.list_units()
            self.message_line.ok(self._scan_words())
        self.show_state()
        return True

    @property
    def REFUSES_SCANS(self) -> bool:
        """While the reason or the note is asked for, the field is a form a person fills in:
        a wedge scan is told from typing (tui/scanners.py) and refused, as RTV's vendor and
        the count's counter name are (a unit's serial became the note, the unit not taken,
        and the next scan was written off under it)."""
        return getattr(self, "stage", "reason") != "scan"

    def take_entry_scan(self, scan: ScanRead) -> bool:
        from serialpos.domain.text import clip

        if self.stage == "scan":
            return False
        if not self.refuse_when_done():  # a scan (any scanner) is never the reason or note
            blank = self.stage == "note" and self.reason != "other"
            what = "the note (or just Enter)" if blank else f"the {self.stage}, Enter"
            self.scan_refused(f"{clip(scan.raw)} not taken: type {what}, then scan it")
        return True

    def _scan_words(self) -> str:
        from serialpos.domain.adjustment_reasons import Direction, direction_of

        if direction_of(self.reason) is not Direction.EITHER:
            way = "found: add" if self.adding else "remove"
            return f"scan the units to {way} ({self.reason} {'adds' if self.adding else 'removes'})"
        if self.adding:
            return "scan the units to add (F5: remove units instead)"
        return "scan the units to remove (F5: add units instead)"

    def action_direction(self) -> None:
        from serialpos.domain.adjustment_reasons import Direction, direction_of

        way = direction_of(self.reason) if self.reason else Direction.EITHER
        if way is not Direction.EITHER:
            self.show_error(
                f"reason '{self.reason}' only {'adds' if way is Direction.ADD else 'removes'} "
                "units: a count correction or 'other' goes either way"
            )
            return
        self.adding = not self.adding
        self.show_state()
        self.message_line.note(
            "adding: scan units found (a new serial needs its product first)"
            if self.adding
            else "removing: scan the units to take out of stock"
        )
        self.field.focus()

    def check(
        self,
        db: Database,
        raw: str,
        sku: str | None,
        labelled: bool = False,
        run_on: tuple[str, str] | None = None,
    ) -> PickedUnit:
        from serialpos.services.adjustments import check_unit

        return check_unit(
            db,
            self.store,
            raw,
            sku,
            add=self.adding,
            labelled=labelled,
            reason=self.reason,
            run_on=run_on,
        )

    def finish_question(self) -> str | None:
        """Posting asks first, as every posting key does: the units leave (or enter) stock."""
        adds = sum(1 for e in self.entries if e.sign > 0)
        adds += sum(q for (_sku, sign), q in self.quantities.items() if sign > 0)
        removes = sum(1 for e in self.entries if e.sign < 0)
        removes += sum(q for (_sku, sign), q in self.quantities.items() if sign < 0)
        parts = [f"add {units(adds)}"] if adds else []
        parts += [f"write off {units(removes)}"] if removes else []
        if not parts:
            return None  # nothing scanned: posting says so itself
        what = " and ".join(parts)
        return f"Post the adjustment ({self.reason}): {what}? The ledger records it now."

    def finish_job(self, db: Database) -> CheckedScanOutScreen.Finished:
        from serialpos.domain.errors import BadRequest
        from serialpos.services.adjustments import adjust
        from serialpos.services.rtv import StockItem

        if self.stage != "scan":
            raise BadRequest(f"give the {self.stage} first")

        def items(sign: int) -> list[StockItem]:
            chosen: list[Entry] = [e for e in self.entries if e.sign == sign]
            out = [StockItem(e.sku, (e.serial,)) for e in chosen]
            return out + [
                StockItem(sku, (), q) for (sku, s), q in self.quantities.items() if s == sign and q
            ]

        outbox = self.console.terminal_config().resolved_outbox()
        result = adjust(
            db,
            self.session.actor,
            self.store,
            self.reason,
            self.note,
            add=items(1),
            remove=items(-1),
            outbox=outbox,
        )
        net = sum(line.quantity for line in result.lines)
        moved = sum(
            abs(line.quantity) if not line.serials else len(line.serials) for line in result.lines
        )
        return self.Finished(
            result.number,
            f"posted {result.number}: {units(moved)} ({net:+d} on hand), {result.reason}",
            result.files.message,
        )
