"""The Conflicts screen (issue 16): sales a store terminal made offline that central could not
apply (the unit was sold at another till meanwhile...), listed for a manager, each shown with
both events and resolved by a new event, never by editing one.

F5 accept (the event that stands stays), F6 return (the unit comes back to stock: the
standing sale takes it back and refunds it), F7 write the unit off, F8 record the rest of a
till's sale with its money (the line of the unit sold elsewhere left open and paid:
services/conflict_sale.py), F9 refund a till's sale that handed over nothing else (recorded
without the unit, voided, its money refunded: services/conflict_refund.py); a till's
fulfilment of a layby central closed meanwhile: F8 books its sale after central's void, F9
its money taken and refunded after central's fulfilment (services/conflict_closed_fulfil.py);
a till's deposit on it: F9 refunds it on a voided order, F8 books it as taken once the
order is fulfilled and owes it (services/conflict_closed_deposit.py);
F3 shows open or all. Function keys, since the letters a, r and v
already mean other things in the one keymap (tui/keymap.py).
Each resolution is asked first (:func:`resolve_question`: Enter or y resolves, Escape or n
changes nothing): it is final, a new event and a refund for ``return``, so one stray key
must not make it.
The same service as ``serialpos conflicts``, so the same rules and the same ledger events.
On a store terminal's console the conflicts are central's: read and resolved there through
the terminal's token (terminal/central_conflicts.py); offline the screen says so and lists the
till's own from its journal, and a resolution is refused with nothing changed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList

from serialpos.domain import second_refund_words
from serialpos.domain.closed_money import (
    DEPOSIT_DONE,
    FULFIL_DONE,
    REFUND_DONE,
    deposit_question,
    fulfil_question,
    is_closed_fulfil,
    is_closed_money,
    refund_question,
)
from serialpos.domain.conflict_words import conflict_words, put_back_words
from serialpos.domain.document_not_recorded import document_words
from serialpos.domain.errors import DomainError
from serialpos.domain.resolved_sale import follow_on_act, record_sale_words, sale_for_people
from serialpos.domain.text import visible
from serialpos.domain.users import Permission
from serialpos.tui.backend import still_running
from serialpos.tui.screens.admin import CHANGING, AdminListScreen, RowsLoaded
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.conflict_detail import RESOLVE_BINDINGS
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints

#: The first line of the list on a store terminal that cannot reach central.
OFFLINE_LINE = "OFFLINE: central cannot be reached; this till's own conflicts, from its journal"


class ConflictsOffline(DomainError):
    """A resolution asked at a store terminal while central cannot be reached."""

    code = "offline"


#: What each key resolves by, and the sentence said after.
RESOLVE_KEYS = {
    "accept": "accepted",
    "return": "returned to stock",
    "write_off": "written off",
    "record_sale": "the rest of the sale recorded with its money",
    "refund": "the sale voided and its money refunded",
}


def resolve_question(conflict_id: int, by: str, c: dict[str, Any], *, at_central: bool) -> str:
    """The question asked before a resolution: which conflict and unit, and what it does
    (each is final: a new event, and for ``return`` of a sold unit a refund to the
    customer; a unit no sale holds comes back by a return event alone). A write-off says
    the unit's state and whether it can move (services/conflict_outlook.py): a sold unit's
    is refused, and the question says so before Yes."""
    unit = " ".join(visible(str(c.get(k) or "-")) for k in ("sku", "serial"))
    where = f" at {visible(str(c.get('store') or '-'))}"
    central = " (at central)" if at_central else ""
    if by == "accept":
        named = f" ({unit})" if c.get("sku") or c.get("serial") else ""  # a unit's, if any
        return (
            f"Accept conflict #{conflict_id}{named}{central}? The event that stands "
            "stays and the till's entry is never applied."
        )
    if by == "return":
        sold = (c.get("first_event") or {}).get("action") == "sell"
        question = f"Return {unit} to stock{where} for conflict #{conflict_id}{central}?"
        refund = " The sale that stands takes it back and the customer is refunded."
        return question + refund if sold else question
    if by in FULFIL_DONE and is_closed_fulfil(c):
        # A till's fulfilment of an order central closed meanwhile: its sale booked
        # (record_sale), or its money taken and refunded (refund).
        words = visible(fulfil_question(c, by))
        what = "sale" if by == "record_sale" else "money"
        verb = "Record" if by == "record_sale" else "Refund"
        return f"{verb} conflict #{conflict_id}'s {what}{central}? {words}"
    if by == "record_sale" and is_closed_money(c):
        # A till's deposit on an order central holds fulfilled and owing it: taken there.
        return f"Record conflict #{conflict_id}'s deposit{central}? {visible(deposit_question(c))}"
    if by == "record_sale" and (act := follow_on_act(c)) is not None:
        kind = act.removeprefix("the till's ")
        noun = "exchange sale" if kind.startswith("exchange sale") else kind.split(" of ")[0]
        return (
            f"Record conflict #{conflict_id}'s {kind}{central}? It follows a sale central "
            f"did not record; once that sale is recorded, the {noun} is recorded as the till "
            "made it."
        )
    if by == "record_sale":
        return (
            f"Record the rest of conflict #{conflict_id}'s sale{central}? Its other lines "
            "and the money taken are recorded; the line of the unit sold elsewhere stays "
            "open and paid."
        )
    if by == "refund" and second_refund_words.is_second_return(c):
        return second_refund_words.question(conflict_id, c, central)
    if by == "refund" and is_closed_money(c):
        words = visible(refund_question(c))
        return f"Refund conflict #{conflict_id}'s money{central}? {words}"
    if by == "refund":
        return (
            f"Refund conflict #{conflict_id}'s sale{central}? It is recorded without the "
            f"unit, voided and its money refunded: pay the customer back from "
            f"{visible(str(c.get('terminal') or 'the till'))}'s drawer."
        )
    from serialpos.services.conflict_outlook import write_off_outlook

    outlook = write_off_outlook(c)
    question = f"Write off {unit}{where} for conflict #{conflict_id}{central}?"
    if outlook.state is not None and not outlook.allowed:
        return f"{question} {outlook.words} Return it first (F6), or accept (F5)."
    return f"{question} {outlook.words}".rstrip()


def conflict_text(c: dict[str, Any]) -> Text:
    """Two lines per conflict: what, where and why; then the event that stands and the
    terminal's entry that could not be applied."""
    first = c.get("first_event") or {}
    entry = c.get("entry") or {}
    line = entry.get("line") or {}
    op = line.get("op", "?")
    if c.get("serial"):
        text = Text(f"#{c['id']} {visible(str(c['serial']))}", style="bold")
        text.append(f" {visible(str(c.get('sku') or '-'))}")
    else:
        # A conflict naming no unit (an order's money, a count, a quantity) names its
        # document, as `conflicts show` does: "#7 - -" left a manager to open each one.
        text = Text(f"#{c['id']} {visible(document_words(line))}", style="bold")
    text.append(f" @{visible(str(c.get('store') or '-'))}")
    text.append(f" {c.get('status')}", style="bold" if c.get("status") == "open" else "")
    stands = f"{first.get('action', '?')} by {first.get('terminal', '?')}" if first else "none"
    text.append(
        f"\n  {c.get('error')}: {op} #{entry.get('seq', '?')} from "
        f"{visible(str(c.get('terminal')))}; stands: {visible(stands)}"
    )
    heading, sale = sale_for_people(c)
    if sale:  # the whole sale is missing at central, not only the unit: say all of it
        # (once resolved, what the resolution did instead: domain/resolved_sale.py)
        text.append(f"\n  {heading}: {visible(sale[0])}", style="bold")
        for line in sale[1:]:
            text.append(f"\n  {visible(line)}")
    back = put_back_words(c)
    if back:
        # What the entry had moved on this till, put back when central did not take it
        # (terminal/quantities.py): history once resolved.
        text.append(f"\n  {visible(back)}")
    resolution = c.get("resolution")
    if resolution:
        text.append(f"\n  resolved: {visible(str(resolution.get('by', '')))}")
        text.append(f" {visible(str(resolution.get('action', resolution)))}")
    return text


