"""Scanner reader and decoder only: a frame written to a pty until the decoded scan reaches
the reader's callback. No screen, no database: it is one part of "scan to screen".

A serial-port scanner is played by the master end of a real pseudo-terminal; the real
:class:`~serialpos.devices.serial_port.SerialPortSource` reads the slave end with pyserial on
its thread, and its ``on_scan`` callback runs the real decoder. The time from ``os.write`` of
the frame to the decoded scan in the callback is "pty write to decoded scan (reader +
decoder, no screen)". It is not judged against the "< 50 ms to screen" target: the whole path
to the screen (the same pty and reader, then the console's message queue, the lookup on a
database of ``--units`` units and the repaint) is scan_screen_bench's "pty write to card on
screen", which is.

Scans are written one at a time, each after the previous arrived, as a person scans.
Nothing here asserts a time: it measures and reports.

    .venv/bin/python bench/pty_bench.py [--quick] [--scans N]
"""

from __future__ import annotations

import os
import queue
import statistics
import time
import tty

from serialpos.devices.serial_port import SerialPortSource
from serialpos.devices.settings import SerialScannerSettings
from serialpos.devices.source import SourceState
from serialpos.domain.decoder import DecodedScan, decode

#: No target of its own: the "< 50 ms to screen" target is judged in scan_screen_bench.
TARGETS: dict[str, str] = {}
QUICK_KWARGS: dict[str, object] = {"scans": 50}
LABEL = "pty write to decoded scan (reader + decoder, no screen)"

SCANS = 200
FRAMES = (
    b"]d2010950600013435221SN%06d\x1d10LOT7\r\n",
    b"9506000134352\r",
    b"SN-%06d\n",
)


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(value: float) -> str:
    return f"{value:.3f} ms"


def measure(scans: int = SCANS, timeout: float = 5.0) -> list[float]:
    """Milliseconds from pty write to decoded scan, for ``scans`` scans in turn."""
    master, slave = os.openpty()
    tty.setraw(slave)
    arrived: queue.Queue[tuple[float, DecodedScan]] = queue.Queue()
    states: queue.Queue[SourceState] = queue.Queue()

    def on_scan(raw: str, source_name: str) -> None:
        decoded = decode(raw)
        arrived.put((time.perf_counter(), decoded))

    source = SerialPortSource(SerialScannerSettings(port=os.ttyname(slave)), on_scan, states.put)
    source.start()
    try:
        while states.get(timeout=timeout).status != "connected":
            pass
        samples: list[float] = []
        for number in range(scans):
            frame = FRAMES[number % len(FRAMES)]
            data = frame % number if b"%" in frame else frame
            written = time.perf_counter()
            os.write(master, data)
            received, decoded = arrived.get(timeout=timeout)
            if decoded.kind == "unreadable":
                raise RuntimeError(f"bench frame {data!r} did not decode: {decoded.error}")
            samples.append((received - written) * 1000)
        return samples
    finally:
        source.stop()
        os.close(master)
        os.close(slave)


def run(scans: int = SCANS) -> list[tuple[str, str]]:
    samples = measure(scans)
    return [
        (f"{LABEL}, scans", str(len(samples))),
        (f"{LABEL} (median)", _ms(statistics.median(samples))),
        (f"{LABEL} (p95)", _ms(_p(samples, 0.95))),
        (f"{LABEL} (max)", _ms(max(samples))),
    ]


if __name__ == "__main__":
    from benchkit import main

    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
