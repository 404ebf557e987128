"""HID scanners through evdev: real ``evdev.InputEvent`` sequences through the key decoder, the
device thread (unplug, replug, permission) and, where the kernel offers /dev/uinput, a real
virtual keyboard."""

from __future__ import annotations

import errno
import os
import queue
import struct
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from serialpos.devices.evdev_source import EvdevSource, event_nodes
from serialpos.devices.keymaps import KEY_CODES, LAYOUTS, KeyEventDecoder
from serialpos.devices.settings import EvdevScannerSettings
from serialpos.devices.source import Backoff, SourceState, permission_help

# evdev is the ``serialpos[evdev]`` extra (it needs a compiler); CI installs it.
evdev = pytest.importorskip("evdev", reason="the serialpos[evdev] extra is not installed")
InputEvent, ecodes = evdev.InputEvent, evdev.ecodes

WAIT = 5.0
PRESS, RELEASE, REPEAT = 1, 0, 2
GS = "\x1d"


def key(code: int, value: int) -> InputEvent:
    return InputEvent(1700000000, 0, ecodes.EV_KEY, code, value)


def syn() -> InputEvent:
    return InputEvent(1700000000, 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0)


def tap(code: int, *held: int) -> list[InputEvent]:
    """Press the modifiers, press and release the key, release the modifiers, as scanners do
    (with the MSC_SCAN event real keyboards send before each key)."""
    events = []
    for modifier in held:
        events += [key(modifier, PRESS), syn()]
    events += [
        InputEvent(1700000000, 0, ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70000 + code),
        key(code, PRESS),
        syn(),
        key(code, RELEASE),
        syn(),
    ]
    for modifier in reversed(held):
        events += [key(modifier, RELEASE), syn()]
    return events


def shifted(code: int) -> list[InputEvent]:
    return tap(code, ecodes.KEY_LEFTSHIFT)


def enter() -> list[InputEvent]:
    return tap(ecodes.KEY_ENTER)


def keys(*codes: int) -> list[InputEvent]:
    return [event for code in codes for event in tap(code)]


def decode_all(events: Iterable[InputEvent], layout: str = "us") -> list[str]:
    decoder = KeyEventDecoder(layout)
    scans = []
    for event in events:
        scan = decoder.feed(event.type, event.code, event.value)
        if scan is not None:
            scans.append(scan)
    return scans


e = ecodes


def test_key_codes_are_the_kernels() -> None:
    for name, code in KEY_CODES.items():
        assert getattr(ecodes, name) == code, name


def test_shifted_letters_digits_and_enter() -> None:
    events = [
        *shifted(e.KEY_S),
        *keys(e.KEY_N),
        *shifted(e.KEY_MINUS),
        *keys(e.KEY_4, e.KEY_2),
        *tap(e.KEY_X, e.KEY_RIGHTSHIFT),
        *shifted(e.KEY_1),
        *enter(),
    ]
    assert decode_all(events) == ["Sn_42X!"]


def test_keypad_enter_and_tab_also_end_a_scan_and_empty_scans_are_ignored() -> None:
    events = [
        *enter(),
        *keys(e.KEY_KP1, e.KEY_KP2),
        *tap(e.KEY_KPENTER),
        *keys(e.KEY_A),
        *tap(e.KEY_TAB),
        *tap(e.KEY_TAB),
    ]
    assert decode_all(events) == ["12", "a"]


def test_gs_as_ctrl_right_brace_is_told_from_a_plain_aim_bracket() -> None:
    events = [
        *keys(e.KEY_RIGHTBRACE),
        *shifted(e.KEY_C),
        *keys(e.KEY_1),  # ]C1, the AIM prefix
        *keys(e.KEY_0, e.KEY_1),
        *keys(*[e.KEY_0] * 14),
        *tap(e.KEY_RIGHTBRACE, e.KEY_LEFTCTRL),  # GS
        *keys(e.KEY_2, e.KEY_1),
        *shifted(e.KEY_A),
        *keys(e.KEY_7),
        *tap(e.KEY_RIGHTBRACE, e.KEY_RIGHTCTRL),  # GS with the other Ctrl
        *keys(e.KEY_1, e.KEY_0),
        *shifted(e.KEY_L),
        *enter(),
    ]
    assert decode_all(events) == ["]C1" + "01" + "0" * 14 + GS + "21A7" + GS + "10L"]