def detail_text(c: dict[str, Any]) -> Text:
    """One conflict whole, for its detail: what ``serialpos conflicts show`` says, a line
    each (domain/conflict_words.py), the first in bold; each line wraps at 40 columns."""
    from serialpos.config import TerminalConfig

    lines = [visible(line) for line in conflict_words(c, TerminalConfig.terminal_id)]
    text = Text(lines[0], style="bold")
    for line in lines[1:]:
        text.append(f"\n{line}")
    return text


def open_conflicts(console: Any) -> None:
    """Open the screen, or say why this user may not (it needs a manager)."""
    session = console.session
    if session is None:
        return
    try:
        session.actor.require(Permission.ADJUST)
    except Exception:
        screen = console.screen
        if isinstance(screen, ConsoleScreen):
            screen.show_error(
                f"{session.user} ({session.role}) may not resolve conflicts: that needs "
                "the role manager or admin"
            )
        return
    console.push_screen(ConflictsScreen())


def resolved_at_central(conflict_id: int, did: str, printed: str = "") -> str:
    """What a till's console says once central resolved a conflict: ``did`` names where
    when it books money ("... booked at central"): said once, not "at central at central"."""
    where = "" if "at central" in did else " at central"
    return f"conflict {conflict_id}: {did}{where}{printed}"


