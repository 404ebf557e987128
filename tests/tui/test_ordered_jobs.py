"""The one ordered job runner of the console screens: jobs finish strictly in the order they
were submitted (however long each takes), a refusal becomes the screen's own message with its
sentence and code, and an unexpected failure is logged with its traceback and said as a
sentence while the jobs after it still run."""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass

import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from tui_helpers import async_test, jobs_done

from serialpos.domain.errors import DomainError
from serialpos.tui.messages import StillWorking
from serialpos.tui.screens import base
from serialpos.tui.screens.base import (
    STILL_WORKING_AFTER,
    STILL_WORKING_TEXT,
    Job,
    JobFailure,
    OrderedJobs,
)


class JobsScreen(Screen[None]):
    @dataclass
    class Done(Message):
        number: int

    @dataclass
    class Refused(Message):
        message: str
        code: str

    def __init__(self) -> None:
        super().__init__()
        self.finished: list[int] = []
        self.refused: list[tuple[str, str]] = []
        self.jobs = OrderedJobs(self, "test", self._refused)

    def compose(self) -> ComposeResult:
        yield Static("jobs")

    def _refused(self, failure: JobFailure) -> Message:
        return self.Refused(failure.message, failure.code)

    def on_jobs_screen_done(self, message: Done) -> None:
        self.finished.append(message.number)

    def on_jobs_screen_refused(self, message: Refused) -> None:
        self.refused.append((message.message, message.code))


class JobsApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(JobsScreen())


def job(number: int, pause: float, ran: list[int]) -> Job:
    def run() -> Message:
        time.sleep(pause)  # a slow commit must not let the next job overtake it
        ran.append(number)
        if number == 5:
            raise DomainError("serial X is already sold", code="already_sold")
        if number == 7:
            raise KeyError("boom")
        return JobsScreen.Done(number)

    return run


@async_test
async def test_jobs_run_in_submission_order_and_failures_are_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = JobsApp()
    rng = random.Random(3)
    ran: list[int] = []
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        with caplog.at_level(logging.ERROR):
            for number in range(40):
                screen.jobs.submit(job(number, rng.uniform(0, 0.004), ran))
            for _ in range(200):
                await pilot.pause(0.02)
                await jobs_done(pilot)
                if len(screen.finished) + len(screen.refused) == 40:
                    break
        assert ran == list(range(40))
        assert screen.finished == [n for n in range(40) if n not in (5, 7)]
        assert screen.refused[0] == ("serial X is already sold", "already_sold")
        assert screen.refused[1] == ("unexpected error (KeyError): 'boom'", "")
        assert len(screen.refused) == 2
    logged = [r for r in caplog.records if r.name == JobsScreen.__module__]
    assert len(logged) == 1 and logged[0].exc_info is not None  # with its traceback
    assert "KeyError" in caplog.text and "boom" in caplog.text


class WatchedScreen(JobsScreen):
    """Records the 'still working' notices it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.notices: list[tuple[str, int]] = []

    def on_still_working(self, message: StillWorking) -> None:
        self.notices.append((message.message, len(self.finished)))


class WatchedApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(WatchedScreen())


@async_test
async def test_a_job_past_a_second_says_it_is_still_working() -> None:
    """A busy database is waited for, not reported: after a second the till says it is still
    working, before the job's own answer; a quick job says nothing of the kind."""
    app = WatchedApp()
    ran: list[int] = []
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, WatchedScreen)
        screen.jobs.submit(job(1, 0.01, ran))
        screen.jobs.submit(job(2, STILL_WORKING_AFTER + 0.4, ran))
        for _ in range(200):
            await pilot.pause(0.02)
            if len(screen.finished) == 2:
                break
        assert screen.finished == [1, 2]
        assert screen.notices == [(STILL_WORKING_TEXT, 1)]  # during job 2, not job 1
        assert "waiting for the database" in STILL_WORKING_TEXT


@async_test
async def test_a_job_starts_at_once_not_on_the_screens_next_turn() -> None:
    """A scan's job starts while the screen is still busy with the scan (drawing its
    provisional row), not once the event loop comes round to start a worker for it."""
    app = JobsApp()
    ran: list[int] = []
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        for number in range(3):
            started = threading.Event()

            def run(number: int = number, started: threading.Event = started) -> Message:
                started.set()
                ran.append(number)
                return JobsScreen.Done(number)

            screen.jobs.submit(run)
            # Still inside this turn of the loop: the job must not wait for the next one.
            assert started.wait(5), f"job {number} had not started"
            await pilot.pause(0.05)  # as between two scans
        await jobs_done(pilot)
        await pilot.pause()
        assert ran == [0, 1, 2] and screen.finished == [0, 1, 2]


@async_test
async def test_a_long_job_is_said_once_and_an_idle_thread_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A job running well past a second is said to be still working once, not once a
    second; the job thread ends when no job comes, and the next job still runs."""
    monkeypatch.setattr(base, "IDLE_AFTER", 0.2)
    app = WatchedApp()
    ran: list[int] = []
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, WatchedScreen)
        screen.jobs.submit(job(1, 2 * STILL_WORKING_AFTER + 0.6, ran))
        for _ in range(300):
            await pilot.pause(0.02)
            if screen.finished == [1]:
                break
        assert screen.notices == [(STILL_WORKING_TEXT, 0)]
        for _ in range(100):
            await pilot.pause(0.02)
            if screen.jobs._thread is None:
                break
        assert screen.jobs._thread is None, "the idle job thread did not end"
        screen.jobs.submit(job(2, 0.01, ran))
        await jobs_done(pilot)
        await pilot.pause(0.05)
        assert screen.finished == [1, 2] and not screen.jobs.busy
