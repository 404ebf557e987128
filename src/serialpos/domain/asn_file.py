"""Reading an ASN file whatever its format: which format it is, then its parser.

Pure: what needs the catalogue or the ledger is checked by services/asn/importing.py."""

from __future__ import annotations

from serialpos.domain.asn_csv import parse_csv
from serialpos.domain.asn_json import parse_json
from serialpos.domain.asn_rows import ParsedAsnFile, Problem


def looks_like_json(name: str, data: bytes) -> bool:
    """By extension first (.json / .csv), else by content: JSON starts with ``{`` or ``[``."""
    lower = name.lower()
    if lower.endswith(".json"):
        return True
    if lower.endswith(".csv"):
        return False
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def parse_asn_file(name: str, data: bytes) -> ParsedAsnFile:
    """Every ASN in the file and every problem the file has in itself."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ParsedAsnFile(
            [], [Problem("file", f"not UTF-8 text (byte {exc.start + 1} cannot be read)")]
        )
    if "\x00" in text:
        return ParsedAsnFile([], [Problem("file", "holds NUL bytes: not a text file")])
    return parse_json(text) if looks_like_json(name, data) else parse_csv(text)
