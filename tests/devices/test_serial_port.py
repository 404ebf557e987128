"""The serial-port scanner source, against a real pseudo-terminal pair and real pyserial.

The far end of the pty plays the scanner: what is written to the master arrives on the slave
port that the source has open. Assertions wait on queues with timeouts, never on sleeps.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
import tty
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serialpos.devices.evdev_source import EvdevSource
from serialpos.devices.serial_port import (
    MAX_FRAME_BYTES,
    Frame,
    FrameAssembler,
    FrameDropped,
    SerialPortSource,
)
from serialpos.devices.settings import SerialScannerSettings, parse_scanner_settings
from serialpos.devices.source import Backoff, SourceState, build_sources

WAIT = 5.0
FAST = Backoff(first=0.05, longest=0.2)


# -- the pure framing ----------------------------------------------------------------------


def texts(results: list[Frame | FrameDropped]) -> list[str]:
    return [r.text for r in results if isinstance(r, Frame)]


def test_cr_lf_and_crlf_each_end_a_frame_and_empty_frames_are_ignored() -> None:
    assembler = FrameAssembler()
    results = assembler.feed(b"one\rtwo\nthree\r\n\r\n\n\rfour")
    assert texts(results) == ["one", "two", "three"]
    assert assembler.feed(b"\r") == [Frame("four")]


def test_a_crlf_split_between_reads_gives_one_frame() -> None:
    assembler = FrameAssembler()
    assert assembler.feed(b"0123\r") == [Frame("0123")]
    assert assembler.feed(b"\n") == []
    assert assembler.feed(b"4567\n") == [Frame("4567")]


def test_custom_suffix_split_across_reads() -> None:
    assembler = FrameAssembler(suffix="#!")
    assert assembler.feed(b"ABC#") == []
    assert assembler.feed(b"!DEF#") == [Frame("ABC")]
    assert assembler.feed(b"!") == [Frame("DEF")]
    # With a custom suffix CR and LF are data delimiters no more; around a frame they go.
    assert assembler.feed(b"G\r\nH#!") == [
        FrameDropped("received 2 bytes that are not text (a frame of 4 bytes dropped)", size=4)
    ]
    assert assembler.feed(b"\r\nIJ#!") == [Frame("IJ")]


def test_gs_and_stx_etx_framing() -> None:
    assembler = FrameAssembler()
    assert assembler.feed(b"\x02]d2010950600013435221ABC\x1d10LOT\x03\r") == [
        Frame("]d2010950600013435221ABC\x1d10LOT")
    ]


def test_bytes_that_are_not_text_drop_the_whole_frame() -> None:
    assembler = FrameAssembler()
    results = assembler.feed(b"12\xff\xfe\xfd34\rOK\r")
    assert results[0] == FrameDropped(
        "received 3 bytes that are not text (a frame of 7 bytes dropped)", size=7
    )
    assert results[1:] == [Frame("OK")]
    assert texts(assembler.feed(b"\x00\x00\x00\rnext\r")) == ["next"]


def test_an_oversized_frame_is_dropped_and_memory_stays_capped() -> None:
    assembler = FrameAssembler(max_frame_bytes=1024)
    dropped: list[Frame | FrameDropped] = []
    for _ in range(1000):  # 1 MB without a terminator, in 1 KiB reads
        dropped += assembler.feed(b"A" * 1024)
        assert assembler.pending_bytes <= 1024
    assert len(dropped) == 1 and isinstance(dropped[0], FrameDropped)
    # The tail of the long frame is not a scan; the next frame is.
    assert assembler.feed(b"AAAA\rNEXT\r") == [Frame("NEXT")]


def test_an_oversized_frame_complete_in_one_read_is_dropped() -> None:
    assembler = FrameAssembler(max_frame_bytes=10)
    results = assembler.feed(b"X" * 50 + b"\rOK\r")
    assert isinstance(results[0], FrameDropped) and results[0].size == 50
    assert results[1:] == [Frame("OK")]


def test_reset_forgets_half_a_frame() -> None:
    assembler = FrameAssembler()
    assembler.feed(b"HALF")
    assembler.reset()
    assert assembler.feed(b"WHOLE\r") == [Frame("WHOLE")]


@settings(max_examples=300, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=200), max_size=30),
    suffix=st.one_of(st.none(), st.sampled_from(["\r", "\n", "\r\n", "#", "\x03", "END"])),
    limit=st.integers(min_value=4, max_value=64),
)
def test_any_chunks_never_raise_and_never_give_a_frame_holding_a_terminator(
    chunks: list[bytes], suffix: str | None, limit: int
) -> None:
    assembler = FrameAssembler(suffix=suffix, max_frame_bytes=limit)
    for chunk in chunks:
        for result in assembler.feed(chunk):
            if isinstance(result, Frame):
                assert result.text
                assert len(result.text.encode("utf-8")) <= limit
                if suffix is None:
                    assert "\r" not in result.text and "\n" not in result.text
                else:
                    assert suffix not in result.text
            else:
                assert result.reason
        assert assembler.pending_bytes <= limit + len(suffix or "x")


@settings(max_examples=200, deadline=None)
@given(
    frames=st.lists(
        st.text(st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=1, max_size=40),
        max_size=10,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=500), max_size=10),
)
def test_frames_split_anywhere_are_joined(frames: list[str], cuts: list[int]) -> None:
    stream = b"".join(frame.encode("utf-8") + b"\r\n" for frame in frames)
    points = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    assembler = FrameAssembler()
    got: list[str] = []
    for start, end in itertools.pairwise(points):
        got += texts(assembler.feed(stream[start:end]))
    assert got == frames


# -- the live source on a pty --------------------------------------------------------------


@dataclass
class Pty:
    """A pseudo-terminal pair: write to ``master`` as the scanner; the source opens ``path``."""

    master: int
    slave: int
    path: str
    closed: bool = False

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.master)
            os.close(self.slave)


def open_pty() -> Pty:
    master, slave = os.openpty()
    tty.setraw(slave)
    return Pty(master, slave, os.ttyname(slave))


@pytest.fixture
def pty() -> Iterator[Pty]:
    pair = open_pty()
    yield pair
    pair.close()


@dataclass
class Recorder:
    """Collects what the source reports, for the test thread to wait on."""

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

    def next_scans(self, count: int) -> list[str]:
        return [self.scans.get(timeout=WAIT) for _ in range(count)]


def start_source(path: str, recorder: Recorder, suffix: str | None = None) -> SerialPortSource:
    source = SerialPortSource(
        SerialScannerSettings(port=path, suffix=suffix),
        recorder.on_scan,
        recorder.on_state,
        recorder.on_error,
        backoff=FAST,
    )
    source.start()
    recorder.wait_state("connected")
    return source


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def test_frames_with_cr_lf_and_crlf(pty: Pty, recorder: Recorder) -> None:
    source = start_source(pty.path, recorder)
    try:
        pty.write(b"]C1ABC123\rSER-2\n0950600013435\r\n")
        assert recorder.next_scans(3) == ["]C1ABC123", "SER-2", "0950600013435"]
        pty.write(b"\r\n\r\nAFTER-BLANKS\r")
        assert recorder.next_scans(1) == ["AFTER-BLANKS"]
    finally:
        assert source.stop()


def test_custom_suffix(pty: Pty, recorder: Recorder) -> None:
    source = start_source(pty.path, recorder, suffix="\x03")
    try:
        pty.write(b"ONE\x03TWO\x03")
        assert recorder.next_scans(2) == ["ONE", "TWO"]
    finally:
        source.stop()


def test_frames_split_across_writes_are_joined(pty: Pty, recorder: Recorder) -> None:
    source = start_source(pty.path, recorder)
    try:
        for piece in (b"]d20109", b"50600013", b"4352", b"21SN", b"-77\r", b"\nNEXT", b"\r"):
            pty.write(piece)
            time.sleep(0.02)  # pacing the scanner, not a wait for the result
        assert recorder.next_scans(2) == ["]d2010950600013435221SN-77", "NEXT"]
    finally:
        source.stop()


def test_garbage_is_reported_and_the_next_frame_still_arrives(pty: Pty, recorder: Recorder) -> None:
    source = start_source(pty.path, recorder)
    try:
        pty.write(b"\xde\xad\xbe\xef\x00\r")
        error = recorder.errors.get(timeout=WAIT)
        assert "not text" in error and pty.path in error
        pty.write(b"GOOD-1\r")
        assert recorder.next_scans(1) == ["GOOD-1"]
        assert recorder.scans.empty()  # the garbage frame was never delivered
    finally:
        source.stop()


def test_a_one_megabyte_frame_is_dropped_and_the_source_keeps_working(
    pty: Pty, recorder: Recorder
) -> None:
    source = start_source(pty.path, recorder)
    try:
        # The pty buffer is small, so the write blocks until the reader drains it.
        writer = threading.Thread(target=pty.write, args=(b"9" * (1 << 20) + b"\r",))
        writer.start()
        error = recorder.errors.get(timeout=WAIT)
        assert f"longer than {MAX_FRAME_BYTES} bytes" in error
        writer.join(WAIT)
        assert not writer.is_alive()
        pty.write(b"SMALL\r")
        assert recorder.next_scans(1) == ["SMALL"]
        assert recorder.scans.empty()
        assert recorder.errors.empty()  # one report for the one long frame
    finally:
        source.stop()


def linked_pty(tmp_path: Path) -> tuple[Pty, Path]:
    """A pty reached through a stable name, as /dev/serial/by-id/... names a USB adapter.

    Tests that close a pty remove the name first, as unplugging does: a freed /dev/pts/N may
    be handed to another test running in parallel, and the source must not reopen that one.
    """
    pair = open_pty()
    link = tmp_path / "scanner"
    link.symlink_to(pair.path)
    return pair, link


def test_far_end_closing_is_reported_and_stop_is_prompt(tmp_path: Path, recorder: Recorder) -> None:
    pair, link = linked_pty(tmp_path)
    source = start_source(str(link), recorder)
    try:
        pair.write(b"HALF-A-SC")
        link.unlink()
        pair.close()  # the far end hangs up: the master fd is closed
        state = recorder.wait_state("disconnected", "waiting")
        assert str(link) in state.message
        # It keeps trying to reopen: the thread is alive and says it is waiting.
        assert recorder.wait_state("waiting").message.startswith("waiting for")
        assert source.running
    finally:
        started = time.monotonic()
        assert source.stop(timeout=WAIT)
        assert time.monotonic() - started < 1.0
    assert recorder.scans.empty()  # the half scan was not acted on
    assert source.state.status == "disconnected"


def test_reconnects_when_the_port_comes_back(tmp_path: Path, recorder: Recorder) -> None:
    first, link = linked_pty(tmp_path)
    source = start_source(str(link), recorder)
    second: Pty | None = None
    try:
        first.write(b"BEFORE\r")
        assert recorder.next_scans(1) == ["BEFORE"]
        link.unlink()
        first.close()
        recorder.wait_state("disconnected", "waiting")
        second = open_pty()
        link.symlink_to(second.path)
        recorder.wait_state("connected")
        second.write(b"AFTER\r")
        assert recorder.next_scans(1) == ["AFTER"]
    finally:
        source.stop()
        if second is not None:
            second.close()


def test_a_missing_port_waits_without_crashing(tmp_path: Path, recorder: Recorder) -> None:
    source = SerialPortSource(
        SerialScannerSettings(port=str(tmp_path / "ttyUSB9")),
        recorder.on_scan,
        recorder.on_state,
        backoff=FAST,
    )
    source.start()
    try:
        state = recorder.wait_state("waiting", "error")
        assert state.status == "waiting" and "ttyUSB9" in state.message
    finally:
        started = time.monotonic()
        assert source.stop()
        assert time.monotonic() - started < 1.0


def test_a_failing_scan_callback_does_not_stop_the_reader(pty: Pty, recorder: Recorder) -> None:
    calls: list[str] = []

    def flaky(raw: str, source_name: str) -> None:
        calls.append(raw)
        if raw == "BOOM":
            raise RuntimeError("screen went away")
        recorder.on_scan(raw, source_name)

    source = SerialPortSource(
        SerialScannerSettings(port=pty.path),
        flaky,
        recorder.on_state,
        recorder.on_error,
        backoff=FAST,
    )
    source.start()
    try:
        recorder.wait_state("connected")
        pty.write(b"BOOM\rFINE\r")
        assert "screen went away" in recorder.errors.get(timeout=WAIT)
        assert recorder.next_scans(1) == ["FINE"]
    finally:
        source.stop()


def test_sources_are_built_from_the_scanner_settings() -> None:
    settings = parse_scanner_settings(
        {"serial": [{"port": "/dev/ttyUSB0"}], "evdev": [{"name": "Honeywell"}]}
    )
    sources = build_sources(settings, Recorder().on_scan)
    assert [type(source) for source in sources] == [SerialPortSource, EvdevSource]
    assert sources[0].name == "/dev/ttyUSB0" and not sources[0].running