class ConflictsScreen(AdminListScreen):
    TITLE: ClassVar[str] = "Conflicts"
    BINDINGS: ClassVar[list[BindingType]] = [
        *RESOLVE_BINDINGS,
        Binding("f3", "toggle_view", "Open or all conflicts", show=False),
        Binding("escape", "app.pop_screen", "Back", show=False),
    ]

    only_open = True

    def key_hints(self) -> KeyHints:
        """The resolution keys of the highlighted conflict only: those it offers
        (``resolutions``), as ``conflicts show`` names them (domain/conflict_keys.py)."""
        from serialpos.domain.conflict_keys import key_hints

        chosen = self.chosen
        return (
            ("Enter", "Detail"),
            *key_hints(self.listed.get(chosen) if chosen else None),
            ("F3", "Open/all"),
            ("Esc", "Back"),
        )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Another conflict highlighted: the footer shows its keys."""
        self._keys_again()

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        """The list read again (AdminListScreen's handler fills it; Textual calls both): the
        footer shows the highlighted conflict's keys once it is filled (the row highlighted
        may be another conflict under the same position)."""
        self.call_after_refresh(self._keys_again)

    def _keys_again(self) -> None:
        for footer in self.query(KeyFooter):
            footer.refresh_keys()

    def __init__(self) -> None:
        super().__init__()
        #: The journal entry of each conflict listed, by its number: a resolution names it,
        #: and central refuses a number that is another entry's conflict now (restored
        #: from an older backup meanwhile).
        self.listed_entries: dict[str, str] = {}
        #: Each conflict listed, by its number: what the confirmation names.
        self.listed: dict[str, dict[str, Any]] = {}
        #: Whether this is a store terminal's console, resolving at central (known from the
        #: list's load: the config is read in workers only).
        self.at_central = False

    def load(self) -> list[tuple[str, Text]]:
        chain = self.console.chain()
        self.at_central = chain is not None
        if chain is not None:
            return self._load_on_terminal(chain)
        from serialpos.services.conflict_views import list_conflicts

        found = list_conflicts(self.console.database(), status="open" if self.only_open else None)
        return self._rows(found)

    def _rows(self, found: list[dict[str, Any]]) -> list[tuple[str, Text]]:
        self.listed_entries = {
            str(c["id"]): str(entry["id"])
            for c in found
            if isinstance(entry := c.get("entry"), dict) and entry.get("id")
        }
        self.listed = {str(c["id"]): c for c in found}
        if not found:
            return [("", Text("no open conflicts" if self.only_open else "no conflicts"))]
        return [(str(c["id"]), conflict_text(c)) for c in found]

    def _load_on_terminal(self, chain: Any) -> list[tuple[str, Text]]:
        """A store terminal's: central's conflicts of its store, read through its token;
        offline, this till's own from its journal, under a line that says so."""
        from serialpos.terminal.central_conflicts import list_at_central, remember
        from serialpos.terminal.client import Offline
        from serialpos.terminal.status import local_conflicts

        try:
            found = list_at_central(chain, only_open=self.only_open)
        except Offline:
            own = local_conflicts(self.console.database())
            if self.only_open:
                own = [c for c in own if c.get("status", "open") == "open"]
            head = Text(OFFLINE_LINE, style="bold")
            return [("", head), *(self._rows(own) if own else [])]
        remember(self.console.database(), found)  # what the offline list says then
        # This till's own entries: what each had moved here, put back.
        put_back = {
            str((c.get("entry") or {}).get("id")): c["put_back"]
            for c in local_conflicts(self.console.database())
            if c.get("put_back")
        }
        for c in found:
            moved = put_back.get(str((c.get("entry") or {}).get("id")))
            if moved:
                c["put_back"] = moved
        return self._rows(found)

    def action_toggle_view(self) -> None:
        self.only_open = not self.only_open
        self.message_line.note("open conflicts" if self.only_open else "all conflicts")
        self.reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: the conflict whole, scrollable (a till's sale is taller than a handheld's
        list: screens/conflict_detail.py)."""
        event.stop()
        chosen = event.option.id
        if not chosen or chosen not in self.listed:
            return
        from serialpos.tui.screens.conflict_detail import ConflictDetailScreen

        self.app.push_screen(ConflictDetailScreen(self, chosen, detail_text(self.listed[chosen])))

    def action_resolve(self, by: str, chosen: str | None = None) -> None:
        """Ask, then resolve the chosen conflict (``chosen``, else the highlighted one) by
        ``by``; No changes nothing."""
        from serialpos.tui.screens.serial_mode import Confirm

        if still_running(self, CHANGING):  # a resolve asked before has not answered
            return
        chosen = chosen or self.chosen
        if not chosen:
            self.show_error("no conflict chosen")
            return
        conflict_id = int(chosen)
        from serialpos.domain.conflict_keys import not_offered

        refused = not_offered(self.listed.get(chosen, {"id": conflict_id}), by)
        if refused is not None and chosen in self.listed:
            self.show_error(refused)  # said, never sent: central would refuse it
            return
        question = resolve_question(
            conflict_id, by, self.listed.get(chosen, {}), at_central=self.at_central
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._resolve(chosen, by)
            else:
                self.message_line.note(f"conflict {conflict_id} not resolved")

        self.app.push_screen(Confirm(question), answered)

    def _resolve(self, chosen: str, by: str) -> None:
        conflict_id = int(chosen)
        entry = self.listed_entries.get(chosen)
        # What it did, in the conflict's own words (a follow-on return is no sale).
        did = RESOLVE_KEYS[by]
        if by == "refund" and is_closed_money(self.listed.get(chosen, {})):
            did = REFUND_DONE
        if by == "record_sale":
            did = record_sale_words(self.listed.get(chosen, {}))
        if by == "record_sale" and is_closed_money(self.listed.get(chosen, {})):
            did = DEPOSIT_DONE
        if by in FULFIL_DONE and is_closed_fulfil(self.listed.get(chosen, {})):
            did = FULFIL_DONE[by]
        if by == "refund" and second_refund_words.is_second_return(self.listed.get(chosen, {})):
            did = second_refund_words.DONE
        actor = self.session.actor
        db = self.console.database()

        def work() -> str:
            chain = self.console.chain()
            if chain is not None:  # a store terminal's console: central resolves it
                from serialpos.terminal.client import Offline
                from serialpos.terminal.resolved_here import resolve_here
                from serialpos.tui.counter_receipt import refund_receipt

                try:
                    # Central resolves it; the till takes what it did at once.
                    done = resolve_here(db, chain, conflict_id, by, actor.user, entry=entry)
                except Offline:
                    raise ConflictsOffline(
                        "OFFLINE: central cannot be reached, and a conflict is resolved at "
                        "central; nothing changed: try again once the link is back"
                    ) from None
                printed = refund_receipt(self.console, db, done)
                return resolved_at_central(conflict_id, did, printed)
            from serialpos.services.apply import apply_object
            from serialpos.services.conflicts import resolve

            resolve(db, actor, conflict_id, by, None, apply_object, entry)
            return f"conflict {conflict_id}: {did}"

        self.change(work)
