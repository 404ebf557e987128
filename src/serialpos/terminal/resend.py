"""``serialpos terminal resend``: after central was restored from an older backup, send it
again what it lost of this terminal's work, and go on from central's feed as it is now.

A restored central lacks the entries it accepted after its backup was taken; the till has
them settled ``accepted`` and would never send them again, so those sales were missing at
central for good. The sync only says "central behind" (terminal/central_behind.py) and keeps every
waiting entry: it cannot tell a restore from a till pointed at the wrong server, and sending a
whole journal to the wrong central would be worse than waiting. A person who knows central
is back for good runs this command; it is not done at the next sync by itself.

What it does, in one local transaction, then one sync round:

* every accepted entry is marked pending again, in journal order with the entries still
  waiting. Central applies an entry at most once by its id (its outcomes are kept for
  good): one it still holds is answered ``replayed`` and applies nothing; one it lost is
  applied again, or recorded as a conflict (the unit moved at central since the backup),
  and the till takes central's state of it as for any conflict. Nothing lands twice.
  (Central holds a prefix of the journal, give or take the entries a retry held back, but
  which one is known only by asking: sending every accepted entry is what asks, each
  one a read at central when it holds it.)
* the feed cursors (``feed_after``, ``away_after``) go back to the newest event of the
  store this till applied that central still has, found among the events it remembers
  (terminal/feed_memory.py): central's history and the till's agree up to there, and every
  event central has past it (made after its restore: its console, a host, another till)
  is pulled by the sync round that follows, none it held before applied twice. The
  remembered events past it (central's lost history) are forgotten, their echoes kept
  (``feed_lost``): another till's entry among them, sent again by that till, comes back as
  a new event whose quantities the pull does not count twice (terminal/mirror.py). When
  central has none of the events it pulled, the point its snapshot was taken at is where
  the histories part, if central still has it unchanged (terminal/feed_memory.py
  ``snapshot_point``). A till with neither (set up before that point was remembered, or a
  restore older than its snapshot) goes on from central's feed's end as it is now, and says
  that the events central made since its restore are not pulled and that it must be set up
  again with ``terminal init``. The marks of units set to central's state out of the feed's
  order (``unit_event:``, terminal/mirror.py) are dropped: one may name a lost event whose
  id central hands out again.
* the units an event of another till or of central set here that central lost take
  central's state now (terminal/lost_units.py: asked before the transaction), but those a
  waiting entry names (this till's own entries sent again among them), a conflict of this
  till's names or an open sale holds; the quantities of such events are taken back
  (terminal/lost_moves.py).

Entries settled ``refused`` are not sent again: central kept nothing of a refusal. Entries
settled ``conflict`` are not applied again (the till already took central's state), but
central **records their conflicts again** when it lost them, first, before anything is
marked (terminal/central_conflicts.py ``record_again``): each entry central did not take has
its one conflict record there again, and the till takes the number central gives it now.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import feed_lost, journal, mirror_sql
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.terminal import feed_memory, lost_moves, lost_units
from serialpos.terminal.central_behind import first_page
from serialpos.terminal.central_conflicts import record_again
from serialpos.terminal.client import CentralClient
from serialpos.terminal.sync import SyncReport, sync_once


class NotBehind(DomainError):
    code = "central_not_behind"


@dataclass
class Answered:
    """What central answered, after the round, for one group of the entries the command
    sent: the accepted entries marked to send again, or those already waiting. An entry
    central did not answer (the round stopped, or central could not apply it) is
    ``waiting``, never counted as sent."""

    #: entries in the group
    entries: int = 0
    #: accepted: central still held it (``replayed``), or applied it now
    replayed: int = 0
    applied: int = 0
    conflicts: int = 0
    refused: int = 0
    #: still pending here: central has not answered for it yet
    waiting: int = 0

    @property
    def answered(self) -> int:
        return self.entries - self.waiting


#: Ids asked for in one statement (SQLite's limit on parameters is far above it).
_IDS_AT_ONCE = 500


def _answered(conn: Connection, ids: list[str]) -> Answered:
    """How central answered the entries ``ids``, as the journal holds them now."""
    c = journal.journal_t.c
    found = Answered(entries=len(ids))
    for at in range(0, len(ids), _IDS_AT_ONCE):
        chunk = ids[at : at + _IDS_AT_ONCE]
        for state, answer in conn.execute(sa.select(c.state, c.answer).where(c.id.in_(chunk))):
            if state == "pending":
                found.waiting += 1
            elif state == "conflict":
                found.conflicts += 1
            elif state == "refused":
                found.refused += 1
            elif _replayed(answer):
                found.replayed += 1
            else:
                found.applied += 1
    return found


def _replayed(answer: str | None) -> bool:
    try:
        said = json.loads(answer or "{}")
    except ValueError:
        return False
    return isinstance(said, dict) and bool(said.get("replayed"))


def _ids(conn: Connection, state: str) -> list[str]:
    c = journal.journal_t.c
    return [str(i) for i in conn.execute(sa.select(c.id).where(c.state == state)).scalars()]


@dataclass
class Resent:
    #: the feed number this till had applied up to, and central's feed's end now
    feed_after_was: int
    central_last: int
    #: accepted entries marked to send again
    resent: int
    #: the sync round that sent them (``replayed``: central still held them), with the
    #: entries that were waiting already
    sync: SyncReport
    #: where the feed was read again from: the newest event this till applied that central
    #: still has (None: it remembers none, and went on from ``central_last``)
    pulled_after: int | None = None
    #: conflicts of this till's entries central had lost, recorded there again (None: a
    #: central too old to)
    recorded_again: int | None = 0
    #: what central answered for the accepted entries marked to send again
    again: Answered = field(default_factory=Answered)
    #: what central answered for the entries that were waiting when the command ran (sent
    #: by the same round; never accepted before, so never counted as sent again)
    were_waiting: Answered = field(default_factory=Answered)
    #: quantity events of other tills or of central this till had counted and central lost,
    #: taken back here (terminal/lost_moves.py)
    taken_back: int = 0
    #: units whose state here an event of another till or of central that central lost had
    #: set, set to central's state now (terminal/lost_units.py); None: a central too old to
    #: say (no ``GET /v1/units``)
    units_set: int | None = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def words(self) -> str:
        s, a, w = self.sync, self.again, self.were_waiting
        if self.pulled_after is not None:
            pulled = (
                f"feed read again after event {self.pulled_after}, the newest this terminal "
                f"applied that central still has: {s.pulled} event(s) pulled"
            )
        else:
            pulled = (
                "central has none of the events this terminal applied, nor the one its "
                "snapshot was taken at (restored from a backup older than this terminal's "
                "`terminal init`, or set up before its snapshot was remembered): its feed goes "
                f"on from {self.central_last}, what central made after its restore and before "
                "now is not pulled here, and its stock cannot be vouched for: set it up again "
                "with `serialpos terminal init` (a new --db) once these entries are sent"
            )
        lost = (
            "central cannot record lost conflicts again (an older serialpos)"
            if self.recorded_again is None
            else f"{self.recorded_again} conflict(s) central had lost recorded again"
        )
        waiting = (
            f"; of the {w.entries} entries that were waiting, central accepted "
            f"{w.replayed + w.applied}, {w.conflicts} conflict(s), {w.refused} refused, "
            f"{w.waiting} still waiting"
            if w.entries
            else ""
        )
        taken = (
            f"; {self.taken_back} quantity move(s) central lost taken back here"
            if self.taken_back
            else ""
        )
        if self.units_set is None:
            taken += (
                "; central cannot say its units' state (an older serialpos): the units "
                "events it lost had set keep that state here until their next event"
            )
        elif self.units_set:
            taken += (
                f"; {self.units_set} unit(s) an event central lost had set took central's state"
            )
        return (
            f"central's feed ended at {self.central_last}, this terminal had applied up to "
            f"{self.feed_after_was}: {a.answered} of {self.resent} accepted entries sent "
            f"again; central still held {a.replayed}, applied {a.applied} again, "
            f"{a.conflicts} conflict(s), {a.refused} refused; {a.waiting} still waiting"
            f"{waiting}{taken}; {lost}; {pulled}"
        )


def resend(db: Database, chain: ChainConfig, client: CentralClient) -> Resent:
    """Mark this till's accepted entries pending again and take its feed cursors back to
    where central's history and its own agree, then sync once. Refused (nothing changed)
    when central is neither behind nor parted from this till's history."""
    after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    ask, newest = feed_memory.first_ask(db, after)
    page = first_page(db, client, after=ask, limit=2)
    last = page.get("last")
    if last is None:
        raise NotBehind("central does not say where its feed ends (an older serialpos)")
    last = int(last)
    # An online sale central lost leaves its feed as the till read it: the entry tells.
    held = page.get("entry_held") is not False
    if (
        held
        and last >= after
        and feed_memory.agrees(page["events"], newest, after=after, store=chain.store)
    ):
        raise NotBehind(
            f"central is not behind this terminal (its feed ends at {last}, this terminal "
            f"applied up to {after}, and still has the last event it applied and the newest "
            "entry it took of this terminal): nothing to send again"
        )
    parted = feed_memory.parting(db, client, last)
    start = last if parted is None else parted
    # First, before anything is marked: cut off here, the command can be run again as is.
    recorded = record_again(db, client)
    parting = 0 if parted is None else parted
    # The units lost events of another's set here, and central's state of them now: read
    # before the local transaction, taken in it (after the accepted entries are marked to
    # send again: a unit one of them names is left to its verdict).
    units = lost_units.central_now(client, chain.store, lost_units.named_after(db, parting))

    def mark(conn: Connection) -> tuple[int, list[str], list[str], int, int]:
        again, waiting = _ids(conn, "accepted"), _ids(conn, "pending")
        n = journal.send_again(conn)
        journal.set_state(conn, "feed_after", str(start))
        away = int(journal.get_state(conn, "away_after") or 0)
        if away > start:
            journal.set_state(conn, "away_after", str(start))
        feed_lost.keep_lost_after(conn, parting)
        # the quantities of lost events nothing makes again by their echo
        taken = lost_moves.take_back_after(
            conn, parting, store=chain.store, terminal=chain.terminal
        )
        mirror_sql.forget_seen_after(conn, parting)
        mirror_sql.drop_unit_events(conn, mirror_sql.unit_events(conn))
        # after the marks are dropped: each unit set keeps central's event it took, one
        # central still has, so the pull that follows never puts an older state over it
        units_set = 0
        if units:
            units_set = lost_units.take(
                conn, units, store=chain.store, terminal=chain.terminal, parting=parting
            )
        return n, again, waiting, taken, units_set

    resent, again, waiting, taken_back, units_set = db.write(mark)
    try:
        report = sync_once(db, chain, client)
    except DomainError as exc:  # offline, or refused, after the marking: said with it
        raise type(exc)(
            f"{resent} accepted entries marked to send again and the feed cursor set to "
            f"{start}, but the round stopped: {exc.message}; the next "
            "`serialpos sync` sends them",
            code=exc.code,
        ) from exc
    return Resent(
        after,
        last,
        resent,
        report,
        parted,
        recorded,
        db.read(lambda conn: _answered(conn, again)),
        db.read(lambda conn: _answered(conn, waiting)),
        taken_back,
        None if units is None else units_set,
    )
