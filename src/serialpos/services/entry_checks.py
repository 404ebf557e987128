"""A store terminal's journal entry checked before central applies it (issue 16): its id and
origin, the token's link to its terminal and store, its seal, and the cashier it acts as.

Checked once, in the transaction that applies it, so a refusal here (a bad id, another
terminal's or store's entry, a changed entry, a cashier with more rights than the token)
keeps nothing and a batch reads each cashier and link once (services/entries.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.domain import entry_seal
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.text import clip
from serialpos.services import sale_dates, terminal_links
from serialpos.services.acting_at_till import acting_for
from serialpos.services.apply import home_store
from serialpos.services.apply_ids import fingerprint, line_id
from serialpos.services.context import Actor


def _origin(data: Mapping[str, Any]) -> tuple[str, int, str | None]:
    journal = data.get("journal")
    if not isinstance(journal, dict):
        raise BadRequest("'journal' must be an object with 'terminal' and 'seq'")
    terminal, seq, user = journal.get("terminal"), journal.get("seq"), journal.get("user")
    if not isinstance(terminal, str) or not terminal.strip() or len(terminal) > 64:
        raise BadRequest("'journal.terminal' must be the terminal id (text, at most 64)")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise BadRequest("'journal.seq' must be a whole number from 1")
    if user is not None and (not isinstance(user, str) or not user.strip() or len(user) > 32):
        raise BadRequest("'journal.user' must be the user's name (text, at most 32)")
    return terminal, seq, user


def _check_link(
    conn: Connection, db: Database, actor: Actor, terminal: str, data: Mapping[str, Any]
) -> None:
    link = terminal_links.link_in(conn, db, actor.terminal)
    if link is None:
        raise terminal_links.NotLinked(
            f"the token {actor.terminal} belongs to no terminal: run 'serialpos "
            "terminal init' with it first"
        )
    linked_terminal, store = link
    if linked_terminal != terminal:
        raise terminal_links.OtherTerminal(
            f"this token belongs to terminal {linked_terminal}, not {clip(terminal)}"
        )
    home_store.check_in(conn, terminal, store, data)  # every store the entry acts in


def _entry_actor(conn: Connection, token: Actor, user: str | None, terminal: str) -> Actor:
    """Who an entry acts as: its cashier, never with more rights than the token's user (a
    terminal set up with a cashier's token cannot record a manager's adjustment)."""
    return acting_for(conn, token, user, terminal)


class EntryTampered(DomainError):
    code = "entry_tampered"


@dataclass(frozen=True)
class Entry:
    """A journal entry checked before any transaction: its id, fingerprint, origin, and the
    cashier it acts as."""

    key: str
    body_sha256: str
    terminal: str
    seq: int
    actor: Actor
    op: str
    data: Mapping[str, Any]
    #: The till's time of the act, as central dates the sale's documents (None: the entry
    #: carries none, dated by central's clock), and the warning when its clock was off
    #: (domain/till_time.py).
    made_at: datetime | None = None
    clock_warning: str | None = None


def prepare(
    conn: Connection,
    db: Database,
    token: Actor,
    data: Mapping[str, Any],
    actors: dict[tuple[str | None, str], Actor] | None = None,
) -> Entry:
    """The entry ``data`` as sent with the terminal's ``token``, read in ``conn``'s open
    transaction (the one that applies it), or a :class:`DomainError` (bad id, wrong store or
    terminal, a cashier with more rights than the token). ``actors`` keeps the cashiers
    already read, so a batch reads each once."""
    key = line_id(data.get("id"))
    body_sha256 = fingerprint(data)
    terminal, seq, user = _origin(data)
    _check_link(conn, db, token, terminal, data)
    sealed = entry_seal.read(data)
    if sealed.present and not sealed.intact:
        # Changed after the till made it (domain/entry_seal.py): never applied.
        raise EntryTampered(
            f"journal entry {seq} ({clip(key)}) of terminal {terminal} does not match its "
            "seal: it was changed after it was made; not applied"
        )
    if sealed.present:
        terminal_links.note_sealed(conn, db, token.terminal, seq)
    else:
        # A till made before seals sends none, and its lines go on as before; but once a
        # terminal has sent a sealed entry, every later one of it is sealed: an unsealed
        # line numbered from there on is someone else's with its token (reusing its next
        # number and order number, so the till's own next sale was refused number_taken).
        since = terminal_links.seals_from(conn, db, token.terminal)
        if since is not None and seq >= since:
            raise EntryTampered(
                f"journal entry {seq} ({clip(key)}) of terminal {terminal} carries no seal, "
                f"but the terminal seals its journal since entry {since}: it was not made "
                "by the till; not applied"
            )
    # The entry acts as the cashier who made it at the till (the terminal checked the
    # PIN), with that user's role at central, and is recorded under the terminal's id.
    cached = None if actors is None else actors.get((user, terminal))
    actor = cached or _entry_actor(conn, token, user, terminal)
    if actors is not None:
        actors[(user, terminal)] = actor
    op = data.get("op")
    made_at, warning = sale_dates.of_entry(data)
    return Entry(
        key,
        body_sha256,
        terminal,
        seq,
        actor,
        op[:32] if isinstance(op, str) else "?",
        data,
        made_at,
        warning,
    )
