"""The receipt printer link: settings from ``[receipt_printer]`` (bad values named), and a
receipt sent to a stand-in that records the bytes: over TCP on 127.0.0.1 and over a pty
(a serial printer); out of paper, unplugged mid-receipt and unreachable each said in words."""

from __future__ import annotations

import os
import pty
import threading
import tty
from pathlib import Path

import pytest

from escpos_standin import PAPER_OUT, TcpPrinter, decode
from serialpos.config import ConfigError, TerminalConfig, load_config
from serialpos.devices.receipt_printer import (
    PrinterFailed,
    ReceiptPrinterSettings,
    receipt_printer_settings,
    send_receipt,
)

RECEIPT = b"\x1b@Hello\n\x1dV\x00"


def _settings(table: dict[str, object]) -> ReceiptPrinterSettings | None:
    return receipt_printer_settings(TerminalConfig(receipt_printer=table))


def _net(port: int, **more: object) -> ReceiptPrinterSettings:
    found = _settings({"connection": "network", "host": "127.0.0.1", "port": port, **more})
    assert found is not None
    return found


def test_settings_from_the_terminal_config(tmp_path: Path) -> None:
    path = tmp_path / "terminal.toml"
    path.write_text(
        '[receipt_printer]\nconnection = "usb"\nusb_vendor = "04b8"\nusb_product = "0e15"\n'
        'profile = "TM-T88V"\ndrawer_pin = 5\n'
    )
    config = load_config(path, env={})
    assert config.warnings == ()
    found = receipt_printer_settings(config)
    assert found == ReceiptPrinterSettings(
        connection="usb", usb_vendor=0x04B8, usb_product=0x0E15, profile="TM-T88V", drawer_pin=5
    )
    assert receipt_printer_settings(TerminalConfig()) is None  # no table: no printer


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ({"connection": "bluetooth"}, 'connection must be "network", "serial" or "usb"'),
        ({"connection": "network"}, "a network printer needs host"),
        ({"connection": "serial"}, "a serial printer needs device"),
        ({"connection": "network", "host": "p", "port": 0}, "port must be a number from 1"),
        ({"connection": "network", "host": "p", "drawer_pin": 3}, "drawer_pin must be 2 or 5"),
        ({"connection": "usb", "usb_vendor": "zz", "usb_product": 1}, "usb_vendor must be"),
        ({"connection": "network", "host": "p", "colour": 1}, "unknown key 'colour'"),
    ],
)
def test_bad_settings_are_named(table: dict[str, object], said: str) -> None:
    with pytest.raises(ConfigError, match=said.replace("(", r"\(")):
        _settings(table)


def test_a_receipt_over_tcp_arrives_whole_with_status_requests_around_it() -> None:
    with TcpPrinter() as printer:
        send_receipt(_net(printer.port), RECEIPT)
        got = decode(bytes(printer.received))
    assert got.lines == ["Hello"] and got.cuts == 1
    assert got.status_requests == 2  # asked before and after the receipt


def test_out_of_paper_is_said_and_nothing_is_printed() -> None:
    with TcpPrinter(paper=PAPER_OUT) as printer:
        with pytest.raises(PrinterFailed, match="is out of paper"):
            send_receipt(_net(printer.port), RECEIPT)
        assert b"Hello" not in printer.received


def test_unplugged_mid_receipt_is_said() -> None:
    big = b"\x1b@" + b"line of the receipt\n" * 5000 + b"\x1dV\x00"
    with TcpPrinter(drop_after=1000) as printer, pytest.raises(PrinterFailed, match="mid-receipt"):
        send_receipt(_net(printer.port, timeout=2), big)


def test_a_printer_that_never_answers_status_is_taken_to_have_printed() -> None:
    with TcpPrinter(silent=True) as printer:
        send_receipt(_net(printer.port, status_wait=0.05), RECEIPT)
        assert RECEIPT in bytes(printer.received)


def test_an_unreachable_printer_is_said() -> None:
    with TcpPrinter() as printer:
        port = printer.port
    with pytest.raises(PrinterFailed, match=f"127.0.0.1:{port} cannot be reached"):
        send_receipt(_net(port, timeout=1), RECEIPT)


def test_a_serial_printer_on_a_pty() -> None:
    master, slave = pty.openpty()
    tty.setraw(slave)
    received = bytearray()

    def printer() -> None:  # answers each status request with "paper present"
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            received.extend(chunk)
            for _ in range(chunk.count(b"\x10\x04\x04")):
                os.write(master, b"\x12")
            if b"\x1dV\x00" in received and received.count(b"\x10\x04\x04") >= 2:
                return

    thread = threading.Thread(target=printer, daemon=True)
    thread.start()
    found = _settings({"connection": "serial", "device": os.ttyname(slave), "baudrate": 19200})
    assert found is not None
    send_receipt(found, RECEIPT)
    thread.join(5)
    os.close(master)
    os.close(slave)
    assert decode(bytes(received)).lines == ["Hello"]


def test_a_serial_device_that_is_missing_is_said(tmp_path: Path) -> None:
    found = _settings({"connection": "serial", "device": str(tmp_path / "ttyUSB9")})
    assert found is not None
    with pytest.raises(PrinterFailed, match="ttyUSB9 cannot be reached"):
        send_receipt(found, RECEIPT)