def test_gs_as_alt_keypad_0029() -> None:
    alt_0029 = [
        key(e.KEY_LEFTALT, PRESS),
        *keys(e.KEY_KP0, e.KEY_KP0, e.KEY_KP2, e.KEY_KP9),
        key(e.KEY_LEFTALT, RELEASE),
    ]
    events = [
        *keys(e.KEY_2, e.KEY_1),
        *shifted(e.KEY_S),
        *alt_0029,
        *keys(e.KEY_1, e.KEY_0),
        *enter(),
    ]
    assert decode_all(events) == ["21S" + GS + "10"]


def test_alt_keypad_gives_any_decimal_code_and_ignores_other_alt_chords() -> None:
    alt_065 = [
        key(e.KEY_LEFTALT, PRESS),
        *keys(e.KEY_KP0, e.KEY_KP6, e.KEY_KP5),
        key(e.KEY_LEFTALT, RELEASE),
    ]
    alt_f = [key(e.KEY_LEFTALT, PRESS), *keys(e.KEY_F), key(e.KEY_LEFTALT, RELEASE)]
    assert decode_all([*alt_065, *alt_f, *keys(e.KEY_B), *enter()]) == ["Ab"]


def test_key_repeat_adds_nothing() -> None:
    events = [
        key(e.KEY_7, PRESS),
        key(e.KEY_7, REPEAT),
        key(e.KEY_7, REPEAT),
        key(e.KEY_7, REPEAT),
        key(e.KEY_7, RELEASE),
        key(e.KEY_ENTER, PRESS),
        key(e.KEY_ENTER, REPEAT),
        key(e.KEY_ENTER, RELEASE),
    ]
    assert decode_all(events) == ["7"]


def test_shift_held_across_repeats_and_caps_lock() -> None:
    events = [
        key(e.KEY_LEFTSHIFT, PRESS),
        key(e.KEY_LEFTSHIFT, REPEAT),
        *keys(e.KEY_A, e.KEY_B),
        key(e.KEY_LEFTSHIFT, RELEASE),
        *keys(e.KEY_C, e.KEY_CAPSLOCK, e.KEY_D, e.KEY_1),
        *shifted(e.KEY_E),
        *keys(e.KEY_CAPSLOCK, e.KEY_F),
        *enter(),
    ]
    assert decode_all(events) == ["ABcD1ef"]


def test_german_layout_swaps_z_and_y() -> None:
    events = [
        *keys(e.KEY_Z, e.KEY_Y),
        *shifted(e.KEY_Z),
        *shifted(e.KEY_7),
        *keys(e.KEY_MINUS),
        *shifted(e.KEY_2),
        *enter(),
    ]
    assert decode_all(events, "de") == ['yzY/ß"']
    assert decode_all(events, "us") == ["zyZ&-@"]


def test_german_layout_altgr_and_gs() -> None:
    altgr_q = tap(e.KEY_Q, e.KEY_RIGHTALT)
    ctrl_plus = tap(e.KEY_RIGHTBRACE, e.KEY_LEFTCTRL)  # the key right of Ü, as Windows sends GS
    events = [
        *keys(e.KEY_RIGHTBRACE),
        *altgr_q,
        *ctrl_plus,
        *tap(e.KEY_9, e.KEY_RIGHTALT),
        *enter(),
    ]
    assert decode_all(events, "de") == ["+@" + GS + "]"]


