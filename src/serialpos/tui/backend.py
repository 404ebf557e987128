"""What thread workers share: turning any failure into one sentence for the message line, and
posting a read's answer only while no newer read has replaced it.

Screens run every service call in a thread worker (the database may be slow or remote) and
post the outcome back as a message; a refusal or an unreachable database becomes a message line,
never a traceback. Service modules are imported inside the workers, so that the login screen
is up before SQLAlchemy is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from serialpos.domain.errors import DomainError
from serialpos.domain.text import visible

if TYPE_CHECKING:
    from textual.message import Message
    from textual.message_pump import MessagePump

#: The longest file name a console sentence names: the disk-full sentence's last row at
#: 40x16 holds it and its closing parenthesis.
NAME_LIMIT = 30


def short_name(name: str, limit: int = NAME_LIMIT) -> str:
    """``name`` as a message line names it: whole when short, else its start and its end
    (the suffix says which file: ``.sqlite``, ``-wal``) around an ellipsis. A long file name
    cut the reason's last row at 40x16."""
    shown = visible(name)
    if len(shown) <= limit:
        return shown
    tail = min(12, limit // 3)
    return shown[: limit - tail - 1] + "…" + shown[-tail:]


def describe(exc: BaseException) -> str:
    """The sentence to show for a failed service call."""
    if isinstance(exc, DomainError):
        return exc.message
    # These modules are only loaded once a worker has touched the database or the config.
    from serialpos.config import ConfigError
    from serialpos.services.database import DatabaseError, DiskFull, disk_full_message

    if isinstance(exc, DiskFull) and exc.file is not None:
        # The file by its name, shortened: the whole sentence fits a handheld's four message
        # rows (the command line names the whole path).
        return disk_full_message(short_name(exc.file.name))
    if isinstance(exc, DatabaseError | ConfigError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return f"{exc.strerror or exc}{where}"
    # Unexpected: the traceback goes to the log, and the line on screen says where.
    import logging

    from serialpos.logs import where_logged

    logging.getLogger(__name__).error("unexpected error in a console worker", exc_info=exc)
    first = visible(str(exc).strip().splitlines()[0]) if str(exc).strip() else ""
    return f"unexpected error ({type(exc).__name__}){': ' + first if first else ''}" + (
        where_logged()
    )


def post_read(node: MessagePump, message: Message) -> bool:
    """Post what a thread worker's *read* found (or why it failed) to ``node``, unless a newer
    run of its exclusive group has started since (or its screen closed): True when posted.

    Textual cancels the older worker of an exclusive group when a newer one starts, but cannot
    stop its thread: the read runs on, and posted after the newer one's answer it paints an
    older one over it (the Transfers list showed a transfer open that its cancel had just
    closed). The newer run says what it found, so the older one says nothing, not even why it
    failed (an unexpected failure is still logged by :func:`describe`, called first). Never for
    a write: what a write did is always said, however many newer runs started meanwhile.
    Called on the worker's thread only."""
    from textual.worker import get_current_worker

    if get_current_worker().is_cancelled:
        return False
    return node.post_message(message)
