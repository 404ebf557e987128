"""The counter's ESC/POS receipt printer and the cash drawer on its kick port: settings from the
terminal config's ``[receipt_printer]`` table, and sending a receipt's bytes over the network
(raw TCP, port 9100), a serial line, or USB.

Decisions:

* ``serialpos.config`` keeps the table raw; this module says what the keys mean and refuses a
  bad value with :class:`~serialpos.config.ConfigError` naming the key, so a till fails at
  start with a sentence instead of at the first sale. No table means no receipt printer, and
  the counter keeps writing invoice PDFs.
* Before and after the receipt the printer is asked for its paper sensor (``DLE EOT 4``). An
  answer saying "paper end" is "out of paper"; a connection that closes or breaks is "not
  answering" or "disconnected mid-receipt". A printer that never answers status requests
  (some do not) is taken to have printed: silence is not an error. Either failure raises
  :class:`PrinterFailed`; the caller has already recorded the sale, and the receipt can be
  printed again from the order.
* The bytes are made elsewhere (:mod:`serialpos.printing.receipt`); this module only moves
  them, so tests can decode exactly what a printer would have received.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from serialpos.config import ConfigError, TerminalConfig
from serialpos.domain.errors import DomainError

CONNECTIONS = ("network", "serial", "usb")
DEFAULT_PORT = 9100
#: DLE EOT 4: "transmit the paper roll sensor status" (one byte back).
PAPER_STATUS = b"\x10\x04\x04"
#: Bits 5 and 6 of that byte: the paper has run out.
PAPER_END = 0x60
KEYS = frozenset(
    {
        "connection",
        "host",
        "port",
        "device",
        "baudrate",
        "usb_vendor",
        "usb_product",
        "profile",
        "columns",
        "drawer_pin",
        "timeout",
        "status_wait",
    }
)


class PrinterFailed(DomainError):
    """The receipt did not print (unplugged, out of paper, refused); nothing recorded changed."""

    code = "printer_failed"


@dataclass(frozen=True)
class ReceiptPrinterSettings:
    """One receipt printer: how to reach it and what it can print."""

    connection: str
    host: str | None = None
    port: int = DEFAULT_PORT
    device: str | None = None
    baudrate: int = 9600
    usb_vendor: int | None = None
    usb_product: int | None = None
    #: A python-escpos printer profile (its code pages, barcode and cut support).
    profile: str = "default"
    #: Characters per line in font A; None: the profile's (42 on most 80 mm printers).
    columns: int | None = None
    #: The drawer kick connector pin: 2 or 5.
    drawer_pin: int = 2
    #: Seconds to connect and to write before the printer is called not answering.
    timeout: float = 5.0
    #: Seconds to wait for an answer to the paper status request.
    status_wait: float = 0.5

    @property
    def where(self) -> str:
        """The printer as a cashier's message names it."""
        if self.connection == "network":
            return f"the receipt printer at {self.host}:{self.port}"
        if self.connection == "serial":
            return f"the receipt printer on {self.device}"
        return f"the USB receipt printer {self.usb_vendor:04x}:{self.usb_product:04x}"


def _number(table: Mapping[str, Any], key: str, low: float, high: float, where: str) -> Any:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{where}: [receipt_printer] {key} must be a number from {low} to {high}")
    return value