def test_uk_layout_differs_where_it_should() -> None:
    events = [*shifted(e.KEY_2), *shifted(e.KEY_APOSTROPHE), *keys(e.KEY_BACKSLASH), *enter()]
    assert decode_all(events, "uk") == ['"@#']
    assert set(LAYOUTS) >= {"us", "de", "uk"}


def test_lost_events_drop_the_scan_in_progress() -> None:
    decoder = KeyEventDecoder()
    for event in keys(e.KEY_1, e.KEY_2):
        decoder.feed(event.type, event.code, event.value)
    assert decoder.feed(ecodes.EV_SYN, ecodes.SYN_DROPPED, 0) is None
    assert [decoder.feed(ev.type, ev.code, ev.value) for ev in enter()].count(None) == len(enter())
    reason = decoder.take_dropped()
    assert reason is not None and "dropped" in reason
    after = [decoder.feed(ev.type, ev.code, ev.value) for ev in [*keys(e.KEY_3), *enter()]]
    assert [scan for scan in after if scan is not None] == ["3"]


def test_an_endless_scan_is_capped_and_dropped() -> None:
    decoder = KeyEventDecoder(max_length=100)
    for _ in range(1000):
        decoder.feed(ecodes.EV_KEY, e.KEY_9, PRESS)
        decoder.feed(ecodes.EV_KEY, e.KEY_9, RELEASE)
    assert len(decoder.pending) <= 100
    assert decoder.feed(ecodes.EV_KEY, e.KEY_ENTER, PRESS) is None
    assert decoder.take_dropped() is not None


# -- the device thread ---------------------------------------------------------------------

EVENT_FORMAT = "llHHi"  # struct input_event on 64-bit Linux


class PipeKeyboard:
    """Stands in for a kernel event device where this machine has none: a pipe carrying
    ``struct input_event`` records, read by the real source thread with select() as a device
    would be. ``unplug()`` makes the next read fail with ENODEV, as the kernel does."""

    def __init__(self, path: str, name: str = "Honeywell 1900G Scanner") -> None:
        self.path = path
        self.name = name
        self.phys = "usb-0000:00:14.0-1/input0"
        self.fd, self._write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        self.grabbed = False
        self.closed = False
        self._unplugged = False

    def grab(self) -> None:
        self.grabbed = True

    def read(self) -> Iterator[InputEvent]:
        if self._unplugged:
            raise OSError(errno.ENODEV, "No such device")
        data = os.read(self.fd, struct.calcsize(EVENT_FORMAT) * 64)
        for sec, usec, type_, code, value in struct.iter_unpack(EVENT_FORMAT, data):
            yield InputEvent(sec, usec, type_, code, value)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)
            os.close(self._write_fd)

    def send(self, events: Iterable[InputEvent]) -> None:
        os.write(
            self._write_fd,
            b"".join(
                struct.pack(EVENT_FORMAT, ev.sec, ev.usec, ev.type, ev.code, ev.value)
                for ev in events
            ),
        )

    def unplug(self) -> None:
        self._unplugged = True
        os.write(self._write_fd, b"\0")  # wakes select(), as a vanished device does


@dataclass
class Kernel:
    """Which device nodes exist now, and what opening them does."""

    devices: dict[str, PipeKeyboard | OSError] = field(default_factory=dict)
    opened: list[PipeKeyboard] = field(default_factory=list)

    def open(self, path: str) -> PipeKeyboard:
        device = self.devices.get(path)
        if device is None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        if isinstance(device, OSError):
            raise device
        self.opened.append(device)
        return device


@dataclass
class Recorder:
    scans: queue.Queue[str] = field(default_factory=queue.Queue)
    states: queue.Queue[SourceState] = field(default_factory=queue.Queue)
    errors: queue.Queue[str] = field(default_factory=queue.Queue)

    def on_scan(self, raw: str, source_name: str) -> None:
        self.scans.put(raw)

    def on_state(self, state: SourceState) -> None:
        self.states.put(state)

    def on_error(self, message: str, source_name: str) -> None:
        self.errors.put(message)

    def wait_state(self, *statuses: str) -> SourceState:
        deadline = time.monotonic() + WAIT
        while True:
            state = self.states.get(timeout=max(0.01, deadline - time.monotonic()))
            if state.status in statuses:
                return state


