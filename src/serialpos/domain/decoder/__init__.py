"""The one barcode decoder: raw scanner output in, a classified ``DecodedScan`` out.

Pure rules, so it lives in the domain; the scan sources in ``serialpos.devices`` call it.
By job: ``scan`` (the result and shared checks), ``symbology`` (AIM identifiers, EAN/UPC),
``gs1`` (element strings, Digital Link, HRI) and ``classify`` (``decode`` itself).
"""

from __future__ import annotations

from serialpos.domain.decoder.classify import decode
from serialpos.domain.decoder.scan import (
    GS,
    MAX_SCAN_LENGTH,
    SCAN_KINDS,
    DecodedScan,
    ScanKind,
    gs_substitute_error,
    looks_like_gtin_with_bad_check_digit,
)

__all__ = [
    "GS",
    "MAX_SCAN_LENGTH",
    "SCAN_KINDS",
    "DecodedScan",
    "ScanKind",
    "decode",
    "gs_substitute_error",
    "looks_like_gtin_with_bad_check_digit",
]
