"""Benchmark: time per scan of the barcode decoder on a realistic mix (target: p99 < 1 ms).

A scan is decoded on the till's UI path, so its cost must stay invisible. ``run()`` returns
(metric, value) rows for bench/run.py. No database: the size is the number of scans.

    .venv/bin/python bench/decode_bench.py [--quick] [--scans N]
"""

from __future__ import annotations

import random
import statistics
import time

from serialpos.domain.decoder import GS, decode

SCANS = 20_000
QUICK_KWARGS: dict[str, object] = {"scans": 5_000}
TARGETS: dict[str, str] = {"decode: p99 ms/scan": "< 1 ms"}

_GTIN = "09506000134352"
# (raw, gs_substitute): the kinds of scans a shop sees, plus the garbage it sometimes gets.
_MIX: list[tuple[str | bytes, str | None]] = [
    (f"]C101{_GTIN}21SN12345678{GS}10LOT42{GS}17261200\r\n", None),  # GS1-128, real GS
    (f"]d201{_GTIN}21ABC-123~10L1", "~"),  # GS1 DataMatrix, substitute
    (f"01{_GTIN}21SN-0001", None),  # GS1 without AIM prefix
    (f"https://id.gs1.org/01/{_GTIN}/21/ABC123?10=LOT", None),  # Digital Link
    ("]E05901234123457", None),  # EAN-13
    ("5901234123457\r\n", None),  # EAN-13, no prefix
    ("036000291452", None),  # UPC-A
    ("SN-001\r\n", None),  # plain serials
    ("LX-001", None),
    ("]C0C02XK1ABHG7F", None),
    ("5901234123458", None),  # numeric serial / bad check digit
    (f"]C101{_GTIN}23XYZ", None),  # unknown AI
    ("]E05901234123458", None),  # bad check digit
    ("SN\x00\x01garbage", None),  # control characters
    (b"\xff\xfe\xfd", None),  # not UTF-8
    ("", None),  # empty
]


def _timings(scans: int, seed: int = 7) -> tuple[list[float], list[float]]:
    """Milliseconds per scan for all scans, and for the GS1 ones (the expensive path)."""
    rng = random.Random(seed)
    batch = [rng.choice(_MIX) for _ in range(scans)]
    for raw, substitute in _MIX:  # warm caches (regexes, biip tables) outside the timing
        decode(raw, gs_substitute=substitute)
    clock = time.perf_counter
    timings: list[float] = []
    gs1: list[float] = []
    for raw, substitute in batch:
        start = clock()
        result = decode(raw, gs_substitute=substitute)
        elapsed = (clock() - start) * 1000.0
        timings.append(elapsed)
        if result.kind == "product_serial":
            gs1.append(elapsed)
    return timings, gs1


def run(scans: int = SCANS) -> list[tuple[str, str]]:
    """Rows of (metric, value) for the decoder benchmark."""
    timings, gs1 = _timings(scans)
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return [
        ("decode: scans", f"{len(timings)} (mixed: GS1, substitute, digital link, EAN, serials)"),
        ("decode: median ms/scan", f"{statistics.median(timings):.4f}"),
        ("decode: p99 ms/scan", f"{p99:.4f}"),
        ("decode: max ms/scan", f"{ordered[-1]:.4f}"),
        ("decode: median ms/GS1 product+serial scan", f"{statistics.median(gs1):.4f}"),
        ("decode: p99 under 1 ms", "yes" if p99 < 1.0 else "NO"),
    ]


if __name__ == "__main__":
    from benchkit import main

    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
