"""The Counts screen's workers and the messages they answer by (split from
tui/screens/counts.py along its seam, no behaviour changed).

Every service call of a count runs in a thread worker: a count opened or resumed, a batch
started, a scan taken and a batch closed (in the order asked, on the screen's job thread:
:class:`~serialpos.tui.screens.base.OrderedJobs`, so a close never overtakes the scans read
before it), the reconciliation read, the count approved. What each found comes back as a
message of its own, handled by :class:`~serialpos.tui.screens.counts.CountsScreen` as
``on_counts_screen_loaded`` and so on (the messages keep the screen's namespace); a refusal is
said instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message

from serialpos.tui.backend import one_at_a_time
from serialpos.tui.messages import ActionFailed
from serialpos.tui.screens import count_jobs
from serialpos.tui.screens.kept_refusals import KeepsRefusals

#: The approval's group, shared with the reconciliation it outdates: one approval at a time
#: (tui/backend.one_at_a_time).
APPROVING = "counts-review"

if TYPE_CHECKING:
    from serialpos.services.counts import Approval, CountInfo, Reconciliation, Taken
    from serialpos.tui.screens.base import JobFailure, OrderedJobs


@dataclass
class Loaded(Message, namespace="counts_screen"):
    """The open counts at the store were read (or a count was opened / resumed)."""

    open_counts: list[CountInfo]
    chosen: CountInfo | None


@dataclass
class BatchStarted(Message, namespace="counts_screen"):
    """A batch was started."""

    info: CountInfo
    batch: int


@dataclass
class Scanned(Message, namespace="counts_screen"):
    """A scan was recorded (or a product chosen)."""

    taken: Taken


@dataclass
class ScanRefused(Message, namespace="counts_screen"):
    """A scan was refused; nothing was counted (kept until seen)."""

    message: str


@dataclass
class QuantityAsked(Message, namespace="counts_screen"):
    """A typed quantity too unlikely to count unasked (domain/quantity_entry.py): the
    screen asks ``question``; ``text`` is taken again on a person's yes."""

    question: str
    text: str


def scan_not_taken(failure: JobFailure) -> Message:
    """What a scan's refused job says: a question for an unlikely quantity, else the
    refusal."""
    from serialpos.domain.quantity_entry import UnlikelyQuantity

    error = failure.error
    if isinstance(error, UnlikelyQuantity):
        return QuantityAsked(error.question, error.text)
    return ScanRefused(failure.message)


@dataclass
class Reviewed(Message, namespace="counts_screen"):
    """The reconciliation was read."""

    result: Reconciliation


@dataclass
class Approved(Message, namespace="counts_screen"):
    """The count was approved and its adjustments posted."""

    done: Approval


@dataclass
class Changed(Message, namespace="counts_screen"):
    """The approval was refused: the count was scanned after the review the approver
    confirmed. ``result``: the count read again, shown in place of the old review."""

    refusal: str
    result: Reconciliation


class CountWorkers(KeepsRefusals):
    """The workers of the Counts screen: each posts what it found, or the refusal."""

    count: CountInfo | None
    batch_no: int | None
    jobs: OrderedJobs
    #: The product chosen by the latest scan (worker side).
    _worker_current: str | None

    # -- workers ------------------------------------------------------------------------
    def _post(self, job: Callable[[], Message], *, read: bool = False) -> None:
        """Worker side: run the job and post what it found; a refusal is said instead. A
        ``read`` that a newer run of its group replaced posts neither (tui/backend.post_read):
        its answer may be older. A write always says what it did."""
        from serialpos.tui.backend import describe, post_read

        try:
            found: Message = job()
        except Exception as exc:
            found = ActionFailed(describe(exc))
        if read:
            post_read(self, found)
        else:
            self.post_message(found)

    @work(thread=True, exclusive=True, group="counts-load")
    def _load(self, skus: list[str] | None, resume: str | None) -> None:
        store = self.session.store
        # A read: Enter (resume, a new count) starts a newer one as the first list is read.
        self._post(
            lambda: Loaded(*count_jobs.load(self.console.database(), store, resume)), read=True
        )

    @one_at_a_time("counts-load")
    def _open(self, skus: list[str] | None) -> None:
        actor, store = self.session.actor, self.session.store
        self._post(
            lambda: Loaded(*count_jobs.open_new(self.console.database(), actor, store, skus))
        )

    @one_at_a_time("counts-batch")
    def _start_batch(self, counter: str) -> None:
        count = self.count
        assert count is not None
        actor = self.session.actor
        self._post(
            lambda: BatchStarted(
                *count_jobs.start_batch(self.console.database(), actor, count.number, counter)
            )
        )

    def _close_batch(self, batch: int) -> None:
        """Close ``batch`` on the scans' job thread, behind every scan read before F5: on a
        worker of its own it overtook a burst still being taken, and each of its scans was
        refused "batch … is closed", none counted in it. Asked once: the screen forgets the
        batch as F5 is pressed, so F5 again closes nothing more."""
        count = self.count
        assert count is not None
        actor = self.session.actor

        def close() -> None:
            from serialpos.services import counts

            counts.close_batch(self.console.database(), actor, count.number, batch)

        self.jobs.submit(close, lambda failure: ActionFailed(failure.message))

    def _take(
        self,
        *,
        text: str | None = None,
        gtin: str | None = None,
        serial: str | None = None,
        run_on: tuple[str, str] | None = None,
        sure: bool = False,
        typed: bool = False,
    ) -> None:
        # Scans arrive faster than a commit: every one lands, one at a time and in the order
        # scanned, and each sees the product the scan before it chose.
        count, batch = self.count, self.batch_no

        def take() -> Message:
            from serialpos.services import counts

            if count is None or batch is None:
                raise counts.UnknownBatch("start a batch first (F5/^N), then scan")
            taken = counts.take(
                self.console.database(),
                self.session.actor,
                count.number,
                batch,
                text=text,
                gtin=gtin,
                serial=serial,
                current=self._worker_current,
                run_on=run_on,
                sure=sure,
                typed=typed,
            )
            self._worker_current = taken.current
            return Scanned(taken)

        self.jobs.submit(take)

    @work(thread=True, exclusive=True, group="counts-review")
    def _review(self, number: str) -> None:
        self._post(lambda: Reviewed(count_jobs.review(self.console.database(), number)), read=True)

    @one_at_a_time(APPROVING)
    def _approve(self, number: str, reviewed: int) -> None:
        actor = self.session.actor

        def approve() -> Message:
            from serialpos.domain.counts import CountChanged

            db = self.console.database()
            outbox: Path = self.console.terminal_config().resolved_outbox()
            try:
                return Approved(count_jobs.approve(db, actor, number, outbox, reviewed))
            except CountChanged as exc:
                return Changed(str(exc), count_jobs.review(db, number))

        self._post(approve)
