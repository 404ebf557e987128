"""The shape every scanner reader shares: a daemon thread that turns raw device I/O into calls.

A scanner is read on its own thread so that a slow or vanished device never blocks the screen
(as in Toolong, a reader thread turns raw I/O into small dataclass messages). The thread calls
three callbacks and nothing else:

- ``on_scan(raw, source_name)``: one complete scan as text, never a half one;
- ``on_state(SourceState)``: the device's connection changed (connected, waiting for it to
  appear, disconnected, or an error such as permission denied, with a sentence naming the fix);
- ``on_error(message, source_name)``: something was received but dropped (bytes that are not
  text, an oversized frame); the connection itself is fine. Without this callback such
  messages are logged.

The callbacks run on the reader thread: a Textual app passes ``post_message`` or
``call_from_thread`` wrappers. Nothing ever raises out of the thread; an unexpected failure is
reported as an ``error`` state and the reader starts over after a pause.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from serialpos.devices.settings import ScannerSettings

log = logging.getLogger(__name__)

Status = Literal["connected", "waiting", "disconnected", "error"]
ScanCallback = Callable[[str, str], None]
ErrorCallback = Callable[[str, str], None]


@dataclass(frozen=True)
class SourceState:
    """A scan source's connection changed: shown in the console's status line."""

    source: str
    status: Status
    message: str = ""


StateCallback = Callable[[SourceState], None]


class DeviceUnavailable(Exception):
    """The device cannot be opened now; ``status`` is "waiting" (absent) or "error"."""

    def __init__(self, status: Status, message: str) -> None:
        super().__init__(message)
        self.status: Status = status
        self.message = message


@dataclass(frozen=True)
class Backoff:
    """Pauses between attempts to reopen a vanished device: doubling, ``first`` to ``longest``."""

    first: float = 0.5
    longest: float = 5.0
    factor: float = 2.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield min(delay, self.longest)
            delay = min(delay * self.factor, self.longest)


class ScanSource(ABC):
    """A scanner read on a daemon thread. ``start()`` returns at once; ``stop()`` ends the thread
    promptly. Subclasses implement :meth:`_session`; this class retries it with back-off."""

    def __init__(
        self,
        name: str,
        on_scan: ScanCallback,
        on_state: StateCallback | None = None,
        on_error: ErrorCallback | None = None,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.name = name
        self._on_scan = on_scan
        self._on_state = on_state
        self._on_error = on_error
        self.backoff = backoff or Backoff()
        self._stop_requested = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = SourceState(name, "disconnected", "not started")
        self._state_lock = threading.Lock()
        self._wake_read_fd: int | None = None
        self._wake_write_fd: int | None = None
        self._fresh_backoff = False

    # -- the caller's side ---------------------------------------------------------------

    @property
    def state(self) -> SourceState:
        """The latest state reported."""
        with self._state_lock:
            return self._state

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start reading on a daemon thread; returns at once."""
        if self.running:
            return
        self._stop_requested.clear()
        self._wake_read_fd, self._wake_write_fd = os.pipe()
        os.set_blocking(self._wake_read_fd, False)
        os.set_blocking(self._wake_write_fd, False)
        self._thread = threading.Thread(
            target=self._main, name=f"scan source {self.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Ask the thread to end and wait for it at most ``timeout`` seconds; True if it ended."""
        self._stop_requested.set()
        self._wake()
        try:
            self._interrupt()
        except Exception:  # stopping must never fail because the device is already gone
            log.debug("interrupting %s failed", self.name, exc_info=True)
        thread = self._thread
        if thread is threading.current_thread():
            return False  # called from a callback: the loop ends once the callback returns
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("scan source %s did not stop within %.1f s", self.name, timeout)
                return False
        self._thread = None
        for fd in (self._wake_read_fd, self._wake_write_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wake_read_fd = self._wake_write_fd = None
        return True

    def __enter__(self) -> ScanSource:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the reader thread's side ----------------------------------------------------------

    @abstractmethod
    def _session(self) -> None:
        """Open the device, call :meth:`_connected`, read until the device is lost or
        :meth:`_stopping`, then return. Raise :class:`DeviceUnavailable` when it cannot be
        opened; the base class reports it and tries again after the back-off pause."""

    def _interrupt(self) -> None:  # noqa: B027 - optional hook, most sources need nothing
        """Called by :meth:`stop` from the caller's thread: wake a blocked read if needed."""

    def _stopping(self) -> bool:
        return self._stop_requested.is_set()

    def _sleep(self, seconds: float) -> bool:
        """Pause unless asked to stop; True when the thread should end."""
        return self._stop_requested.wait(seconds)

    def _connected(self, message: str = "") -> None:
        self._fresh_backoff = True
        self._set_state("connected", message)

    def _main(self) -> None:
        delays = self.backoff.delays()
        while not self._stopping():
            self._fresh_backoff = False
            try:
                self._session()
            except DeviceUnavailable as exc:
                self._set_state(exc.status, exc.message)
            except Exception as exc:  # a bug must not kill the reader or the console
                log.exception("scan source %s failed", self.name)
                self._set_state("error", f"reader failed: {exc!r}; retrying")
            if self._fresh_backoff:
                delays = self.backoff.delays()
            if self._stopping() or self._sleep(next(delays)):
                break
        self._set_state("disconnected", "stopped")

    def _wake(self) -> None:
        if self._wake_write_fd is not None:
            with contextlib.suppress(OSError):
                os.write(self._wake_write_fd, b"x")

    def _drain_wake(self) -> None:
        if self._wake_read_fd is not None:
            with contextlib.suppress(OSError):
                os.read(self._wake_read_fd, 64)

    def _set_state(self, status: Status, message: str = "") -> None:
        state = SourceState(self.name, status, message)
        with self._state_lock:
            if state == self._state:
                return  # a device that stays missing is reported once, not every retry
            self._state = state
        if self._on_state is None:
            log.info("%s: %s %s", self.name, status, message)
            return
        try:
            self._on_state(state)
        except Exception:
            log.exception("state callback of %s failed", self.name)

    def _deliver_scan(self, raw: str) -> None:
        try:
            self._on_scan(raw, self.name)
        except Exception as exc:
            log.exception("scan callback of %s failed", self.name)
            self._report_error(f"the scan could not be handled: {exc!r}")

    def _report_error(self, message: str) -> None:
        if self._on_error is None:
            log.warning("%s: %s", self.name, message)
            return
        try:
            self._on_error(message, self.name)
        except Exception:
            log.exception("error callback of %s failed", self.name)


def build_sources(
    settings: ScannerSettings,
    on_scan: ScanCallback,
    on_state: StateCallback | None = None,
    on_error: ErrorCallback | None = None,
) -> list[ScanSource]:
    """One unstarted source per configured serial and evdev scanner (serial ports first).

    The keyboard wedge is not among them: it reads the console's own key events.
    """
    from serialpos.devices.evdev_source import EvdevSource
    from serialpos.devices.serial_port import SerialPortSource

    sources: list[ScanSource] = [
        SerialPortSource(device, on_scan, on_state, on_error) for device in settings.serial
    ]
    sources += [EvdevSource(device, on_scan, on_state, on_error) for device in settings.evdev]
    return sources


def permission_help(path: str, kind: Literal["input", "serial"]) -> str:
    """The sentence shown when a device cannot be opened for lack of permission: the fix, with
    the exact udev rule line (the vendor id filled in when the system tells it)."""
    vendor = _vendor_id(path, kind) or "xxxx"
    vendor_hint = "" if vendor != "xxxx" else " (the vendor id is the first half of 'ID' in lsusb)"
    # A group of its own, not 'input' (whose members read every keyboard) nor 'dialout'.
    group, rule_file = "serialpos-scanner", "70-serialpos-scanner.rules"
    subsystem, mode = ("input", "0640") if kind == "input" else ("tty", "0660")
    rule = (
        f'SUBSYSTEM=="{subsystem}", ATTRS{{idVendor}}=="{vendor}", MODE="{mode}", GROUP="{group}"'
    )
    return (
        f"permission denied opening {path}: install a udev rule in /etc/udev/rules.d/{rule_file} "
        f"(serialpos ships one: deploy/udev/, see docs/deployment.md): {rule}{vendor_hint}; "
        f"add the user to the '{group}' group (sudo groupadd --system {group}; "
        f"sudo usermod -aG {group} $USER, then log in again); then run "
        "'sudo udevadm control --reload && sudo udevadm trigger' and replug the scanner"
    )


def _vendor_id(path: str, kind: Literal["input", "serial"]) -> str | None:
    try:
        node = Path(os.path.realpath(path)).name
        sys_class = "input" if kind == "input" else "tty"
        device = Path("/sys/class") / sys_class / node / "device"
        candidates = [device / "id" / "vendor"] if kind == "input" else []
        # USB serial: .../ttyUSB0/device -> interface; idVendor sits one or two levels up.
        candidates += [device / "idVendor"]
        candidates += [device / ".." / "idVendor", device / ".." / ".." / "idVendor"]
        for candidate in candidates:
            if candidate.is_file():
                value = candidate.read_text(encoding="ascii").strip()
                if value and value != "0000":
                    return value
    except OSError:
        return None
    return None
