"""HID (keyboard) scanners read straight from the Linux input layer with evdev.

Reading the device directly, instead of letting it type into the terminal, means its keys can
be grabbed (they never reach the shell or another window), the scan is known to come from the
scanner and not from a person, and GS arrives intact. The decoding itself is the pure
:class:`~serialpos.devices.keymaps.KeyEventDecoder`; this module is the device thread around it:

- open by path (``/dev/input/by-id/...-event-kbd`` survives replugging) or by a substring of
  the device name among the input devices;
- grab it when configured;
- unplugged (ENODEV on read): report "disconnected", forget the half scan, and reopen with
  back-off; permission denied: report "error" with the fix (the ``input`` group or a udev rule).

evdev is imported only when a device is opened, so the console (and ``devices replay``) still
runs where evdev is not installed.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import select
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from serialpos.devices.keymaps import KEY_CODES, KeyEventDecoder
from serialpos.devices.settings import EvdevScannerSettings
from serialpos.devices.source import (
    Backoff,
    DeviceUnavailable,
    ErrorCallback,
    ScanCallback,
    ScanSource,
    StateCallback,
    permission_help,
)

__all__ = [
    "EvdevSource",
    "InputDeviceInfo",
    "InputDeviceListing",
    "KeyEventCallback",
    "KeyEventDecoder",
    "list_keyboards",
]

INPUT_DIR = "/dev/input"
KeyEventCallback = Callable[[int, int, int], None]
DeviceOpener = Callable[[str], Any]
# A scanner declares Enter and the digit row; mice, power buttons and lid switches do not.
SCANNER_KEYS = frozenset(KEY_CODES[name] for name in ("KEY_ENTER", "KEY_1", "KEY_0", "KEY_A"))


#: evdev is an extra (it builds from source, which needs a C compiler and kernel headers).
EVDEV_MISSING = (
    "evdev is not installed: install it with pip install 'serialpos[evdev]' (needs "
    "gcc and the kernel headers) or your distribution's python3-evdev, or use a "
    "serial or keyboard-wedge scanner"
)


def _open_input_device(path: str) -> Any:
    try:
        import evdev
    except ImportError as exc:
        raise DeviceUnavailable("error", EVDEV_MISSING) from exc
    return evdev.InputDevice(path)


class EvdevSource(ScanSource):
    """Reads one HID scanner on a daemon thread; see :class:`ScanSource` for the callbacks.

    ``on_key_event(type, code, value)`` sees every raw event before decoding (used by
    ``serialpos devices record``). ``open_device`` and ``input_dir`` let tests stand in for
    the kernel where no input devices exist; by default ``evdev.InputDevice`` and /dev/input.
    """

    def __init__(
        self,
        settings: EvdevScannerSettings,
        on_scan: ScanCallback,
        on_state: StateCallback | None = None,
        on_error: ErrorCallback | None = None,
        *,
        on_key_event: KeyEventCallback | None = None,
        backoff: Backoff | None = None,
        open_device: DeviceOpener | None = None,
        input_dir: str = INPUT_DIR,
    ) -> None:
        super().__init__(settings.source_name, on_scan, on_state, on_error, backoff=backoff)
        self.settings = settings
        self.decoder = KeyEventDecoder(settings.layout)
        self._on_key_event = on_key_event
        self._open_device = open_device or _open_input_device
        self.input_dir = input_dir
        self.device_path: str | None = None  # the node actually opened

    # -- opening -----------------------------------------------------------------------------

    def _session(self) -> None:
        device = self._open()
        try:
            if self.settings.grab:
                self._grab(device)
            self.decoder.reset()
            self._connected(f"{device.name} ({self.device_path})")
            self._read_until_lost(device)
        finally:
            with contextlib.suppress(Exception):
                device.close()  # closing also releases the grab

    def _open(self) -> Any:
        if self.settings.path:
            return self._open_path(self.settings.path)
        return self._open_by_name(self.settings.name or "")

    def _open_path(self, path: str) -> Any:
        try:
            device = self._open_device(path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise DeviceUnavailable("waiting", f"waiting for {path} (not plugged in?)") from exc
        except PermissionError as exc:
            raise DeviceUnavailable("error", permission_help(path, "input")) from exc
        except OSError as exc:
            if exc.errno in (errno.ENODEV, errno.ENXIO):
                raise DeviceUnavailable("waiting", f"waiting for {path} (not plugged in?)") from exc
            raise DeviceUnavailable("error", f"cannot open {path}: {exc.strerror or exc}") from exc
        self.device_path = path
        return device

    def _open_by_name(self, wanted: str) -> Any:
        denied: list[str] = []
        for path in event_nodes(self.input_dir):
            try:
                device = self._open_device(path)
            except PermissionError:
                denied.append(path)
                continue
            except OSError:
                continue  # vanished between listing and opening
            if wanted.lower() in str(device.name).lower():
                self.device_path = path
                return device
            with contextlib.suppress(Exception):
                device.close()
        if denied:
            raise DeviceUnavailable(
                "error",
                f"no readable input device named like {wanted!r}; "
                f"{len(denied)} could not be opened: " + permission_help(denied[0], "input"),
            )
        raise DeviceUnavailable(
            "waiting", f"waiting for an input device named like {wanted!r} (not plugged in?)"
        )

    def _grab(self, device: Any) -> None:
        try:
            device.grab()
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                message = (
                    f"{self.device_path} is grabbed by another program "
                    "(another serialpos, or a kiosk tool)"
                )
            else:
                message = f"cannot grab {self.device_path}: {exc.strerror or exc}"
            raise DeviceUnavailable("error", message) from exc

    # -- reading ---------------------------------------------------------------------------

    def _read_until_lost(self, device: Any) -> None:
        wake = self._wake_read_fd
        watched = [device.fd] if wake is None else [device.fd, wake]
        while not self._stopping():
            try:
                ready, _, _ = select.select(watched, [], [], 0.5)
            except (OSError, ValueError) as exc:
                self._lost(exc)
                return
            if wake is not None and wake in ready:
                self._drain_wake()
                continue
            if not ready:
                continue
            try:
                for event in device.read():
                    self._handle(int(event.type), int(event.code), int(event.value))
            except BlockingIOError:
                continue
            except OSError as exc:
                self._lost(exc)
                return

    def _lost(self, exc: BaseException) -> None:
        self.decoder.reset()  # the half scan typed before the unplug is never delivered
        if isinstance(exc, OSError) and exc.errno == errno.ENODEV:
            message = f"{self.device_path} was unplugged"
        else:
            message = f"lost {self.device_path}: {exc}"
        self._set_state("disconnected", message)

    def _handle(self, type_: int, code: int, value: int) -> None:
        if self._on_key_event is not None:
            try:
                self._on_key_event(type_, code, value)
            except Exception as exc:
                self._report_error(f"the key event handler failed: {exc!r}")
        scan = self.decoder.feed(type_, code, value)
        if scan is not None:
            self._deliver_scan(scan)
            return
        dropped = self.decoder.take_dropped()
        if dropped is not None:
            self._report_error(f"{dropped} from {self.device_path}")


def event_nodes(input_dir: str = INPUT_DIR) -> list[str]:
    """The ``eventN`` nodes in ``input_dir``, in number order (readable or not)."""

    def number(path: str) -> int:
        digits = re.findall(r"\d+", os.path.basename(path))
        return int(digits[-1]) if digits else 0

    return sorted(glob.glob(os.path.join(input_dir, "event*")), key=number)


@dataclass(frozen=True)
class InputDeviceInfo:
    """An input device that has keyboard keys: a candidate HID scanner."""

    path: str
    name: str
    phys: str
    by_id: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "name": self.name, "phys": self.phys, "by_id": list(self.by_id)}


@dataclass(frozen=True)
class InputDeviceListing:
    """What ``devices list`` found among the input devices, and why it may have found nothing."""

    devices: tuple[InputDeviceInfo, ...]
    unreadable: tuple[str, ...] = ()
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "devices": [device.to_json() for device in self.devices],
            "unreadable": list(self.unreadable),
            "problem": self.problem,
        }


def list_keyboards(input_dir: str = INPUT_DIR) -> InputDeviceListing:
    """The input devices with keyboard keys, with their stable /dev/input/by-id names."""
    if not os.path.isdir(input_dir):
        return InputDeviceListing((), problem=f"{input_dir} does not exist (no input devices)")
    try:
        import evdev
    except ImportError:
        return InputDeviceListing((), problem=EVDEV_MISSING)
    links = _by_id_links(input_dir)
    found: list[InputDeviceInfo] = []
    unreadable: list[str] = []
    for path in event_nodes(input_dir):
        try:
            device = evdev.InputDevice(path)
        except PermissionError:
            unreadable.append(path)
            continue
        except OSError:
            continue
        try:
            keys = set(device.capabilities().get(evdev.ecodes.EV_KEY, []))
            if keys >= SCANNER_KEYS:
                found.append(
                    InputDeviceInfo(
                        path=path,
                        name=str(device.name),
                        phys=str(device.phys or ""),
                        by_id=tuple(links.get(os.path.realpath(path), ())),
                    )
                )
        finally:
            device.close()
    problem = None
    if unreadable:
        problem = f"{len(unreadable)} input devices could not be read: " + permission_help(
            unreadable[0], "input"
        )
    elif not found:
        problem = f"no keyboard-like input devices found in {input_dir}"
    return InputDeviceListing(tuple(found), tuple(unreadable), problem)


def _by_id_links(input_dir: str) -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for link in sorted(glob.glob(os.path.join(input_dir, "by-id", "*"))):
        links.setdefault(os.path.realpath(link), []).append(link)
    return links
