"""An ASN file in CSV: one row per ASN line, columns ``ASN``, ``Vendor``, ``SKU``,
``Quantity`` and optionally ``Serials`` (joined with ``|``) and ``CasePack``.

Header names are matched without regard to case or surrounding spaces (files come from many
vendors' systems and spreadsheets). docs/asn.md documents the format."""

from __future__ import annotations

import csv
import io

from serialpos.domain.asn_checks import add_row, finish_file
from serialpos.domain.asn_rows import (
    COLUMNS,
    REQUIRED_COLUMNS,
    SERIAL_SEPARATOR,
    AsnDoc,
    ParsedAsnFile,
    Problem,
)
from serialpos.domain.text import clip


def _header(names: list[str], problems: list[Problem]) -> dict[str, int] | None:
    """The column index of each known column, or None when a required one is missing."""
    known = {c.lower(): c for c in COLUMNS}
    index: dict[str, int] = {}
    for i, raw in enumerate(names):
        name = raw.strip().lstrip("\ufeff").strip()
        column = known.get(name.lower())
        if column is None:
            if name:
                problems.append(
                    Problem(
                        "line 1", f"unknown column '{clip(name)}' (known: {', '.join(COLUMNS)})"
                    )
                )
            continue
        if column in index:
            problems.append(Problem("line 1", f"column {column} appears twice"))
            continue
        index[column] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    for column in missing:
        problems.append(Problem("line 1", f"missing column {column}"))
    return None if missing else index


def parse_csv(text: str) -> ParsedAsnFile:
    """Every ASN in a CSV file and every problem the file has in itself."""
    problems: list[Problem] = []
    if csv.field_size_limit() < 256 * 1024 * 1024:
        csv.field_size_limit(256 * 1024 * 1024)  # a Serials cell may list 100k serials
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        names = next(reader)
    except StopIteration:
        return ParsedAsnFile([], [Problem("file", "the file is empty: no header, no rows")])
    except csv.Error as exc:
        return ParsedAsnFile([], [Problem("line 1", f"not readable as CSV: {exc}")])
    index = _header(names, problems)
    if index is None:
        return ParsedAsnFile([], problems)
    docs: dict[str, AsnDoc] = {}
    start = reader.line_num + 1
    try:
        for cells in reader:
            where = f"line {start}"
            start = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(names):
                problems.append(
                    Problem(where, f"{len(cells)} cells but the header names {len(names)} columns")
                )
                continue

            def cell(column: str, cells: list[str] = cells) -> str:
                i = index.get(column)
                return cells[i] if i is not None and i < len(cells) else ""

            raw_serials = cell("Serials").strip()
            listed = raw_serials.split(SERIAL_SEPARATOR) if raw_serials else []
            add_row(
                docs,
                problems,
                where,
                cell("ASN"),
                cell("Vendor"),
                cell("SKU"),
                cell("Quantity"),
                listed,
                cell("CasePack"),
            )
    except csv.Error as exc:
        problems.append(Problem(f"line {reader.line_num}", f"not readable as CSV: {exc}"))
    return finish_file(list(docs.values()), problems)
