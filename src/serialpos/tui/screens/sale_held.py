"""The sale screen's held line: a product scanned first whose serial is required is shown as a
row with "S/N?" and its serial prompt, and nothing is written until the next entry
(services/held_line.py decides; this module only shows it and hands the jobs on).

- The serial, scanned into the sale field or the prompt: the line and its serial are
  committed in one step (the add job, or :meth:`HeldLines.record` for the prompt's entry:
  a refusal there keeps the prompt open and the line held, as serial entry always did).
- Anything else first commits the held line without its serial, as the add used to: a scan
  (the service does it), any other job of the screen (:meth:`commit_first`, called by
  ``SaleScreen.submit`` on the job thread before the job), and the keys whose checks read
  the lines on screen (pay, fulfil, the order menu, line keys, leaving: :meth:`unhold`
  commits, then runs the key), the prompt escaped ("serial later"), another screen brought
  over the prompt, signing out.

State: :attr:`HeldLines.held` is the job thread's (read and written by the jobs, in turn, as
``SaleScreen.order_no`` is); :attr:`HeldLines.shown` is what the screen shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from serialpos.domain.text import clip
from serialpos.tui.screens.sale_outcome import Outcome
from serialpos.tui.widgets.sale_lines import HeldRow

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.context import Actor
    from serialpos.services.held_line import HeldLine
    from serialpos.services.orders import NewOrder
    from serialpos.services.orders.views import AddResult, OrderView
    from serialpos.tui.screens.sale import SaleScreen
    from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry


class HeldLines:
    """The held line of one sale screen."""

    def __init__(self, screen: SaleScreen) -> None:
        self.screen = screen
        #: Job thread: the line held now (None: none).
        self.held: HeldLine | None = None
        #: Job thread: the line the last held line became when written without its serial
        #: (its prompt, still open, records the serial there).
        self.written: int | None = None
        #: Screen side: the held line shown (its row and prompt).
        self.shown: HeldLine | None = None
        self.after: list[Callable[[], object]] = []  # keys waiting for the held line's commit
        #: Job thread: who held the line, on which database, and the order it would open.
        self.made: tuple[Database, Actor, NewOrder] | None = None

    # -- the job thread ----------------------------------------------------------------------
    def keep(self, held: HeldLine | None, db: Database, actor: Actor) -> None:
        """A job's answer on the job thread: the line held now (None: none), and who held it
        where, to write it even once the screen is gone (:meth:`leaving`)."""
        self.held = held
        if held is not None:
            from serialpos.services.orders import NewOrder

            screen = self.screen
            start = NewOrder(screen.session.store, screen.sale_type, screen.delivery)
            self.made = (db, actor, start)

    def commit_first(self, db: Database, actor: Actor) -> AddResult | None:
        """Commit the held line without its serial, if one is held (before another job)."""
        held, made = self.held, self.made
        if held is None or made is None:
            return None
        from serialpos.services.held_line import commit_held

        screen = self.screen
        order = screen.order_no
        result = commit_held(db, actor, order, held, made[2] if order is None else None)
        self.held = None
        self.written = int(result.line)
        screen.order_no = result.order.order
        screen.awaiting = self.written
        return result

    def leaving(self) -> None:
        """The sale screen goes (signed out, idle, the console closing) with a line held: it
        is written as the add wrote it, by the job thread in turn, so the order holds what
        the cashier saw (its answer has no screen to land on)."""
        made = self.made
        if self.shown is None or made is None:
            return

        def job() -> None:
            try:
                self.commit_first(made[0], made[1])
            except Exception:
                import logging

                logging.getLogger(__name__).exception("a held line not written on leaving")

        self.screen.jobs.submit(job)

    # -- the screen ----------------------------------------------------------------------------
    def show(self, held: HeldLine | None) -> None:
        """The held line now (from a job's answer): its row, and its prompt when new."""
        before, self.shown = self.shown, held
        row = None if held is None else HeldRow(held.number, held.sku, held.name, held.price)
        self.screen.lines.show_held(row)
        if held is not None and held is not before:
            self.prompt(held)

    def answer(
        self,
        committed: AddResult | None,
        held: HeldLine | None,
        done: bool,
        view: OrderView | None,
    ) -> None:
        """The held line's part of a job's answer: written before the job (its line shown,
        the last added), written by it (its prompt closes), held now (its row, its prompt)."""
        if committed is not None:
            line = int(committed.line)
            self.screen.show_view(committed.order, line)
            self.screen.last_added = line
        if done or committed is not None:
            self.close_prompt(view or (committed.order if committed else None))
        self.show(held)

    def unhold(self, then: Callable[[], object] | None = None, *, later: bool = False) -> None:
        """Commit the held line without its serial, then ``then`` (at once when none is held);
        ``later``: the prompt was escaped, said as "serial left missing"."""
        if self.shown is None:
            if then is not None:
                then()
            return
        if then is not None:
            self.after.append(then)

        def commit(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.orders import get_order

            written = self.commit_first(db, actor)
            if written is None:  # written by a job before this one: the order as it is
                view = None if order is None else get_order(db, order)
                return Outcome(view, unheld=True)
            line = written.order.line_by_id(int(written.line))
            note = f"line {line.number}: serial left missing" if later else ""
            return Outcome(
                written.order,
                note,
                cursor_line=line.line,
                added=True,
                unheld=True,
                held_done=True,
                note_kind="note",
            )

        self.screen.submit(commit, takes_held=True)

    def answered(self, outcome: Outcome) -> None:
        """A job's answer landed: the keys that waited for the held line's commit run."""
        if outcome.unheld and self.after:
            waiting, self.after = self.after, []
            for then in waiting:
                then()

    def prompt(self, held: HeldLine) -> None:
        from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry

        screen = self.screen

        def done(result: object) -> None:
            if result is None and self.shown is held:
                self.unhold(later=True)  # Esc: serial later, the line written without it
            screen.focus_scan()

        screen.app.push_screen(
            SerialEntry("", held, held_record=self.record, held_left=self.unhold), done
        )

    def close_prompt(self, view: OrderView | None) -> None:
        """The held line was written (with its serial or not): its prompt closes, the
        order as it now stands its answer (no "serial later" for it: it is written)."""
        from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry

        self.shown = None
        dialog = self.screen.app.screen
        if isinstance(dialog, SerialEntry) and dialog.held_record is not None:
            dialog.dismiss(view)

    def record(
        self, dialog: SerialEntry, serial: str | None, user: str | None, pin: str | None
    ) -> None:
        """The prompt's entry, as the held line's serial (one step: the line and its serial),
        on the screen's job thread in turn; a refusal goes back to the prompt, the line still
        held. Once written without it (another screen came over the prompt), the serial goes
        on that line as serial entry always recorded one."""
        from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry

        screen = self.screen
        store, sale_type, delivery = screen.session.store, screen.sale_type, screen.delivery
        shared = dialog.sharing and user is not None

        def job(db: Database, actor: Actor, order: str | None) -> Outcome:
            from serialpos.services.held_line import commit_held
            from serialpos.services.orders import NewOrder, set_serial

            held = self.held
            if held is None and self.written is not None and order is not None:
                view = set_serial(
                    db,
                    actor,
                    order,
                    self.written,
                    serial,
                    override_user=user,
                    override_pin=pin,
                    shared=shared,
                )
                return Outcome(view, cursor_line=self.written, held_done=True)
            if held is None or serial is None:
                from serialpos.domain.errors import BadRequest

                raise BadRequest("no line waits for this serial: scan it in the sale field")
            start = NewOrder(store, sale_type, delivery) if order is None else None
            result = commit_held(
                db,
                actor,
                order,
                held,
                start,
                serial=serial,
                override_user=user,
                override_pin=pin,
                shared=shared,
            )
            self.held = None
            line = result.order.line_by_id(int(result.line))
            return Outcome(
                result.order,
                f"serial {clip(line.serial or '')} recorded on line {line.number}",
                cursor_line=line.line,
                added=True,
                held_done=True,
            )

        def refused(message: str, code: str, error: Exception) -> None:
            overridable = getattr(error, "overridable", True)
            dialog.post_message(SerialEntry.Refused(message, code, overridable))

        screen.submit(job, takes_held=True, refused_to=refused)
