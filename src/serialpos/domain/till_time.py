"""The time a store terminal made a sale, as central dates it (issue 16).

A till that sells offline at 23:50 and syncs at 00:10 made the sale on the first day: its
own sales reports and Z report say so. Central used to date the order, invoice and payment
by the moment the entry arrived, so the store's daily figures differed between the till and
central. Each journal entry now carries the till's time of the act (``journal.at``, UTC, to
the second); central dates the sale's documents by it and keeps its own time for what is
its own (the ledger events, the event feed's order, the applied outcome). Ordering never
comes from this time: it only says which day a sale belongs to.

A till's clock can be wrong. Central believes it only within a bound:

* not after central's own clock: a till a few seconds ahead is dated at central's now (a
  document is never dated in central's future), and one more than :data:`AHEAD` ahead is
  a clock to fix, so it is said;
* not older than :data:`OLDEST` before central's now: a till reset to a year long past
  would otherwise change closed days' figures. No till stays offline that long.

Outside the bound the sale is dated at central's now and the verdict carries a warning
naming the till's clock. It is never refused: the money was taken and the customer has the
goods, so refusing the sale (or making it a conflict) would turn a clock fault into a lost
sale at central. An entry with no time (a till made before this) is dated as before.

Pure: no database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: How far ahead of central a till's clock may be before it is named as wrong.
AHEAD = timedelta(minutes=5)
#: How far back a till's time is believed (an offline till syncs well within this).
OLDEST = timedelta(days=31)


def text(made: datetime) -> str:
    """A till's time (naive UTC, as stored) as the journal entry carries it: ISO 8601 to
    the second, with its ``Z``."""
    return made.isoformat(timespec="seconds") + "Z"


def _parsed(given: object) -> datetime | None:
    if not isinstance(given, str) or len(given) > 40:
        return None
    try:
        found = datetime.fromisoformat(given)
    except ValueError:
        return None
    if found.tzinfo is None:
        return None  # the entry always says UTC: a time without it was not written by a till
    return found.astimezone(UTC).replace(tzinfo=None)


def business_time(given: object, central_now: datetime) -> tuple[datetime | None, str | None]:
    """The date central gives a till's sale whose entry carries ``given`` (``journal.at``),
    with central's clock at ``central_now`` (naive UTC): ``(time, warning)``. The time is
    None when the entry carries none (date it as before); the warning, when the till's
    clock is not believed, says so and the time is ``central_now``."""
    if given is None:
        return None, None
    made = _parsed(given)
    if made is None:
        return central_now, f"the till's time {given!r} is no UTC time; dated at central's time"
    if made > central_now + AHEAD:
        ahead = _words(made - central_now)
        return central_now, (
            f"the till's clock was {ahead} ahead of central's ({text(made)}); the sale is "
            "dated at central's time: set the till's clock"
        )
    if made < central_now - OLDEST:
        behind = _words(central_now - made)
        return central_now, (
            f"the till's time {text(made)} is {behind} before central's, longer than a till "
            "stays offline; the sale is dated at central's time: check the till's clock"
        )
    return min(made, central_now), None


def _words(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    if hours >= 1:
        return f"{hours:.0f} hours"
    return f"{span.total_seconds() / 60:.0f} minutes"