FAST = Backoff(first=0.02, longest=0.1)
PATH = "/dev/input/by-id/usb-Honeywell_1900G-event-kbd"


def make_source(kernel: Kernel, recorder: Recorder, **settings: object) -> EvdevSource:
    options: dict[str, object] = {"path": PATH} | settings
    return EvdevSource(
        EvdevScannerSettings(**options),  # type: ignore[arg-type]
        recorder.on_scan,
        recorder.on_state,
        recorder.on_error,
        backoff=FAST,
        open_device=kernel.open,
    )


def scan_events(text_codes: list[int]) -> list[InputEvent]:
    return [*keys(*text_codes), *enter()]


def test_source_grabs_decodes_and_stops_promptly() -> None:
    kernel, recorder = Kernel(), Recorder()
    keyboard = kernel.devices[PATH] = PipeKeyboard(PATH)
    raw_events: list[tuple[int, int, int]] = []
    source = EvdevSource(
        EvdevScannerSettings(path=PATH),
        recorder.on_scan,
        recorder.on_state,
        recorder.on_error,
        on_key_event=lambda *event: raw_events.append(event),
        backoff=FAST,
        open_device=kernel.open,
    )
    source.start()
    try:
        state = recorder.wait_state("connected")
        assert "Honeywell" in state.message and keyboard.grabbed
        keyboard.send(
            [
                *tap(e.KEY_RIGHTBRACE),
                *shifted(e.KEY_C),
                *keys(e.KEY_1, e.KEY_5),
                *tap(e.KEY_RIGHTBRACE, e.KEY_LEFTCTRL),
                *keys(e.KEY_9),
                *enter(),
            ]
        )
        assert recorder.scans.get(timeout=WAIT) == "]C15" + GS + "9"
        # Every raw event was seen first (what `devices record` saves).
        assert (ecodes.EV_KEY, e.KEY_RIGHTBRACE, PRESS) in raw_events
        assert raw_events[-2:] == [
            (ecodes.EV_KEY, e.KEY_ENTER, RELEASE),
            (ecodes.EV_SYN, ecodes.SYN_REPORT, 0),
        ]
    finally:
        started = time.monotonic()
        assert source.stop()
        assert time.monotonic() - started < 1.0
    assert keyboard.closed


def test_unplug_mid_scan_then_replug() -> None:
    kernel, recorder = Kernel(), Recorder()
    first = kernel.devices[PATH] = PipeKeyboard(PATH)
    source = make_source(kernel, recorder)
    source.start()
    try:
        recorder.wait_state("connected")
        first.send(keys(e.KEY_1, e.KEY_2, e.KEY_3))  # half a scan, then the cable comes out
        del kernel.devices[PATH]
        first.unplug()
        assert "unplugged" in recorder.wait_state("disconnected").message
        assert "waiting for" in recorder.wait_state("waiting").message
        second = kernel.devices[PATH] = PipeKeyboard(PATH)
        recorder.wait_state("connected")
        second.send(scan_events([e.KEY_4, e.KEY_5]))
        assert recorder.scans.get(timeout=WAIT) == "45"  # nothing of the half scan
        assert recorder.scans.empty()
    finally:
        source.stop()
        for device in kernel.opened:
            device.close()


def test_permission_denied_names_the_fix() -> None:
    kernel, recorder = Kernel(), Recorder()
    kernel.devices[PATH] = PermissionError(errno.EACCES, "Permission denied", PATH)
    source = make_source(kernel, recorder)
    source.start()
    try:
        message = recorder.wait_state("error").message
    finally:
        source.stop()
    assert "permission denied" in message and PATH in message
    # a group of its own, never 'input' (its members read every keyboard)
    assert "usermod -aG serialpos-scanner $USER" in message and "-aG input" not in message
    assert 'SUBSYSTEM=="input", ATTRS{idVendor}==' in message
    assert 'MODE="0640", GROUP="serialpos-scanner"' in message
    assert "docs/deployment.md" in message


