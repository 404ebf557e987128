"""What the scanner commands share: their options, a scanner opened on its reader thread,
and a scan printed the way ``serialpos scan decode`` prints it.

The scanner's reader thread hands what it sees (scans, connection changes, raw keys) to the
command's main thread through a queue as :class:`ReaderEvent`, so a command can time out,
stop on Ctrl+C and print from one place. Scanner libraries load only when a source opens.
"""

from __future__ import annotations

import json
import queue
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from serialpos.cli.output import fail
from serialpos.cli.scan import check_gs
from serialpos.devices.keymaps import LAYOUTS
from serialpos.devices.settings import (
    EvdevScannerSettings,
    SerialScannerSettings,
    scanner_settings,
)
from serialpos.domain.text import visible

if TYPE_CHECKING:
    # Loaded inside the commands: ``serialpos`` imports the device commands at start-up to
    # register them, and the console should not pay for biip, pyserial or evdev then.
    from serialpos.devices.source import ScanSource, SourceState
    from serialpos.domain.decoder import DecodedScan


def check_layout(value: str | None) -> str | None:
    """A known keyboard layout, lower-cased (a usage error otherwise)."""
    if value is not None and value.lower() not in LAYOUTS:
        raise typer.BadParameter(f"unknown layout {value!r} (known: {', '.join(sorted(LAYOUTS))})")
    return value.lower() if value else value


GsOption = Annotated[
    str | None,
    typer.Option(
        "--gs",
        metavar="CHAR",
        help="Character the scanner sends instead of GS for FNC1, e.g. '~'.",
        callback=check_gs,
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="One JSON object per scan on stdout (same keys as 'serialpos scan decode --json').",
    ),
]


def print_scan(decoded: DecodedScan, as_json: bool) -> None:
    """One decoded scan on stdout: a line of words, or one JSON object."""
    if as_json:
        typer.echo(json.dumps(decoded.to_json()))
        return
    fields = decoded.to_json()
    parts = [
        f"{key} {visible(str(value))}"
        for key, value in fields.items()
        if key != "kind" and value is not None
    ]
    raw = decoded.raw if isinstance(decoded.raw, str) else decoded.raw.decode("utf-8", "replace")
    parts.append(f"raw {visible(raw)!s}")
    typer.echo(f"{fields['kind']}: " + ", ".join(parts))


def note(message: str) -> None:
    """A remark on stderr (stdout holds only scans), control characters shown."""
    typer.echo(visible(message), err=True)


@dataclass(frozen=True)
class ReaderEvent:
    """Something the reader thread reported, handed to the command's main thread."""

    kind: Literal["scan", "state", "error", "key"]
    text: str = ""
    state: SourceState | None = None
    key: tuple[int, int, int] | None = None


def open_source(
    device: SerialScannerSettings | EvdevScannerSettings,
    events: queue.Queue[ReaderEvent],
    *,
    record_keys: bool = False,
) -> ScanSource:
    """The scanner's source, reporting to ``events`` (raw key events too with ``record_keys``)."""

    def on_scan(raw: str, source_name: str) -> None:
        events.put(ReaderEvent("scan", raw))

    def on_state(state: SourceState) -> None:
        events.put(ReaderEvent("state", state=state))

    def on_error(message: str, source_name: str) -> None:
        events.put(ReaderEvent("error", message))

    if isinstance(device, SerialScannerSettings):
        from serialpos.devices.serial_port import SerialPortSource

        return SerialPortSource(device, on_scan, on_state, on_error)

    from serialpos.devices.evdev_source import EvdevSource

    def on_key(type_: int, code: int, value: int) -> None:
        events.put(ReaderEvent("key", key=(type_, code, value)))

    return EvdevSource(
        device, on_scan, on_state, on_error, on_key_event=on_key if record_keys else None
    )


def describe_state(state: SourceState) -> str:
    """A connection change in one line, without saying the status twice."""
    if not state.message:
        return f"{state.source}: {state.status}"
    if state.message.startswith(state.status):
        return f"{state.source}: {state.message}"
    return f"{state.source}: {state.status} ({state.message})"


def configured_scanner(
    ctx: typer.Context, config_file: str | None
) -> tuple[SerialScannerSettings | EvdevScannerSettings, str | None]:
    """The first scanner in the terminal config (serial ports first, then evdev) and its
    GS substitute."""
    from serialpos.config import ConfigError, load_config

    if config_file is None:
        root = ctx.find_root().obj
        config_file = getattr(root, "config_path", None)
    try:
        config = load_config(config_file)
        settings = scanner_settings(config)
    except ConfigError as exc:
        fail(str(exc))
    devices: list[SerialScannerSettings | EvdevScannerSettings] = [
        *settings.serial,
        *settings.evdev,
    ]
    if not devices:
        where = config.path or "the terminal config (no config file found)"
        fail(f"no scanner configured in {where}; give --port PATH or --evdev PATH")
    return devices[0], settings.gs_substitute


def time_left(deadline: float | None) -> float | None:
    """Seconds to wait for the next event (None: no deadline, wait for ever)."""
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())
