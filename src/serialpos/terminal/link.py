"""The link between a store terminal and central, as the till sees it: ONLINE or OFFLINE,
the entries waiting and the oldest one's age, and the sync worker that keeps trying.

One round (:meth:`LinkWatch.tick`) syncs once and says what the link is now. Going offline
and coming back are moments a manager may need to find later (sales made while the till
could not check serials with central), so each change is logged and audited on the
terminal (``user_audit``: ``went_offline`` / ``back_online``, with the reason and the
entries waiting), and kept in the journal's state (``link``, ``link_since``), so
``terminal status`` and a console started later say it too.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import DomainError
from serialpos.services import login_locks
from serialpos.terminal.client import CentralClient, CentralRefused, Offline
from serialpos.terminal.sync import CentralBehind, SyncReport, sync_once

log = logging.getLogger(__name__)

ONLINE, OFFLINE = "online", "offline"
#: ``sync_state`` key: when central last answered this till (a sync round, ``apply --push``,
#: an online sale at the console, or ``terminal init``'s snapshot), terminal clock, ISO.
HEARD_AT = "heard_at"
#: Seconds after which a till that has not heard from central counts as offline for the
#: store's offline rules (terminal/offline_rules.py), whatever the link last found: a till
#: that only runs ``apply`` and never syncs cannot know central is down, and its sales are
#: checked by nobody. The console's worker and ``sync --follow`` hear central every few
#: seconds; two minutes leaves room for a slow round.
HEARD_WITHIN = 120
#: Central answered but this till cannot sync with it (a revoked token, another till's
#: token, central behind the till). Recorded as OFFLINE (the offline rules hold, the audit
#: says ``went_offline``) with the refusal beside it (:data:`REFUSAL`), and said apart —
#: ``terminal status``'s ``link``, the console's line — so nobody waits for a link that is up.
REFUSED = "refused"
#: ``sync_state`` key: the refusal of the last round, ``{"code", "message"}`` as JSON, while
#: the link is recorded OFFLINE because of it; empty once a round is online or unreachable.
REFUSAL = "link_refusal"


@dataclass(frozen=True)
class LinkState:
    """What the status line shows: the link (None before the first round), the entries
    waiting for central, the oldest one's age in seconds, and central's last words."""

    link: str | None
    pending: int
    oldest_seconds: int | None
    since: datetime | None = None
    message: str = ""
    heard_at: str | None = None
    #: when ``link`` is REFUSED: central's refusal, ``{"code", "message"}``
    refusal: dict[str, str] | None = None

    @property
    def online(self) -> bool:
        return self.link == ONLINE


def read_state(db: Database, message: str = "") -> LinkState:
    """The link as last recorded, with the journal's waiting entries now."""

    def work(conn: Connection) -> LinkState:
        pending, oldest = journal.counts(conn)
        link = journal.get_state(conn, "link")
        since = journal.get_state(conn, "link_since")
        refusal = _refusal(journal.get_state(conn, REFUSAL)) if link == OFFLINE else None
        age = None if oldest is None else max(0, int((utcnow() - oldest).total_seconds()))
        return LinkState(
            REFUSED if refusal else link if link in (ONLINE, OFFLINE) else None,
            pending,
            age,
            datetime.fromisoformat(since) if since else None,
            # the refusal is the line's words while it lasts (terminal/link.py ``tick``)
            refusal_words(refusal["code"], refusal["message"]) if refusal else message,
            journal.get_state(conn, HEARD_AT),
            refusal,
        )

    return db.read(work)


def _refusal(stored: str | None) -> dict[str, str] | None:
    if not stored:
        return None
    try:
        found = json.loads(stored)
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    return {"code": str(found.get("code") or ""), "message": str(found.get("message") or "")}


