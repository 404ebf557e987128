"""The push of ``serialpos sync``: pending entries in local sequence order, each sent as stored
(its id is the entry id), through central's idempotent ``POST /v1/apply``. Each verdict
settles its entry in the local journal: ``accepted`` (applied, or replayed: it had landed
before), ``conflict`` (central recorded a conflict for a manager), ``refused`` (central
refused the line; its answer is kept); a conflict's or a refusal's units take central's
state in the same local transaction (terminal/central_state.py), even when central has them
at another store. A ``database_error`` at central or no answer leaves the entry pending for
the next push: the resend is safe, never a second sale. Ordering never comes from clocks.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain import journal_rewind
from serialpos.services import journal_seals
from serialpos.terminal import central_state, count_copies, quantities, tampered_units
from serialpos.terminal.client import CentralClient, CentralRefused
from serialpos.terminal.sync_report import SyncReport

#: Entries sent in one request.
PUSH_BATCH = 500
#: Verdicts that leave an entry pending (central could not use its database for it).
RETRY_CODES = frozenset({"database_error", "conflict"})
#: Verdicts that refuse the terminal's token, not its entry (a token of no terminal, or of
#: another: the till was given the wrong one). The push stops there with every entry kept
#: pending and the problem said, as for a revoked token; settling them as refused would
#: lose the sale at central and put its unit back in stock here.
TOKEN_CODES = frozenset({"terminal_not_linked", "other_terminal"})
#: A new entry numbered where central holds another entry of this till (its database
#: restored from an older copy: services/journal_rewinds.py). Central applied nothing of
#: it; settled as refused, its sale would be put back here while the customer has it. It
#: stays pending (the entries after it settle as answered), and the push ends refused with
#: central's words: what happened and what a person does.
REWOUND = journal_rewind.CODE


def _state_of(verdict: dict[str, Any]) -> str | None:
    if verdict.get("ok"):
        return "accepted"
    code = verdict.get("error")
    if code == "sync_conflict":
        return "conflict"
    if code in RETRY_CODES:
        return None
    return "refused"


def _follows(verdict: dict[str, Any]) -> bool:
    """Whether central recorded the entry as a conflict following an earlier conflict of
    this till (the exchange of a unit from a sale central did not record:
    services/conflict_recording.py ``follows_conflict``). Its units stay as the act left them here:
    the customer has them, and a manager resolves both at central; put back in stock, the
    till would sell them again."""
    if verdict.get("error") != "sync_conflict":
        return False
    conflict = verdict.get("conflict")
    # A fulfilment of lines central changed meanwhile (services/handed_over.py), or of an
    # order central fulfilled or voided meanwhile: the customer took the till's units too.
    changed = isinstance(conflict, dict) and (
        conflict.get("error") == "serial_changed"
        or (conflict.get("error") == "order_closed" and verdict.get("op") == "order_fulfil")
    )
    return verdict.get("follows") is not None or changed


_COUNTER = {"accepted": "accepted", "conflict": "conflicts", "refused": "refused"}


def _tampered(changed: journal_seals.Changed, units: list[dict[str, Any]]) -> dict[str, Any]:
    """The verdict the till gives itself for an entry changed after it was made: central
    never saw it, so the units its own events moved here go back as they were before it
    (``central_units``, taken by terminal/central_state.py: terminal/tampered_units.py),
    named with the document the till recorded, for a manager to make it again."""
    undone = f"; undone here: {tampered_units.words(units)}" if units else ""
    return {
        "ok": False,
        "error": "entry_tampered",
        "message": f"{changed.words()}; not sent to central{undone} (make it again if it stands)",
        "central_units": units,
    }


def _refusal_words(entry: journal.Entry, verdict: dict[str, Any]) -> str:
    """An entry central refused, in words for the person running the sync: central kept
    nothing of it (a refusal is no conflict: no manager is asked), so it must be said."""
    op = str(verdict.get("op") or json.loads(entry.line).get("op") or "entry")
    return (
        f"journal entry {entry.seq} ({op}): central refused it ({verdict.get('error')}): "
        f"{verdict.get('message')}; nothing of it is kept at central, what it did here is "
        "put back (serialpos terminal refused shows it)"
    )


def _rewound(rewound: list[tuple[journal.Entry, dict[str, Any]]]) -> CentralRefused:
    """The push's end when central answered ``journal_rewound``: the entries kept pending,
    central's words for the first (what happened, what to do)."""
    seqs = ", ".join(str(entry.seq) for entry, _v in rewound)
    many = len(rewound) > 1
    return CentralRefused(
        f"central did not take journal entr{'ies' if many else 'y'} {seqs} of this till, "
        f"kept here waiting (nothing lost): {rewound[0][1].get('message')}",
        code=REWOUND,
    )


