"""``serialpos terminal resend``: after central was restored from an older backup, send it
again what it lost of this terminal's work, and go on from central's feed as it is now.

A restored central lacks the entries it accepted after its backup was taken; the till has
them settled ``accepted`` and would never send them again, so those sales were missing at
central for good. The sync only says "central behind" (terminal/sync.py) and keeps every
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
* the feed cursors (``feed_after``, ``away_after``) are set to central's feed's end as it
  is now: the numbers past it that this till applied were events of central's lost
  history, and central numbers its new events from its end again. The marks of units set
  to central's state out of the feed's order (``unit_event:``, terminal/mirror.py) are
  dropped: one may name a lost event whose id central hands out again, and every event
  pulled from here on is newer than any central still holds.

The limit: events central made after its restore and before this command (its console, a
host, another till's resend) are numbered at or below that end and are not pulled here. Run
it at each till as soon as central is back, before central takes new work for the store; a
unit such an event moved takes central's state here only when an entry of this till about
it meets it at central (a conflict) or a later event moves it again.

Entries settled ``conflict`` or ``refused`` are not sent again: central kept nothing of a
refusal, and the till already took central's state after a conflict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.terminal.client import CentralClient
from serialpos.terminal.sync import SyncReport, sync_once


class NotBehind(DomainError):
    code = "central_not_behind"


@dataclass
class Resent:
    #: the feed number this till had applied up to, and central's feed's end now
    feed_after_was: int
    central_last: int
    #: accepted entries marked to send again
    resent: int
    #: the sync round that sent them (``replayed``: central still held them)
    sync: SyncReport

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def words(self) -> str:
        s = self.sync
        fresh = s.accepted - s.replayed
        return (
            f"central's feed ended at {self.central_last}, this terminal had applied up to "
            f"{self.feed_after_was}: {self.resent} accepted entries sent again; central "
            f"still held {s.replayed}, applied {fresh} again, {s.conflicts} conflict(s), "
            f"{s.refused} refused; {s.pending} still waiting"
        )


def resend(db: Database, chain: ChainConfig, client: CentralClient) -> Resent:
    """Mark this till's accepted entries pending again and re-base its feed cursors on
    central's end, then sync once. Refused (nothing changed) when central is not behind."""
    after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    page = client.get_json("/v1/events", after=after, limit=1)
    last = page.get("last")
    if last is None:
        raise NotBehind("central does not say where its feed ends (an older serialpos)")
    last = int(last)
    if last >= after:
        raise NotBehind(
            f"central is not behind this terminal (its feed ends at {last}, this terminal "
            f"applied up to {after}): nothing to send again"
        )

    def mark(conn: Connection) -> int:
        n = journal.send_again(conn)
        journal.set_state(conn, "feed_after", str(last))
        away = int(journal.get_state(conn, "away_after") or 0)
        if away > last:
            journal.set_state(conn, "away_after", str(last))
        journal.drop_unit_events(conn, journal.unit_events(conn))
        return n

    resent = db.write(mark)
    try:
        report = sync_once(db, chain, client)
    except DomainError as exc:  # offline, or refused, after the marking: said with it
        raise type(exc)(
            f"{resent} accepted entries marked to send again and the feed cursor set to "
            f"central's {last}, but the round stopped: {exc.message}; the next "
            "`serialpos sync` sends them",
            code=exc.code,
        ) from exc
    return Resent(after, last, resent, report)
