"""``serialpos devices record`` and ``replay``: a scanner's raw key events saved, and decoded again.

A scanner set to another keyboard layout, or one that drops keys, is hard to diagnose at a
counter; support asks for a recording and replays it through exactly the decoder the live
evdev source uses (devices/keymaps.py), on any machine.
"""

from __future__ import annotations

import json
import queue
import time
from pathlib import Path
from typing import Annotated

import typer

from serialpos.cli.devices_common import (
    GsOption,
    JsonOption,
    ReaderEvent,
    check_layout,
    describe_state,
    note,
    open_source,
    print_scan,
    time_left,
)
from serialpos.cli.output import EXIT_REFUSED, fail
from serialpos.devices.keymaps import EV_KEY, EV_SYN, SYN_DROPPED, KeyEventDecoder
from serialpos.devices.settings import EvdevScannerSettings
from serialpos.domain.text import visible


def record_command(
    evdev_path: Annotated[
        str, typer.Option("--evdev", metavar="PATH", help="Input device of the scanner.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="FILE", help="Where to write the JSON lines.", dir_okay=False
        ),
    ],
    count: Annotated[
        int | None,
        typer.Option(
            "--count", min=1, metavar="N", help="Stop after N scans (ended by Enter or Tab)."
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0.1,
            metavar="SECONDS",
            help="Stop (exit 1) if N scans have not arrived by then.",
        ),
    ] = None,
) -> None:
    """Save a scanner's raw key events as JSON lines ({"type": 1, "code": 30, "value": 1}).

    The device is grabbed, so the scans do not also type into the terminal. Key events and
    the kernel's lost-events marker are saved; other event types carry nothing for a scan.
    Ctrl+C stops; what was recorded so far is kept.
    """
    events: queue.Queue[ReaderEvent] = queue.Queue()
    device = EvdevScannerSettings(path=evdev_path, grab=True)
    try:
        output = out.open("w", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    source = open_source(device, events, record_keys=True)
    scans = written = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    source.start()
    try:
        with output:
            while count is None or scans < count:
                try:
                    event = events.get(timeout=time_left(deadline))
                except queue.Empty:
                    fail(f"timed out after {timeout:g} s: recorded {scans} scans to {out}")
                if event.kind == "key" and event.key is not None:
                    type_, code, value = event.key
                    if type_ == EV_KEY or (type_ == EV_SYN and code == SYN_DROPPED):
                        output.write(json.dumps({"type": type_, "code": code, "value": value}))
                        output.write("\n")
                        output.flush()
                        written += 1
                elif event.kind == "scan":
                    scans += 1
                    typer.echo(f"recorded scan {scans}: {visible(event.text)}")
                elif event.kind == "error":
                    note(f"{source.name}: {event.text}")
                elif event.state is not None:
                    if event.state.status == "error":
                        fail(f"{source.name}: {event.state.message}")
                    note(describe_state(event.state))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    finally:
        source.stop()
    note(f"wrote {written} key events ({scans} scans) to {out}")


class _BadLine(Exception):
    pass


def _key_event(line: str) -> tuple[int, int, int]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not JSON ({exc.msg})") from exc
    if not isinstance(item, dict):
        raise _BadLine('expected an object like {"type": 1, "code": 30, "value": 1}')
    numbers = []
    for key in ("type", "code", "value"):
        value = item.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _BadLine(f"'{key}' must be a whole number, not {value!r}")
        numbers.append(value)
    return numbers[0], numbers[1], numbers[2]


def replay_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
            help="Key events recorded by 'devices record'.",
        ),
    ],
    layout: Annotated[
        str,
        typer.Option(
            "--layout",
            metavar="NAME",
            callback=check_layout,
            help="Keyboard layout the scanner was set to: us, uk, de.",
        ),
    ] = "us",
    as_json: JsonOption = False,
    gs: GsOption = None,
) -> None:
    """Decode recorded key events exactly as the live evdev source would; one scan per line.

    Scans are printed as they complete. A malformed line stops the replay with a message
    naming the line (exit 1); the scans before it have been printed already. Key presses
    after the last Enter or Tab are reported on stderr, not printed as a scan.
    """
    from serialpos.domain.decoder import decode

    decoder = KeyEventDecoder(layout)
    scans = 0
    try:
        with file.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    type_, code, value = _key_event(line)
                except _BadLine as exc:
                    fail(f"{file} line {number}: {exc}")
                scan = decoder.feed(type_, code, value)
                if scan is not None:
                    scans += 1
                    print_scan(decode(scan, gs_substitute=gs), as_json)
                dropped = decoder.take_dropped()
                if dropped is not None:
                    note(f"{file} line {number}: {dropped}")
    except UnicodeDecodeError:
        fail(f"{file} is not a text file of JSON lines")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    if decoder.pending:
        note(
            f"{file}: {len(decoder.pending)} characters after the last Enter or Tab "
            "were not a complete scan"
        )
    if scans == 0:
        fail(f"no complete scan (ended by Enter or Tab) in {file}", EXIT_REFUSED)
