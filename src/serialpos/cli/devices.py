"""`serialpos devices`: find, try, record and replay scanners, for setting up a counter.

Installing a scanner goes wrong in the field in a few ways (wrong port or baud, no permission
on /dev/input, the scanner set to another keyboard layout, GS not sent). These commands
answer each without opening the console: ``list`` shows what the system offers, ``test``
prints what the till would make of each scan, ``record`` saves a scanner's raw key events so
that support can ``replay`` them elsewhere through exactly the decoder the live source uses.

Exit codes: 0 done, 1 a device problem or a refusal (one line on stderr), 2 a usage error.
"""

from __future__ import annotations

import json
import os
import queue
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from serialpos.cli.output import EXIT_REFUSED, fail
from serialpos.cli.scan import check_gs
from serialpos.devices.keymaps import EV_KEY, EV_SYN, LAYOUTS, SYN_DROPPED, KeyEventDecoder
from serialpos.devices.settings import (
    EvdevScannerSettings,
    SerialScannerSettings,
    scanner_settings,
)
from serialpos.domain.text import visible

if TYPE_CHECKING:
    # Loaded inside the commands: ``serialpos`` imports this module at start-up to register
    # the commands, and the console should not pay for biip, pyserial or evdev then.
    from serialpos.devices.source import ScanSource, SourceState
    from serialpos.domain.decoder import DecodedScan

app = typer.Typer(
    help="Find, test, record and replay barcode scanners (evdev HID and serial port).",
    no_args_is_help=True,
)


@app.callback()
def _devices() -> None:
    """Find, test, record and replay barcode scanners (evdev HID and serial port)."""


# -- option checks -------------------------------------------------------------------------


def _check_layout(value: str | None) -> str | None:
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


# -- printing ------------------------------------------------------------------------------


def _print_scan(decoded: DecodedScan, as_json: bool) -> None:
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


def _note(message: str) -> None:
    typer.echo(visible(message), err=True)


# -- list ----------------------------------------------------------------------------------


def _serial_ports() -> list[dict[str, Any]]:
    from serial.tools import list_ports

    links: dict[str, list[str]] = {}
    by_id = Path("/dev/serial/by-id")
    if by_id.is_dir():
        for link in sorted(by_id.iterdir()):
            links.setdefault(os.path.realpath(link), []).append(str(link))
    ports = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        ports.append(
            {
                "device": port.device,
                "description": port.description,
                "hwid": port.hwid,
                "vid": f"{port.vid:04x}" if port.vid is not None else None,
                "pid": f"{port.pid:04x}" if port.pid is not None else None,
                "serial_number": port.serial_number,
                "manufacturer": port.manufacturer,
                "product": port.product,
                "by_id": links.get(os.path.realpath(port.device), []),
            }
        )
    return ports


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the input devices with keyboard keys (HID scanners) and the serial ports."""
    from serialpos.devices.evdev_source import list_keyboards

    keyboards = list_keyboards()
    ports = _serial_ports()
    if as_json:
        typer.echo(json.dumps({"evdev": keyboards.to_json(), "serial": ports}))
        return
    typer.echo("HID scanners and keyboards (evdev):")
    for device in keyboards.devices:
        typer.echo(f"  {device.path}  {visible(device.name)}  (phys {visible(device.phys) or '-'})")
        for link in device.by_id:
            typer.echo(f"      {visible(link)}")
    if keyboards.problem:
        typer.echo(f"  {visible(keyboards.problem)}")
    typer.echo("Serial ports:")
    for port in ports:
        ids = f"  [{port['vid']}:{port['pid']}]" if port["vid"] else ""
        typer.echo(f"  {port['device']}  {visible(str(port['description']))}{ids}")
        for link in port["by_id"]:
            typer.echo(f"      {visible(link)}")
    if not ports:
        typer.echo("  no serial ports found")


# -- test ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    """Something the reader thread reported, handed to the command's main thread."""

    kind: Literal["scan", "state", "error", "key"]
    text: str = ""
    state: SourceState | None = None
    key: tuple[int, int, int] | None = None


def _make_source(
    device: SerialScannerSettings | EvdevScannerSettings,
    events: queue.Queue[_Event],
    *,
    record_keys: bool = False,
) -> ScanSource:
    def on_scan(raw: str, source_name: str) -> None:
        events.put(_Event("scan", raw))

    def on_state(state: SourceState) -> None:
        events.put(_Event("state", state=state))

    def on_error(message: str, source_name: str) -> None:
        events.put(_Event("error", message))

    if isinstance(device, SerialScannerSettings):
        from serialpos.devices.serial_port import SerialPortSource

        return SerialPortSource(device, on_scan, on_state, on_error)

    from serialpos.devices.evdev_source import EvdevSource

    def on_key(type_: int, code: int, value: int) -> None:
        events.put(_Event("key", key=(type_, code, value)))

    return EvdevSource(
        device, on_scan, on_state, on_error, on_key_event=on_key if record_keys else None
    )