def push(db: Database, client: CentralClient, report: SyncReport, *, store: str) -> None:
    """Send the pending entries of this terminal (of ``store``) and settle each with
    central's verdict; a conflict's or a refusal's units take central's state in the same
    local transaction (terminal/central_state.py)."""
    while True:
        entries = db.read(lambda conn: journal.pending(conn, PUSH_BATCH))
        if not entries:
            return

        # An entry changed after it was made is not sent: refused here, named, the rest go.
        def check(
            conn: Connection, waiting: list[journal.Entry] = entries
        ) -> dict[str, tuple[journal_seals.Changed, list[dict[str, Any]]]]:
            found = journal_seals.changed_among(conn, waiting)
            return {
                e.id: (found[e.id], tampered_units.units_before(conn, e, unsent=found.keys()))
                for e in waiting
                if e.id in found
            }

        changed = db.read(check)
        sent = [e for e in entries if e.id not in changed]
        answers = iter(client.post_lines([e.line for e in sent]) if sent else [])
        verdicts: list[dict[str, Any]] = []
        for entry in entries:
            found = changed.get(entry.id)
            if found is not None:
                verdict = _tampered(*found)
                report.tampered.append(str(verdict["message"]))
                verdicts.append(verdict)
            elif (answer := next(answers, None)) is not None:
                verdicts.append(answer)
            else:
                break  # central stopped answering: the rest wait
        settled: list[tuple[journal.Entry, str, dict[str, Any]]] = []
        wrong_token: CentralRefused | None = None
        rewound: list[tuple[journal.Entry, dict[str, Any]]] = []
        for entry, verdict in zip(entries, verdicts, strict=False):
            if verdict.get("error") == REWOUND:
                rewound.append((entry, verdict))  # kept pending, never settled here
                continue
            if verdict.get("error") in TOKEN_CODES:
                wrong_token = CentralRefused(
                    f"central refused this terminal's token: {verdict.get('message')}; "
                    "the journal is kept (give the till a token of its own in its config)",
                    code=str(verdict["error"]),
                )
                break
            state = _state_of(verdict)
            if state is None:
                report.retry += 1
                continue
            if verdict.get("replayed"):
                report.replayed += 1
            report.warnings += [
                f"journal entry {entry.seq}: central: {w}"
                for w in verdict.get("warnings", [])
                if state == "accepted" and isinstance(w, str)
            ]
            name = _COUNTER[state]
            setattr(report, name, getattr(report, name) + 1)
            settled.append((entry, state, verdict))

        def write(
            conn: Connection,
            settled: list[tuple[journal.Entry, str, dict[str, Any]]] = settled,
            rewound: list[tuple[journal.Entry, dict[str, Any]]] = rewound,
        ) -> tuple[int, int, list[str]]:
            for entry, verdict in rewound:  # waits, with central's word why (terminal pending)
                journal.keep_waiting(conn, entry.id, json.dumps(verdict, ensure_ascii=False))
            answered = [
                (entry, state, verdict)
                for entry, state, verdict in settled
                if journal.settle(conn, entry.id, state, json.dumps(verdict, ensure_ascii=False))
            ]
            # Central kept nothing of a conflict or a refusal: what the entry did to
            # quantities here goes back (terminal/quantities.py), once: settled here only.
            not_taken = [
                (entry, str(verdict.get("error") or "") or None)
                for entry, state, verdict in answered
                if state != "accepted" and not _follows(verdict)
            ]
            put = quantities.put_back(conn, not_taken)
            put += sum(
                quantities.follow_count(conn, entry, verdict)
                for entry, state, verdict in answered
                if state == "accepted" and verdict.get("op") == "count"
            )
            taken = central_state.take(
                conn, store=store, answered=[(e, v) for e, _s, v in answered if not _follows(v)]
            )
            for _e, _s, verdict in answered:  # a fulfil of lines central changed: as made
                if _follows(verdict) and verdict.get("follows") is None:
                    central_state.keep_units(conn, verdict.get("central_units") or [])
            count_copies.note(conn, answered)  # the till's count says what central did
            refusals = [
                _refusal_words(entry, verdict)
                for entry, state, verdict in answered
                if state == "refused" and verdict.get("error") != "entry_tampered"
            ]
            return taken, put, refusals

        taken, put, refusals = db.write(write)
        report.central_state += taken
        report.put_back += put
        report.refusals += refusals
        if wrong_token is not None:
            raise wrong_token
        if rewound:
            raise _rewound(rewound)
        if len(verdicts) < len(entries) or report.retry:
            return  # central stopped answering, or could not apply some: next push
