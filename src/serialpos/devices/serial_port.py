"""Serial-port scanners (RS-232, or USB scanners in virtual COM port mode) read with pyserial.

Two parts, kept apart so the hard one is testable without a port:

- :class:`FrameAssembler` (pure): bytes in, whole frames out. By default CR, LF or CRLF each
  end a frame and empty frames are ignored; a custom suffix may be configured instead. Frames
  split across reads are joined. A frame that is not text (not UTF-8, or holding control bytes
  that no barcode carries) or longer than 64 KiB is dropped whole and reported, so that no
  half scan is ever acted on; the buffer is capped, so a 1 MB burst of noise costs 64 KiB.
- :class:`SerialPortSource`: the reader thread. It opens the port, feeds what it reads to the
  assembler, and when the port vanishes (unplugged USB adapter, closed pty) reports it and
  reopens with back-off, forgetting any half frame.
"""

from __future__ import annotations

import contextlib
import errno
import re
import threading
from dataclasses import dataclass
from typing import Any

import serial

from serialpos.devices.settings import SerialScannerSettings
from serialpos.devices.source import (
    Backoff,
    DeviceUnavailable,
    ErrorCallback,
    ScanCallback,
    ScanSource,
    StateCallback,
    permission_help,
)

MAX_FRAME_BYTES = 64 * 1024
DEFAULT_TERMINATORS = re.compile(rb"[\r\n]")
STX, ETX = "\x02", "\x03"
# C0 control characters a barcode may carry: Tab, EOT and the ISO/IEC 15434 and GS1
# separators FS, GS (FNC1), RS, US. Any other control byte in a frame means line noise.
NOT_TEXT = re.compile("[\x00-\x03\x05-\x08\x0a-\x1b\x7f]")


@dataclass(frozen=True)
class Frame:
    """One complete frame received, as text."""

    text: str


@dataclass(frozen=True)
class FrameDropped:
    """A frame that cannot be a scan was thrown away whole; ``reason`` says why."""

    reason: str
    size: int


class FrameAssembler:
    """Splits a serial byte stream into frames. Pure: no port, no thread, no clock.

    ``suffix`` None means CR, LF or CRLF end a frame; otherwise exactly that string does.
    A leading STX and a trailing ETX (framing some scanners add), and CR or LF around a frame
    ended by a custom suffix, are removed from each frame.
    """

    def __init__(self, suffix: str | bytes | None = None, max_frame_bytes: int = MAX_FRAME_BYTES):
        if isinstance(suffix, str):
            suffix = suffix.encode("utf-8")
        if suffix is not None and not suffix:
            raise ValueError("a frame suffix cannot be empty")
        self.suffix: bytes | None = suffix
        self.max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()
        self._search_from = 0  # bytes before this in the buffer hold no terminator
        self._discarding = False  # inside a frame already reported as too long

    @property
    def pending_bytes(self) -> int:
        """Bytes of an unfinished frame held (never much more than ``max_frame_bytes``)."""
        return len(self._buffer)

    def reset(self) -> None:
        """Forget the unfinished frame: the port was lost mid-scan."""
        self._buffer.clear()
        self._search_from = 0
        self._discarding = False

    def feed(self, data: bytes) -> list[Frame | FrameDropped]:
        """Take the bytes just read; return the frames they complete, in order."""
        results: list[Frame | FrameDropped] = []
        if not data:
            return results
        buffer = self._buffer
        buffer += data
        start = 0
        search_from = self._search_from
        while True:
            end, terminator_length = self._find_terminator(buffer, search_from)
            if end < 0:
                break
            frame = bytes(buffer[start:end])
            start = search_from = end + terminator_length
            if self._discarding:
                self._discarding = False  # the end of the frame already reported as too long
                continue
            result = self._finish(frame)
            if result is not None:
                results.append(result)
        del buffer[:start]
        keep = self._longest_terminator - 1  # bytes that may be the start of a split suffix
        self._search_from = max(0, len(buffer) - keep)
        if len(buffer) > self.max_frame_bytes:
            if not self._discarding:
                results.append(
                    FrameDropped(
                        f"dropped a frame longer than {self.max_frame_bytes} bytes "
                        "(ignoring input until the frame ends)",
                        size=len(buffer),
                    )
                )
                self._discarding = True
            del buffer[: len(buffer) - keep]
            self._search_from = 0
        return results

    @property
    def _longest_terminator(self) -> int:
        return 1 if self.suffix is None else len(self.suffix)

    def _find_terminator(self, buffer: bytearray, start: int) -> tuple[int, int]:
        if self.suffix is None:
            match = DEFAULT_TERMINATORS.search(buffer, start)
            return (match.start(), 1) if match else (-1, 0)
        return buffer.find(self.suffix, start), len(self.suffix)

    def _finish(self, frame: bytes) -> Frame | FrameDropped | None:
        if not frame:
            return None  # the LF of a CRLF, or a blank line
        if len(frame) > self.max_frame_bytes:
            return FrameDropped(
                f"dropped a frame of {len(frame)} bytes (longer than {self.max_frame_bytes})",
                size=len(frame),
            )
        try:
            text = frame.decode("utf-8")
        except UnicodeDecodeError:
            text = frame.decode("utf-8", "ignore")
            not_utf8 = len(frame) - len(text.encode("utf-8"))
            not_text = not_utf8 + len(NOT_TEXT.findall(text))
            return FrameDropped(self._not_text_reason(not_text, len(frame)), size=len(frame))
        # Framing around the data, not part of it: STX/ETX, and CR/LF next to a custom suffix.
        text = text.strip("\r\n")
        if text.startswith(STX):
            text = text[1:]
        if text.endswith(ETX):
            text = text[:-1]
        controls = len(NOT_TEXT.findall(text))
        if controls:
            return FrameDropped(self._not_text_reason(controls, len(frame)), size=len(frame))
        return Frame(text) if text else None

    @staticmethod
    def _not_text_reason(count: int, size: int) -> str:
        noun = "byte" if count == 1 else "bytes"
        return f"received {count} {noun} that are not text (a frame of {size} bytes dropped)"