def _usb_id(table: Mapping[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if isinstance(value, str):
        try:
            value = int(value, 16)
        except ValueError:
            value = None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFF:
        raise ConfigError(
            f'{where}: [receipt_printer] {key} must be a USB id such as "04b8" (hex) or 1208'
        )
    return value


def receipt_printer_settings(config: TerminalConfig) -> ReceiptPrinterSettings | None:
    """The terminal's receipt printer, or None when its config names none."""
    table = config.receipt_printer
    if not table:
        return None
    where = str(config.path or "the terminal config")
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key '{unknown[0]}' in [receipt_printer] "
            f"(known: {', '.join(sorted(KEYS))})"
        )
    connection = table.get("connection")
    if connection not in CONNECTIONS:
        raise ConfigError(
            f'{where}: [receipt_printer] connection must be "network", "serial" or "usb"'
        )
    text = {k: table[k] for k in ("host", "device", "profile") if k in table}
    for key, value in text.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: [receipt_printer] {key} must be a non-empty string")
    limits = {
        "port": (1, 65535),
        "baudrate": (300, 921600),
        "columns": (24, 80),
        "timeout": (0.1, 120),
        "status_wait": (0, 10),
    }
    num = {k: _number(table, k, *limits[k], where) for k in limits if k in table}
    if "drawer_pin" in table and table["drawer_pin"] not in (2, 5):
        raise ConfigError(f"{where}: [receipt_printer] drawer_pin must be 2 or 5")
    if connection == "network" and "host" not in text:
        raise ConfigError(f"{where}: [receipt_printer] a network printer needs host")
    if connection == "serial" and "device" not in text:
        raise ConfigError(
            f'{where}: [receipt_printer] a serial printer needs device ("/dev/ttyS0")'
        )
    usb = connection == "usb"
    return ReceiptPrinterSettings(
        connection=connection,
        host=text.get("host"),
        port=int(num.get("port", DEFAULT_PORT)),
        device=text.get("device"),
        baudrate=int(num.get("baudrate", 9600)),
        usb_vendor=_usb_id(table, "usb_vendor", where) if usb else None,
        usb_product=_usb_id(table, "usb_product", where) if usb else None,
        profile=text.get("profile", "default"),
        columns=int(num["columns"]) if "columns" in num else None,
        drawer_pin=int(table.get("drawer_pin", 2)),
        timeout=float(num.get("timeout", 5.0)),
        status_wait=float(num.get("status_wait", 0.5)),
    )


class _Link(Protocol):
    def write(self, data: bytes) -> None: ...

    def status(self) -> bytes | None:
        """One status byte; None when the printer does not answer in time; b"" when closed."""

    def close(self) -> None: ...


class _NetworkLink:
    def __init__(self, settings: ReceiptPrinterSettings) -> None:
        assert settings.host is not None
        self.settings = settings
        self.sock = socket.create_connection(
            (settings.host, settings.port), timeout=settings.timeout
        )
        # The 3-byte status request must not wait behind Nagle's algorithm for the receipt's
        # acknowledgement (40 ms of delayed ACK per request on Linux).
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        self.sock.settimeout(self.settings.timeout)
        self.sock.sendall(data)

    def status(self) -> bytes | None:
        self.write(PAPER_STATUS)
        self.sock.settimeout(self.settings.status_wait or None)
        try:
            return self.sock.recv(1)
        except TimeoutError:
            return None

    def close(self) -> None:
        self.sock.close()


class _SerialLink:
    def __init__(self, settings: ReceiptPrinterSettings) -> None:
        import serial

        self.port = serial.Serial(
            settings.device,
            settings.baudrate,
            timeout=settings.status_wait,
            write_timeout=settings.timeout,
        )

    def write(self, data: bytes) -> None:
        self.port.write(data)
        self.port.flush()

    def status(self) -> bytes | None:
        self.write(PAPER_STATUS)
        return self.port.read(1) or None  # a serial line cannot tell silence from absence

    def close(self) -> None:
        self.port.close()


class _UsbLink:
    def __init__(self, settings: ReceiptPrinterSettings) -> None:
        from serialpos.escpos_lib import printer

        self.printer = printer.Usb(
            settings.usb_vendor, settings.usb_product, timeout=int(settings.timeout * 1000)
        )
        self.printer.open(raise_not_found=True)

    def write(self, data: bytes) -> None:
        self.printer._raw(data)  # python-escpos's one call for raw bytes

    def status(self) -> bytes | None:
        self.write(PAPER_STATUS)
        answer = self.printer._read()
        return bytes(answer[:1]) if answer else None

    def close(self) -> None:
        self.printer.close()


def _open(settings: ReceiptPrinterSettings) -> _Link:
    if settings.connection == "network":
        return _NetworkLink(settings)
    if settings.connection == "serial":
        return _SerialLink(settings)
    return _UsbLink(settings)


def _paper_out(answer: bytes | None) -> bool:
    return bool(answer) and bool(answer[0] & PAPER_END)  # type: ignore[index]


def send_receipt(
    settings: ReceiptPrinterSettings, data: bytes, *, drawer_kick: bytes = b""
) -> None:
    """Send one receipt. Raises :class:`PrinterFailed` with what went wrong, in words.
    ``drawer_kick`` (the kick command alone) is sent when the printer is out of paper: the
    cashier still needs the drawer to give change."""
    try:
        link = _open(settings)
    except Exception as exc:  # socket, pyserial and pyusb each raise their own kind
        raise PrinterFailed(f"{settings.where} cannot be reached ({_reason(exc)})") from exc
    try:
        before = link.status()
        if before == b"":
            raise PrinterFailed(f"{settings.where} closed the connection")
        if _paper_out(before):
            if drawer_kick:
                link.write(drawer_kick)
            opened = "; the cash drawer was opened" if drawer_kick else ""
            raise PrinterFailed(f"{settings.where} is out of paper{opened}")
        link.write(data)
        after = link.status()
        if after == b"":
            raise PrinterFailed(f"{settings.where} was disconnected mid-receipt")
        if _paper_out(after):
            raise PrinterFailed(f"{settings.where} ran out of paper mid-receipt")
    except PrinterFailed:
        raise
    except Exception as exc:
        raise PrinterFailed(f"{settings.where} stopped mid-receipt ({_reason(exc)})") from exc
    finally:
        # Closing a broken link may fail too; the failure is already said.
        with contextlib.suppress(Exception):
            link.close()


def _reason(exc: BaseException) -> str:
    strerror = getattr(exc, "strerror", None)
    return str(strerror or exc or type(exc).__name__)
