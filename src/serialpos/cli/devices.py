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
from pathlib import Path
from typing import Annotated, Any

import typer

from serialpos.cli.devices_common import (
    GsOption,
    JsonOption,
    ReaderEvent,
    check_layout,
    configured_scanner,
    describe_state,
    note,
    open_source,
    print_scan,
    time_left,
)
from serialpos.cli.devices_recording import record_command, replay_command
from serialpos.cli.output import fail
from serialpos.devices.settings import (
    EvdevScannerSettings,
    SerialScannerSettings,
)
from serialpos.domain.text import visible

app = typer.Typer(
    help="Find, test, record and replay barcode scanners (evdev HID and serial port).",
    no_args_is_help=True,
)


@app.callback()
def _devices() -> None:
    """Find, test, record and replay barcode scanners (evdev HID and serial port)."""


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
            callback=check_layout,
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
        device, configured_gs = configured_scanner(ctx, config_file)
    gs_substitute = gs if gs is not None else configured_gs
    from serialpos.domain.decoder import decode

    events: queue.Queue[ReaderEvent] = queue.Queue()
    source = open_source(device, events)
    received = 0
    deadline = None if timeout is None else time.monotonic() + timeout
    source.start()
    try:
        while count is None or received < count:
            try:
                event = events.get(timeout=time_left(deadline))
            except queue.Empty:
                got = "no scan" if count is None else f"received {received} of {count} scans"
                fail(f"timed out after {timeout:g} s: {got} from {source.name}")
            if event.kind == "scan":
                received += 1
                print_scan(decode(event.text, gs_substitute=gs_substitute), as_json)
            elif event.kind == "error":
                note(f"{source.name}: {event.text}")
            elif event.state is not None:
                if event.state.status == "error":
                    fail(f"{source.name}: {event.state.message}")
                note(describe_state(event.state))
                if event.state.status == "connected" and received == 0:
                    note("scan a barcode (Ctrl+C to stop)")
    except KeyboardInterrupt:
        if count is not None:
            fail(f"stopped after {received} of {count} scans")
    finally:
        source.stop()


app.command("record")(record_command)
app.command("replay")(replay_command)
