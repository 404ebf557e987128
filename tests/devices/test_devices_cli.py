"""`serialpos devices` end to end through Typer's CliRunner: replay of recorded key events,
`test` against a real pty, `list`, and the `[scanner]` config the commands read."""

from __future__ import annotations

import json
import os
import threading
import tty
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from serialpos.cli.devices import app
from serialpos.config import ConfigError, load_config
from serialpos.devices.keymaps import KEY_CODES
from serialpos.devices.settings import (
    EvdevScannerSettings,
    ScannerSettings,
    SerialScannerSettings,
    parse_scanner_settings,
    scanner_settings,
)

runner = CliRunner()
GS1_SCAN = {
    "kind": "product_serial",
    "symbology": "gs1-datamatrix",
    "gtin": "09506000134352",
    "serial": "SN123",
    "batch": "LOT1",
    "expiry": None,
    "error": None,
}

#: Linux key codes by name (the same numbers as evdev.ecodes; evdev is an extra).
e = SimpleNamespace(**KEY_CODES)


def tap(code: int, *held: int) -> list[dict[str, int]]:
    events = [{"type": 1, "code": modifier, "value": 1} for modifier in held]
    events += [{"type": 1, "code": code, "value": 1}, {"type": 1, "code": code, "value": 0}]
    events += [{"type": 1, "code": modifier, "value": 0} for modifier in reversed(held)]
    return events


def typed(*codes: int) -> list[dict[str, int]]:
    return [event for code in codes for event in tap(code)]


DIGIT = {str(n): getattr(e, f"KEY_{n}") for n in range(10)}


def digits(text: str) -> list[dict[str, int]]:
    return typed(*(DIGIT[c] for c in text))


def gs1_scan_events() -> list[dict[str, int]]:
    """]d2 01 09506000134352 21 SN123 <GS> 10 LOT1 <Enter>, as a US-layout scanner types it."""
    shift = e.KEY_LEFTSHIFT
    return [
        *tap(e.KEY_RIGHTBRACE),
        *typed(e.KEY_D),
        *digits("2"),
        *digits("0109506000134352" + "21"),
        *tap(e.KEY_S, shift),
        *tap(e.KEY_N, shift),
        *digits("123"),
        *tap(e.KEY_RIGHTBRACE, e.KEY_LEFTCTRL),
        *digits("10"),
        *tap(e.KEY_L, shift),
        *tap(e.KEY_O, shift),
        *tap(e.KEY_T, shift),
        *digits("1"),
        *tap(e.KEY_ENTER),
    ]


def write_recording(path: Path, events: list[dict[str, int]], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in events) + extra)
    return path


# -- replay --------------------------------------------------------------------------------


