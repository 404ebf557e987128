"""A label's serial that may have swallowed the fields after it (domain/decoder/run_on.py):
``01…21DRL18-B777 GS 10LOT1`` with the GS lost (telnet's escape key, Ctrl+]) read as the
serial ``DRL18-B77710LOT1`` and a blind receipt made that unit (walk of session eighteen)."""

from __future__ import annotations

import pytest

from serialpos.domain.decoder import GS, decode
from serialpos.domain.decoder.run_on import serial_run_on
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import ProductFacts, run_on_refusal

DRILL = ProductFacts("TL-DRL18", "Drill 18V", SerialMode.OPTIONAL)
BOX = "0105012345000053"


@pytest.mark.parametrize(
    ("serial", "reading"),
    [
        ("DRL18-B77710LOT1", ("DRL18-B777", "batch/lot (10) 'LOT1'")),
        ("ABCD17261231", ("ABCD", "expiry (17) '261231'")),
        # the shortest end that reads: the longest serial offered
        ("SN12341525063010L7", ("SN123415250630", "batch/lot (10) 'L7'")),
    ],
)
def test_the_end_of_a_serial_that_reads_as_a_lot_or_a_date(
    serial: str, reading: tuple[str, str]
) -> None:
    assert serial_run_on(serial) == reading


@pytest.mark.parametrize(
    "serial",
    [
        "DRL18-A001",  # no AI at its end
        "SN-2024-10-001",  # a lot never starts with "-"
        "ABC17261231",  # "ABC" is too short a serial to offer
        "ABCD17261341",  # not a date: 13th month
        "10LOT1",  # the whole serial: nothing before it
    ],
)
def test_serials_that_do_not_read_as_run_on(serial: str) -> None:
    assert serial_run_on(serial) is None


def test_only_a_scan_with_no_separator_anywhere_is_suspect() -> None:
    lost = decode(f"{BOX}21DRL18-B77710LOT1")
    assert (lost.kind, lost.serial) == ("product_serial", "DRL18-B77710LOT1")
    assert lost.run_on == ("DRL18-B777", "batch/lot (10) 'LOT1'")
    assert "run_on" not in lost.to_json()  # the pinned JSON shape is unchanged
    kept = decode(f"{BOX}21DRL18-B777{GS}10LOT1")
    assert (kept.serial, kept.batch, kept.run_on) == ("DRL18-B777", "LOT1", None)
    # The scanner sends GS (before the serial here): a serial read to the end is the last field.
    sends_gs = decode(f"{BOX}10LOT9{GS}21DRL18-B77710LOT1")
    assert (sends_gs.serial, sends_gs.batch, sends_gs.run_on) == ("DRL18-B77710LOT1", "LOT9", None)
    # Human-readable form: the parentheses say where each field starts.
    assert decode("(01)05012345000053(21)DRL18-B77710LOT1").run_on is None


def test_the_product_says_whether_the_shorter_reading_is_its_serial() -> None:
    """The scan alone cannot tell; the product's units (their serials' lengths) or its
    serial format can. No evidence either way: the serial is taken as read."""
    scan = decode(f"{BOX}21DRL18-B77710LOT1")
    assert scan.run_on is not None
    refused = run_on_refusal(DRILL, "DRL18-B77710LOT1", scan.run_on, {10})
    assert refused is not None and refused.code == "bad_serial_format"
    assert "'DRL18-B77710LOT1' may be 'DRL18-B777' + batch/lot (10) 'LOT1'" in refused.message
    assert "type the serial" in refused.message
    assert run_on_refusal(DRILL, "DRL18-B77710LOT1", scan.run_on, set()) is None  # no units
    assert run_on_refusal(DRILL, "DRL18-B77710LOT1", scan.run_on, {10, 16}) is None
    # A format that takes the whole reading (an IMEI holding "10"): as read.
    imei = decode(f"{BOX}21490154201012343")
    assert imei.run_on == ("49015420", "batch/lot (10) '12343'")
    phone = ProductFacts("PH", "Phone", SerialMode.REQUIRED, "imei")
    assert run_on_refusal(phone, "490154201012343", imei.run_on, {15}) is None
    # A format that takes the shorter reading only: refused, whatever the units say.
    tag = ProductFacts("TAG", "Tag", SerialMode.REQUIRED, "[A-Z]{4}[0-9]{3}")
    assert run_on_refusal(tag, "ABCD12310L1", ("ABCD123", "batch/lot (10) 'L1'"), set())


def test_typed_serials_carry_no_run_on() -> None:
    typed = decode("DRL18-B77710LOT1")
    assert (typed.kind, typed.serial, typed.run_on) == ("serial", "DRL18-B77710LOT1", None)
