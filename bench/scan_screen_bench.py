"""Scan to screen: a barcode sent until its unit card is on the console's screen.

Two ways in, both through the whole console (the real :class:`SerialposApp`, headless, 80x24,
logged in as a cashier, on the serial lookup screen), on a SQLite file (in
``SERIALPOS_BENCH_DIR`` when set) with ``--units`` serial units (1M by default, 100k with
``--quick``), built by ledger_bench's bulk SQL:

- **pty**: a serial-port scanner is played by the master end of a real pseudo-terminal; the
  console's own ``SerialPortSource`` reads the slave end (configured in a terminal config file
  as any scanner is). The clock starts at ``os.write`` of ``serial + CR``.
- **wedge**: the key events a terminal delivers for ``serial + CR`` (parsed by Textual's own
  driver parser, stamped with the real time) are posted to the app at once, as a keyboard-wedge
  burst arrives. The clock starts before the first key is posted.

The clock stops in the app's ``post_display_hook`` at the first frame after which the screen's
rendered content (the compositor's strips, what the terminal would be sent) shows
``✓ <serial>: 1 unit``. So the time includes the reader thread, decoding, the message queue,
the lookup's thread worker and its SQLite query, and the repaint; nothing of Pilot's own
pauses is in it (the bench awaits an event set by the hook). Every scan is a different unit
in stock, drawn at random from the whole table, so each result differs from the last. This
is the "scan to screen" figure of the serial-port scanner (pty_bench stops at the decoder).
Nothing here asserts a time.

    .venv/bin/python bench/scan_screen_bench.py [--quick] [--units N] [--scans N]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import main, temp_dir
from ledger_bench import ACTOR, build_sqlite

#: Targets from the issue, keyed by the metric names this module reports.
TARGETS: dict[str, str] = {
    "pty write to card on screen (p95)": "< 50 ms",
    "wedge burst to card on screen (p95)": "< 50 ms",
}
QUICK_KWARGS: dict[str, object] = {"units": 100_000, "scans": 30}

UNITS = 1_000_000
SCANS = 100
WARMUP = 3
SIZE = (80, 24)


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _prepare(
    directory: Path, port: str, units: int, serials: int
) -> tuple[str, str, list[str], float]:
    """A database of ``units`` units with a cashier, and a terminal config with a serial
    scanner on ``port``; (its URL, the config, ``serials`` in-stock serials, build seconds)."""
    from serialpos.services import users

    path = directory / "scan.sqlite"
    started = time.perf_counter()
    db, in_stock = build_sqlite(path, units, keep=serials)
    try:
        users.add_user(db, ACTOR, "cashier", "cashier", "3333")
    finally:
        db.dispose()
    built = time.perf_counter() - started
    if len(in_stock) < serials:
        raise ValueError(f"{units:,} units leave {len(in_stock)} in stock; {serials} needed")
    config = directory / "terminal.toml"
    config.write_text(
        f'[terminal]\nid = "bench"\n\n[[scanner.serial]]\nport = "{port}"\n', encoding="utf-8"
    )
    return f"sqlite:///{path}", str(config), [serial for _sku, serial, _at in in_stock], built


async def _measure(
    url: str, config: str, master: int, scans: int, serials: list[str]
) -> dict[str, list[float]]:
    from textual import events
    from textual._xterm_parser import XTermParser  # the driver's parser: no public twin

    from serialpos.cli.context import CliState
    from serialpos.tui.app import SerialposApp
    from serialpos.tui.screens.lookup import LookupScreen

    class BenchApp(SerialposApp):
        """The console, with a hook that stops the clock at the first frame showing ``want``."""

        want: str | None = None
        shown_at = 0.0
        shown: asyncio.Event

        def post_display_hook(self) -> None:
            if self.want is None or not self.screen_stack:
                return
            strips = self.screen._compositor.render_strips()
            text = "\n".join("".join(segment.text for segment in strip) for strip in strips)
            if self.want in text:
                self.shown_at = time.perf_counter()
                self.want = None
                self.shown.set()

    app = BenchApp(CliState(db_url=url, config_path=config))
    samples: dict[str, list[float]] = {"pty": [], "wedge": []}

    async def wait_until(ready: Callable[[], bool], what: str, pilot: Any) -> None:
        deadline = time.monotonic() + 10
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} after 10 s")
            await pilot.pause(0.02)

    async def one(serial: str, send: Callable[[], None]) -> float:
        app.shown = asyncio.Event()
        app.want = f"✓ {serial}: 1 unit"
        started = time.perf_counter()
        send()
        await asyncio.wait_for(app.shown.wait(), timeout=10)
        return (app.shown_at - started) * 1000

    def pty_send(serial: str) -> Callable[[], None]:
        return lambda: os.write(master, serial.encode() + b"\r")

    def wedge_send(serial: str) -> Callable[[], None]:
        def send() -> None:
            for event in XTermParser().feed(serial + "\r"):
                if isinstance(event, events.Key):
                    event.time = time.monotonic()
                    app.post_message(event)

        return send

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.screen.query("#user").first() is not None, "login", pilot)
        await pilot.pause(0.3)  # the login screen opens the database in a worker
        await pilot.press(*"cashier", "tab", *"3333", "enter")
        await wait_until(lambda: app.session is not None, "login", pilot)
        await wait_until(lambda: app.scanner_status.endswith("connected"), "scanner", pilot)
        await pilot.press("ctrl+l")
        await wait_until(lambda: isinstance(app.screen, LookupScreen), "lookup screen", pilot)
        await pilot.pause(0.1)
        left = iter(serials)
        for kind, make_send in (("pty", pty_send), ("wedge", wedge_send)):
            for number in range(scans + WARMUP):  # the first few warm up, not counted
                serial = next(left)
                elapsed = await one(serial, make_send(serial))
                if number >= WARMUP:
                    samples[kind].append(elapsed)
                await pilot.pause(0.02)  # between scans, as a person scans: not timed
    return samples


def measure(scans: int = SCANS, units: int = UNITS) -> tuple[dict[str, list[float]], float]:
    """Milliseconds from scan sent to card on screen, per way in; and the build seconds."""
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        with temp_dir("serialpos-scan-") as tmp:
            directory = Path(tmp)
            previous = {
                name: os.environ.get(name) for name in ("XDG_CONFIG_HOME", "SERIALPOS_CONFIG")
            }
            os.environ["XDG_CONFIG_HOME"] = str(directory / "config")
            os.environ.pop("SERIALPOS_CONFIG", None)
            try:
                url, config, serials, built = _prepare(
                    directory, os.ttyname(slave), units, 2 * (scans + WARMUP)
                )
                return asyncio.run(_measure(url, config, master, scans, serials)), built
            finally:
                for name, value in previous.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
    finally:
        os.close(master)
        os.close(slave)


def run(units: int = UNITS, scans: int = SCANS) -> list[tuple[str, str]]:
    samples, built = measure(scans, units)
    rows: list[tuple[str, str]] = [
        ("scan to card: units in the database", f"{units:,}"),
        ("scan to card: database build (s)", f"{built:.1f}"),
    ]
    for kind, label in (("pty", "pty write"), ("wedge", "wedge burst")):
        values = samples[kind]
        rows += [
            (f"{label} to card on screen, scans", str(len(values))),
            (f"{label} to card on screen (median)", _ms(statistics.median(values))),
            (f"{label} to card on screen (p95)", _ms(_p(values, 0.95))),
            (f"{label} to card on screen (max)", _ms(max(values))),
        ]
    return rows


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