def record_link(
    db: Database,
    link: str,
    *,
    terminal: str,
    user: str,
    reason: str,
    refused: DomainError | None = None,
) -> bool:
    """Record the link as ``link``; when that is a change, log and audit it. True when it
    changed. ``refused``: central answered but refused this till (``link`` OFFLINE, so the
    offline rules hold), kept so the till says REFUSED and why, not OFFLINE, until a round
    is online again or central cannot be reached."""
    now = utcnow()

    def work(conn: Connection) -> bool:
        if link == ONLINE:
            journal.set_state(conn, HEARD_AT, now.isoformat(timespec="seconds"))
        kept = {"code": refused.code, "message": refused.message} if refused else None
        journal.set_state(conn, REFUSAL, json.dumps(kept) if kept else "")
        before = journal.get_state(conn, "link")
        if before == link:
            return False
        journal.set_state(conn, "link", link)
        journal.set_state(conn, "link_since", now.isoformat(timespec="seconds"))
        if before is None and link == ONLINE:
            return True  # the first round online is no event worth auditing
        pending, _oldest = journal.counts(conn)
        action = "went_offline" if link == OFFLINE else "back_online"
        login_locks.audit(
            conn, now, user, terminal, user, action, f"{pending} waiting; {reason}"[:200]
        )
        return True

    changed = db.write(work)
    if changed:
        log.warning("terminal %s is %s: %s", terminal, link.upper(), reason)
    return changed


def refusal_words(code: str, message: str) -> str:
    """Central's refusal in a few words for the status line, which has 40 columns at the
    smallest: ``token revoked``, ``central behind (backup?)``; the whole
    message goes to the log and the audit."""
    short = {
        "central_behind": "central behind (backup?)",
        "token_revoked": "token revoked",
        "token_expired": "token expired",
        "user_disabled": "token's user disabled",
        "unauthorized": "token unknown at central",
        "other_terminal": "token of another till",
        "journal_rewound": "journal rewound (restored?)",
    }.get(code)
    if short:
        return short
    return message.removeprefix("central refused: ").removeprefix("central refused ")


class LinkWatch:
    """Sync rounds for one terminal, each saying the link. ``on_state`` gets every round's
    :class:`LinkState` (in the worker's thread: a console posts it to itself)."""

    def __init__(
        self,
        db: Database,
        chain: ChainConfig,
        *,
        user: str,
        timeout: float = 5.0,
        on_state: Callable[[LinkState], None] | None = None,
    ) -> None:
        self.db, self.chain, self.user = db, chain, user
        self.timeout = timeout
        self.on_state = on_state
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> LinkState:
        """One round: push and pull; the link is ONLINE when central answered, OFFLINE when
        it could not be reached. A refusal (a revoked token, central behind) is said, and
        the link counted offline: nothing more reaches central until a person acts."""
        report: SyncReport | None = None
        refused: DomainError | None = None
        try:
            with CentralClient.of_till(self.chain, timeout=self.timeout) as c:
                report = sync_once(self.db, self.chain, c)
            link, message = ONLINE, ""
        except Offline as exc:
            link, message = OFFLINE, exc.message
        except (CentralRefused, CentralBehind) as exc:
            link, message = OFFLINE, exc.message
            refused = exc
        reason = message or "central answered"
        for said in report.warnings if report is not None else []:
            log.warning("%s", said)  # what central said of entries it took (sync.py)
        if report is not None and report.conflicts:
            message = f"{report.conflicts} sale(s) recorded as conflicts at central"
        elif report is not None and report.warnings:
            # Said on the status line, as the CLI's sync says it on stderr: a customer paid
            # twice, a clock central did not believe (terminal/push.py ``warnings``).
            message = report.warnings[-1]
        record_link(
            self.db,
            link,
            terminal=self.chain.terminal,
            user=self.user,
            reason=reason,
            refused=refused,
        )
        state = read_state(self.db, message)  # REFUSED and why, when it was refused
        if self.on_state is not None:
            self.on_state(state)
        return state

    def start(self, interval: float = 5.0) -> None:
        """Rounds every ``interval`` seconds in a daemon thread until :meth:`stop`."""

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:  # a round must never end the worker
                    log.exception("sync round failed")
                self._stop.wait(interval)

        self._thread = threading.Thread(target=loop, name="serialpos-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 5)