def test_serial_permission_help_names_the_scanner_group() -> None:
    message = permission_help("/dev/ttyUSB0", "serial")
    assert "'serialpos-scanner' group" in message and 'SUBSYSTEM=="tty"' in message
    assert 'MODE="0660", GROUP="serialpos-scanner"' in message


def test_open_by_name_among_the_event_nodes(tmp_path: Path) -> None:
    for name in ("event2", "event10", "event3", "mouse0"):
        (tmp_path / name).touch()
    assert [Path(p).name for p in event_nodes(str(tmp_path))] == ["event2", "event3", "event10"]
    kernel, recorder = Kernel(), Recorder()
    kernel.devices[str(tmp_path / "event2")] = PipeKeyboard("event2", name="AT Keyboard")
    kernel.devices[str(tmp_path / "event3")] = PermissionError(errno.EACCES, "denied")
    scanner = kernel.devices[str(tmp_path / "event10")] = PipeKeyboard("event10", "HONEYWELL Scan")
    source = EvdevSource(
        EvdevScannerSettings(name="honeywell"),
        recorder.on_scan,
        recorder.on_state,
        backoff=FAST,
        open_device=kernel.open,
        input_dir=str(tmp_path),
    )
    source.start()
    try:
        recorder.wait_state("connected")
        assert source.device_path == str(tmp_path / "event10")
        scanner.send(scan_events([e.KEY_7]))
        assert recorder.scans.get(timeout=WAIT) == "7"
    finally:
        source.stop()
        for device in kernel.opened:
            device.close()


def test_a_device_grabbed_elsewhere_is_an_error() -> None:
    class Busy(PipeKeyboard):
        def grab(self) -> None:
            raise OSError(errno.EBUSY, "Device or resource busy")

    kernel, recorder = Kernel(), Recorder()
    busy = kernel.devices[PATH] = Busy(PATH)
    source = make_source(kernel, recorder)
    source.start()
    try:
        assert "grabbed by another program" in recorder.wait_state("error").message
    finally:
        source.stop()
        busy.close()


# -- a real virtual keyboard ---------------------------------------------------------------


def _uinput_unavailable() -> str | None:
    if not os.path.exists("/dev/uinput"):
        return "no writable /dev/uinput: it does not exist (kernel without uinput, or a sandbox)"
    if not os.access("/dev/uinput", os.W_OK):
        return "no writable /dev/uinput: permission denied"
    return None


def test_live_source_reads_a_uinput_keyboard() -> None:
    reason = _uinput_unavailable()
    if reason:
        pytest.skip(reason)
    capabilities = {ecodes.EV_KEY: sorted(KEY_CODES.values())}
    try:
        virtual = evdev.UInput(capabilities, name="serialpos test scanner")
    except OSError as exc:
        pytest.skip(f"no writable /dev/uinput: {exc}")
    recorder = Recorder()
    try:
        path = virtual.device.path
        source = EvdevSource(
            EvdevScannerSettings(path=path),
            recorder.on_scan,
            recorder.on_state,
            recorder.on_error,
            backoff=FAST,
        )
        source.start()
        try:
            recorder.wait_state("connected")
            for event in [
                *shifted(e.KEY_A),
                *keys(e.KEY_1),
                *tap(e.KEY_RIGHTBRACE, e.KEY_LEFTCTRL),
                *keys(e.KEY_2),
                *enter(),
            ]:
                virtual.write(event.type, event.code, event.value)
            virtual.syn()
            assert recorder.scans.get(timeout=WAIT) == "A1" + GS + "2"
        finally:
            source.stop()
    finally:
        virtual.close()
