"""What thread workers share: turning any failure into one sentence for the message line,
posting a read's answer only while no newer read has replaced it, and running a screen's write
once at a time.

Screens run every service call in a thread worker (the database may be slow or remote) and
post the outcome back as a message; a refusal or an unreachable database becomes a message line,
never a traceback. Service modules are imported inside the workers, so that the login screen
is up before SQLAlchemy is loaded.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from serialpos.domain.errors import DomainError
from serialpos.domain.text import visible

if TYPE_CHECKING:
    from textual.dom import DOMNode
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


#: Said when a screen is asked again for what it is still doing (:func:`one_at_a_time`).
STILL_RUNNING = "still working: wait for its answer"

Node = TypeVar("Node", bound="DOMNode")
Args = ParamSpec("Args")
#: A screen's method run on a thread worker (``self`` first, nothing returned).
WorkMethod = Callable[Concatenate[Node, Args], None]

#: The groups each screen has a one-at-a-time worker running in (touched on the app's thread
#: only: set as a worker starts, cleared by a callback on the screen's own queue).
_RUNNING: weakref.WeakKeyDictionary[DOMNode, set[str]] = weakref.WeakKeyDictionary()


def running(node: DOMNode, group: str) -> bool:
    """Whether ``node``'s :func:`one_at_a_time` work of ``group`` has not answered yet (said
    nowhere: :func:`still_running` says it)."""
    return group in _RUNNING.get(node, ())


def still_running(node: DOMNode, group: str) -> bool:
    """Whether ``node``'s :func:`one_at_a_time` work of ``group`` has not answered yet; when
    so, it is said on ``node``'s message line (a ``StillWorking``). A screen that asks a
    question before the work (the refund's amount) checks this first, so the question is not
    asked for work that will not be done."""
    if not running(node, group):
        return False
    from serialpos.tui.messages import StillWorking

    node.post_message(StillWorking(STILL_RUNNING))
    return True


def _finished(node: DOMNode, group: str) -> None:
    """On the screen's queue, after the answer of its :func:`one_at_a_time` work."""
    _RUNNING.get(node, set()).discard(group)


def start_running(node: DOMNode, group: str) -> Callable[[], None]:
    """Count ``node``'s ``group`` as running (:func:`still_running` says so) for work done on
    a thread that is not a worker of its own (a screen's ordered job thread: the sale's
    payment); the callable returned, called on that thread once the answer is posted, ends
    it behind that answer, on the screen's queue. :func:`one_at_a_time` is this around a
    thread worker. Called on the app's thread."""
    _RUNNING.setdefault(node, set()).add(group)

    def finished() -> None:
        node.call_later(_finished, node, group)  # a closed screen takes nothing

    return finished


def one_at_a_time(group: str) -> Callable[[WorkMethod[Node, Args]], WorkMethod[Node, Args]]:
    """Run the decorated screen method on a thread worker, as ``@work(thread=True,
    exclusive=True, group=group)`` did, but never while the one started before on the same
    screen still runs: that second call does nothing and says :data:`STILL_RUNNING`.

    A second Enter or F-key while a write was on its way started a second worker: Textual
    "cancels" the older worker of an exclusive group, but a thread cannot be stopped, so both
    writes ran (two customer records of one person, two counts of the whole store, two
    transfers) and a read that opens a screen opened it twice, one copy over the other. The
    work counts as running until the screen has handled what it posted (the callback that
    clears it is queued behind its answer), so the key after the answer sees the screen as the
    answer left it.

    The worker has a Textual group of its own, so a read started meanwhile in ``group`` never
    cancels it (a worker cancelled before its thread started would never run, and never
    clear); the reads of ``group`` it outdates are cancelled as it starts, as ``exclusive``
    did (their answers post nothing: :func:`post_read`)."""

    def decorate(method: WorkMethod[Node, Args]) -> WorkMethod[Node, Args]:
        @functools.wraps(method)
        def start(node: Node, /, *args: Args.args, **kwargs: Args.kwargs) -> None:
            if still_running(node, group):
                return
            finished = start_running(node, group)

            def run() -> None:
                try:
                    method(node, *args, **kwargs)
                finally:  # queued behind what it posted
                    finished()

            node.app.workers.cancel_group(node, group)
            own = f"{group} (one at a time)"
            node.run_worker(run, name=method.__name__, group=own, thread=True)

        return start

    return decorate