def test_replay_decodes_a_recording_as_the_live_source_would(tmp_path: Path) -> None:
    recording = write_recording(
        tmp_path / "scans.jsonl", gs1_scan_events() + digits("9506000134352") + tap(e.KEY_ENTER)
    )
    result = runner.invoke(app, ["replay", str(recording), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == GS1_SCAN
    assert lines[1]["kind"] == "product" and lines[1]["gtin"] == "09506000134352"
    assert len(lines) == 2


def test_replay_readable_output_and_layout(tmp_path: Path) -> None:
    # On a German scanner the key labelled Y on a US keyboard types z.
    recording = write_recording(tmp_path / "de.jsonl", typed(e.KEY_Y, e.KEY_1) + tap(e.KEY_ENTER))
    result = runner.invoke(app, ["replay", str(recording), "--layout", "de"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("serial: serial z1")


def test_replay_with_a_gs_substitute(tmp_path: Path) -> None:
    # The scanner sends "~" (Shift+`) where the GS belongs, and no AIM prefix.
    events = [
        *digits("0109506000134352" + "21"),
        *tap(e.KEY_S, e.KEY_LEFTSHIFT),
        *tap(e.KEY_N, e.KEY_LEFTSHIFT),
        *digits("123"),
        *tap(e.KEY_GRAVE, e.KEY_LEFTSHIFT),
        *digits("10"),
        *tap(e.KEY_L, e.KEY_LEFTSHIFT),
        *tap(e.KEY_O, e.KEY_LEFTSHIFT),
        *tap(e.KEY_T, e.KEY_LEFTSHIFT),
        *digits("1"),
        *tap(e.KEY_ENTER),
    ]
    recording = write_recording(tmp_path / "tilde.jsonl", events)
    result = runner.invoke(app, ["replay", str(recording), "--json", "--gs", "~"])
    assert result.exit_code == 0, result.output
    decoded = json.loads(result.stdout)
    assert decoded["serial"] == "SN123" and decoded["batch"] == "LOT1"


def test_replay_stops_at_a_malformed_line_after_printing_the_scans_before_it(
    tmp_path: Path,
) -> None:
    events = gs1_scan_events()
    recording = write_recording(tmp_path / "bad.jsonl", events, extra='{"type": 1, "code": "x"}\n')
    result = runner.invoke(app, ["replay", str(recording), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == GS1_SCAN
    assert f"line {len(events) + 1}" in result.stderr
    assert "'code' must be a whole number" in result.stderr
    assert "Traceback" not in result.output


def test_replay_of_a_file_without_a_complete_scan(tmp_path: Path) -> None:
    recording = write_recording(tmp_path / "half.jsonl", digits("123"))
    result = runner.invoke(app, ["replay", str(recording)])
    assert result.exit_code == 1
    assert "3 characters after the last Enter" in result.stderr
    assert "no complete scan" in result.stderr


def test_replay_usage_errors_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["replay", str(tmp_path / "missing.jsonl")]).exit_code == 2
    recording = write_recording(tmp_path / "ok.jsonl", digits("1") + tap(e.KEY_ENTER))
    result = runner.invoke(app, ["replay", str(recording), "--layout", "klingon"])
    assert result.exit_code == 2 and "unknown layout" in result.output


# -- test against a real pty ---------------------------------------------------------------


@pytest.fixture
def scanner_pty() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def keep_scanning(master: int, frames: list[bytes], done: threading.Event) -> threading.Thread:
    """Plays a scanner that repeats its frames until the command has finished: the command
    flushes the port when it opens it, so frames sent before that are rightly lost."""

    def run() -> None:
        while not done.wait(0.05):
            for frame in frames:
                os.write(master, frame)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_devices_test_on_a_pty_prints_json_lines_and_exits_after_count(
    scanner_pty: tuple[int, str],
) -> None:
    master, path = scanner_pty
    done = threading.Event()
    writer = keep_scanning(master, [b"]d2010950600013435221SN123\x1d10LOT1\r\n"], done)
    try:
        result = runner.invoke(
            app, ["test", "--port", path, "--count", "2", "--json", "--timeout", "10"]
        )
    finally:
        done.set()
        writer.join(5)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [json.loads(line) for line in lines] == [GS1_SCAN, GS1_SCAN]
    assert "connected" in result.stderr


def test_devices_test_takes_the_scanner_from_the_config(
    scanner_pty: tuple[int, str], tmp_path: Path
) -> None:
    master, path = scanner_pty
    config = tmp_path / "terminal.toml"
    config.write_text(
        f'[scanner]\ngs_substitute = "~"\n\n[[scanner.serial]]\nport = "{path}"\nbaud = 19200\n'
    )
    done = threading.Event()
    writer = keep_scanning(master, [b"010950600013435221SN123~10LOT1\r"], done)
    try:
        result = runner.invoke(
            app, ["test", "--config", str(config), "--count", "1", "--timeout", "10"]
        )
    finally:
        done.set()
        writer.join(5)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("product_serial: ")
    assert "serial SN123" in result.stdout and "batch LOT1" in result.stdout


def test_devices_test_times_out_with_exit_1(scanner_pty: tuple[int, str]) -> None:
    _, path = scanner_pty
    result = runner.invoke(app, ["test", "--port", path, "--count", "1", "--timeout", "0.5"])
    assert result.exit_code == 1
    assert "timed out after 0.5 s: received 0 of 1 scans" in result.stderr
    assert "Traceback" not in result.output


def test_devices_test_usage_and_config_errors(tmp_path: Path) -> None:
    both = runner.invoke(app, ["test", "--port", "/dev/ttyUSB0", "--evdev", "/dev/input/event0"])
    assert both.exit_code == 2
    assert runner.invoke(app, ["test", "--baud", "9600"]).exit_code == 2
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    none = runner.invoke(app, ["test", "--config", str(empty)])
    assert none.exit_code == 1 and "no scanner configured" in none.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scanner.serial]]\nport = "/dev/ttyUSB0"\nbaudrate = 9600\n')
    refused = runner.invoke(app, ["test", "--config", str(bad)])
    assert refused.exit_code == 1
    assert "unknown key 'baudrate'" in refused.stderr and "Traceback" not in refused.output


def test_devices_record_without_the_device_times_out_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "scans.jsonl"
    result = runner.invoke(
        app,
        [
            "record",
            "--evdev",
            str(tmp_path / "event99"),
            "--out",
            str(out),
            "--count",
            "1",
            "--timeout",
            "0.5",
        ],
    )
    assert result.exit_code == 1
    assert "waiting for" in result.stderr and "timed out after 0.5 s" in result.stderr
    assert out.exists() and out.read_text() == ""
    assert "Traceback" not in result.output


# -- list ----------------------------------------------------------------------------------


def test_devices_list_json_is_valid() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert isinstance(listing["evdev"]["devices"], list)
    assert isinstance(listing["serial"], list)
    if not listing["evdev"]["devices"]:
        assert listing["evdev"]["problem"]  # says why nothing was found


def test_devices_list_readable() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    assert "HID scanners" in result.stdout and "Serial ports:" in result.stdout


# -- the [scanner] table -------------------------------------------------------------------


def test_missing_scanner_table_means_defaults(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[terminal]\nid = "till-1"\n')
    settings = scanner_settings(load_config(config, env={}))
    assert settings == ScannerSettings()
    assert settings.wedge.key_gap_ms == 300 and settings.wedge.min_length == 4
    assert settings.serial == () and settings.evdev == ()


def test_full_scanner_table(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text(
        "[scanner]\nkey_gap_ms = 400\nmin_length = 6\ngs_substitute = '~'\n"
        '[[scanner.serial]]\nport = "/dev/ttyUSB0"\nsuffix = "\\r\\n"\nparity = "even"\n'
        "stopbits = 2\nbytesize = 7\n"
        '[[scanner.serial]]\nport = "/dev/ttyS0"\nbaud = 115200\n'
        '[[scanner.evdev]]\nname = "Honeywell"\n'
        '[[scanner.evdev]]\npath = "/dev/input/by-id/x-event-kbd"\nlayout = "DE"\ngrab = false\n'
    )
    settings = scanner_settings(load_config(config, env={}))
    assert settings.wedge.key_gap_ms == 400 and settings.gs_substitute == "~"
    assert settings.serial == (
        SerialScannerSettings("/dev/ttyUSB0", 9600, 7, "E", 2, "\r\n"),
        SerialScannerSettings("/dev/ttyS0", baud=115200),
    )
    assert settings.evdev == (
        EvdevScannerSettings(name="Honeywell"),
        EvdevScannerSettings(path="/dev/input/by-id/x-event-kbd", layout="de", grab=False),
    )


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"min_length": "4"}, "'min_length'"),
        ({"key_gap_ms": 0}, "'key_gap_ms' must be at least 300"),
        ({"key_gap_ms": 299}, "'key_gap_ms' must be at least 300"),
        ({"key_gap_ms": 5001}, "'key_gap_ms' must be at most 5000"),
        ({"gs_substitute": "0"}, "'gs_substitute'"),
        ({"serial": [{"port": "/dev/ttyUSB0", "baud": "fast"}]}, "'baud'"),
        ({"serial": [{"port": "/dev/ttyUSB0", "baudrate": 9600}]}, "'baudrate'"),
        ({"serial": [{"port": "/dev/ttyUSB0", "parity": "X"}]}, "'parity'"),
        ({"serial": [{"port": "/dev/ttyUSB0", "stopbits": 3}]}, "'stopbits'"),
        ({"serial": [{"port": "/dev/ttyUSB0", "bytesize": 9}]}, "'bytesize'"),
        ({"serial": [{"port": "/dev/ttyUSB0", "suffix": ""}]}, "'suffix'"),
        ({"serial": [{"baud": 9600}]}, "'port'"),
        ({"serial": "ttyUSB0"}, "scanner.serial"),
        ({"evdev": [{"path": "/dev/input/event3", "layout": "xx"}]}, "'layout'"),
        ({"evdev": [{"path": "/dev/input/event3", "grab": "yes"}]}, "'grab'"),
        ({"evdev": [{"layout": "us"}]}, "'path'"),
        ({"wedge": {}}, "'wedge'"),
    ],
)
def test_bad_scanner_values_name_the_key(table: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_scanner_settings(table, where="terminal.toml")
    assert named in str(raised.value)
    assert str(raised.value).startswith("terminal.toml: ")


def test_a_retired_wedge_key_warns_and_keeps_the_scanners(tmp_path: Path) -> None:
    """An upgraded terminal whose config still times wedge keys keeps its serial scanner; the
    retired key is a warning naming its line, not a refusal that would leave no scanner."""
    from serialpos.config import load_config
    from serialpos.devices.settings import scanner_settings

    cfg = tmp_path / "terminal.toml"
    cfg.write_text(
        '[scanner]\nmax_key_interval_ms = 50\n\n[[scanner.serial]]\nport = "/dev/ttyUSB0"\n',
        encoding="utf-8",
    )
    config = load_config(cfg, env={})
    assert [w for w in config.warnings if "'max_key_interval_ms' is no longer used" in w]
    assert "line 2" in config.warnings[0]
    settings = scanner_settings(config)
    assert [s.port for s in settings.serial] == ["/dev/ttyUSB0"]
    assert settings.wedge.key_gap_ms == 300