def _describe_state(state: SourceState) -> str:
    if not state.message:
        return f"{state.source}: {state.status}"
    if state.message.startswith(state.status):
        return f"{state.source}: {state.message}"
    return f"{state.source}: {state.status} ({state.message})"


def _configured_device(
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


@app.command("test")
def test_command(
    ctx: typer.Context,
    port: Annotated[
        str | None, typer.Option("--port", metavar="PATH", help="Serial port, e.g. /dev/ttyUSB0.")
    ] = None,
    baud: Annotated[
        int | None, typer.Option("--baud", min=50, metavar="N", help="Baud rate (default 9600).")
    ] = None,
    evdev_path: Annotated[
        str | None,
        typer.Option("--evdev", metavar="PATH", help="Input device, e.g. /dev/input/by-id/..."),
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option(
            "--layout",
            metavar="NAME",
            callback=_check_layout,
            help="Keyboard layout of an --evdev scanner: us (default), uk, de.",
        ),
    ] = None,
    count: Annotated[
        int | None, typer.Option("--count", min=1, metavar="N", help="Exit 0 after N scans.")
    ] = None,
    as_json: JsonOption = False,
    config_file: Annotated[
        str | None,
        typer.Option("--config", metavar="FILE", help="Terminal config to take the scanner from."),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0.1,
            metavar="SECONDS",
            help="Give up (exit 1) if the scans have not all arrived by then.",
        ),
    ] = None,
    gs: GsOption = None,
) -> None:
    """Open a scanner and print each decoded scan; Ctrl+C stops.

    Without --port or --evdev, the first scanner of the terminal config is used (serial
    ports first). Connection changes and dropped frames are reported on stderr.
    """
    if port and evdev_path:
        raise typer.BadParameter("give either --port or --evdev, not both", param_hint="--port")
    if baud is not None and not port:
        raise typer.BadParameter("--baud goes with --port", param_hint="--baud")
    if layout is not None and not evdev_path:
        raise typer.BadParameter("--layout goes with --evdev", param_hint="--layout")
    device: SerialScannerSettings | EvdevScannerSettings
    configured_gs: str | None = None
    if port:
        device = SerialScannerSettings(port=port, baud=baud or 9600)
    elif evdev_path:
        device = EvdevScannerSettings(path=evdev_path, layout=layout or "us")
    else:
        device, configured_gs = _configured_device(ctx, config_file)
    gs_substitute = gs if gs is not None else configured_gs
    from serialpos.domain.decoder import decode

    events: queue.Queue[_Event] = queue.Queue()
    source = _make_source(device, events)
    received = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    source.start()
    try:
        while count is None or received < count:
            try:
                event = events.get(timeout=_time_left(deadline))
            except queue.Empty:
                got = "no scan" if count is None else f"received {received} of {count} scans"
                fail(f"timed out after {timeout:g} s: {got} from {source.name}")
            if event.kind == "scan":
                received += 1
                _print_scan(decode(event.text, gs_substitute=gs_substitute), as_json)
            elif event.kind == "error":
                _note(f"{source.name}: {event.text}")
            elif event.state is not None:
                if event.state.status == "error":
                    fail(f"{source.name}: {event.state.message}")
                _note(_describe_state(event.state))
                if event.state.status == "connected" and received == 0:
                    _note("scan a barcode (Ctrl+C to stop)")
    except KeyboardInterrupt:
        if count is not None:
            fail(f"stopped after {received} of {count} scans")
    finally:
        source.stop()


def _time_left(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())


# -- record and replay ---------------------------------------------------------------------


@app.command("record")
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
    events: queue.Queue[_Event] = queue.Queue()
    device = EvdevScannerSettings(path=evdev_path, grab=True)
    try:
        output = out.open("w", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    source = _make_source(device, events, record_keys=True)
    scans = written = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    source.start()
    try:
        with output:
            while count is None or scans < count:
                try:
                    event = events.get(timeout=_time_left(deadline))
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
                    _note(f"{source.name}: {event.text}")
                elif event.state is not None:
                    if event.state.status == "error":
                        fail(f"{source.name}: {event.state.message}")
                    _note(_describe_state(event.state))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    finally:
        source.stop()
    _note(f"wrote {written} key events ({scans} scans) to {out}")


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


@app.command("replay")
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
            callback=_check_layout,
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
                    _print_scan(decode(scan, gs_substitute=gs), as_json)
                dropped = decoder.take_dropped()
                if dropped is not None:
                    _note(f"{file} line {number}: {dropped}")
    except UnicodeDecodeError:
        fail(f"{file} is not a text file of JSON lines")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    if decoder.pending:
        _note(
            f"{file}: {len(decoder.pending)} characters after the last Enter or Tab "
            "were not a complete scan"
        )
    if scans == 0:
        fail(f"no complete scan (ended by Enter or Tab) in {file}", EXIT_REFUSED)