class SerialPortSource(ScanSource):
    """Reads one serial-port scanner on a daemon thread; see :class:`ScanSource` for callbacks.

    ``read_timeout`` bounds how long a read waits before checking for ``stop()`` (``stop()``
    also cancels the read at once); ``backoff`` paces reopening a vanished port.
    """

    def __init__(
        self,
        settings: SerialScannerSettings,
        on_scan: ScanCallback,
        on_state: StateCallback | None = None,
        on_error: ErrorCallback | None = None,
        *,
        backoff: Backoff | None = None,
        read_timeout: float = 0.2,
        max_frame_bytes: int = MAX_FRAME_BYTES,
    ) -> None:
        super().__init__(settings.source_name, on_scan, on_state, on_error, backoff=backoff)
        self.settings = settings
        self.read_timeout = read_timeout
        self.max_frame_bytes = max_frame_bytes
        self._port: Any = None
        self._port_lock = threading.Lock()

    def _session(self) -> None:
        port = self._open()
        with self._port_lock:
            self._port = port
        assembler = FrameAssembler(self.settings.suffix, self.max_frame_bytes)
        try:
            self._connected(f"{self.settings.baud} baud")
            self._read_until_lost(port, assembler)
        finally:
            with self._port_lock:
                self._port = None
                with contextlib.suppress(Exception):
                    port.close()

    def _interrupt(self) -> None:
        with self._port_lock:
            if self._port is not None:
                self._port.cancel_read()

    def _open(self) -> Any:
        s = self.settings
        try:
            return serial.Serial(
                port=s.port,
                baudrate=s.baud,
                bytesize=s.bytesize,
                parity=s.parity,
                stopbits=s.stopbits,
                timeout=self.read_timeout,
                exclusive=True,
            )
        except serial.SerialException as exc:
            raise self._explain_open_failure(exc) from exc
        except (OSError, ValueError) as exc:
            raise DeviceUnavailable("error", f"cannot open {s.port}: {exc}") from exc

    def _explain_open_failure(self, exc: serial.SerialException) -> DeviceUnavailable:
        port = self.settings.port
        code = getattr(exc, "errno", None)
        if code in (errno.EACCES, errno.EPERM):
            return DeviceUnavailable("error", permission_help(port, "serial"))
        if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO):
            return DeviceUnavailable("waiting", f"waiting for {port} (not plugged in?)")
        if "exclusively lock" in str(exc) or code in (errno.EBUSY, errno.EAGAIN):
            return DeviceUnavailable("error", f"{port} is in use by another program")
        return DeviceUnavailable("error", f"cannot open {port}: {exc}")

    def _read_until_lost(self, port: Any, assembler: FrameAssembler) -> None:
        while not self._stopping():
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError) as exc:
                assembler.reset()  # a half frame from before the loss is never a scan
                self._set_state("disconnected", f"lost {self.settings.port}: {exc}")
                return
            for result in assembler.feed(data):
                if isinstance(result, Frame):
                    self._deliver_scan(result.text)
                else:
                    self._report_error(f"{result.reason} from {self.settings.port}")
