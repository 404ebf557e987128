"""A streaming XLSX writer for long exports: each sheet's XML is written straight into its
entry of the zip as the rows come, so memory stays flat and nothing is written twice.

Why not XlsxWriter: in its constant-memory mode every cell is a method call that builds
a cell object, checks bounds, formats attributes and writes the XML to a temporary file,
which the closing workbook then copies into the zip (about 4 µs a cell: 62 s for the 14M
cells of a 1M-line sales detail). Here a row is one join of per-cell strings made from
templates prepared once per column, written to the deflate stream of the zip entry (level
1: most of what the XML repeats is tags), and the workbook's parts (styles, workbook,
relationships, content types) are written once the sheets are known.

The layout is the one XlsxWriter's constant-memory mode writes, which Excel, LibreOffice
and openpyxl read: inline strings (``t="inlineStr"``: no shared-string table to hold in
memory), every cell with its reference, a bold frozen header row, column widths, and the
same escapes (``&<>``; control characters as ``_xHHHH_``, a literal ``_xHHHH_`` as
``_x005F_xHHHH_``; text over Excel's 32,767 characters cut there, as XlsxWriter does).
Cells: text always as text (never a formula or a number), ``bool`` as a boolean, ``int`` and
``float`` as numbers, ``Decimal`` as a number shown ``#,##0.00``, ``datetime`` and ``date``
as Excel dates shown ``yyyy-mm-dd hh:mm:ss`` and ``yyyy-mm-dd``; ``None`` leaves the cell
empty.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import quoteattr

#: A row's template and the cells converted before it is filled: (index, conversion).
_Plan = tuple[str, tuple[tuple[int, Callable[[Any], object]], ...]]

#: Excel's longest cell text, in UTF-16 units.
MAX_TEXT = 32_767
#: Rows gathered before one write to the deflate stream.
_ROWS_PER_WRITE = 2_000
_EPOCH = datetime(1899, 12, 31)
_ORDINAL_EPOCH = _EPOCH.toordinal()
#: Anything in text that is not written as it is.
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_EDGE_SPACE = re.compile(r"^\s|\s$")
#: In a row's texts joined by "|": anything that may need an escape or ``xml:space`` (every
#: whitespace but the space, any underscore); no match and no space beside a "|" or at an end
#: means no cell does (a match only sends the row cell by cell).
_ROW_SPECIAL = re.compile(
    "[&<>_\x00-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufffe\uffff]"
)

# Cell styles (the order of cellXfs in styles.xml).
_HEADER, _MONEY, _STAMP, _DAY = 1, 2, 3, 4

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STYLES = (
    _DECL + f"<styleSheet {_NS}>"
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/>'
    '<family val="2"/><scheme val="minor"/></font><font><b/><sz val="11"/><color theme="1"/>'
    '<name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_name(col: int) -> str:
    """``A`` for column 0, ``Z``, ``AA``, ... (Excel's letters)."""
    name = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name


def excel_date(value: datetime | date) -> float:
    """An Excel serial date (1900 system), as XlsxWriter computes it: days since
    1899-12-31 and the day's fraction, one more from 1 March 1900 (Excel's 29 February 1900)."""
    if isinstance(value, datetime):
        delta = value - _EPOCH  # a timezone-aware value fails here, as in XlsxWriter
        days = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    else:
        days = float(value.toordinal() - _ORDINAL_EPOCH)
    return days + 1 if days > 59 else days


def _text(value: str) -> tuple[str, str]:
    """(escaped text, the ``<t>`` attributes) for text that :data:`_SPECIAL` matched."""
    if (
        len(value) > MAX_TEXT // 2
        and len(value.encode("utf-16-le", "surrogatepass")) > 2 * MAX_TEXT
    ):
        units = 0
        for index, char in enumerate(value):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > MAX_TEXT:
                value = value[:index]
                break
    value = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value, ' xml:space="preserve"' if _EDGE_SPACE.search(value) else ""


class SheetStream:
    """One workbook being written to ``out`` (a path or binary file): :meth:`new_sheet`,
    then :meth:`write_row` for each row, then :meth:`close`."""

    def __init__(self, out: str | IO[bytes], columns: Sequence[str], widths: Sequence[int]):
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._columns = list(columns)
        self._widths = list(widths)
        self._names: list[str] = []
        self._sheet: IO[bytes] | None = None
        self._pending: list[str] = []
        self._row = 0
        self._plans: dict[tuple[type, ...], _Plan | None] = {}
        # Per column: the start of a cell up to its row number.
        self._refs = [f'<c r="{column_name(c)}' for c in range(len(self._columns))]

    @property
    def sheet_names(self) -> list[str]:
        return list(self._names)

    def new_sheet(self, name: str) -> None:
        """End the current sheet (if any) and start ``name`` with the header row."""
        self._end_sheet()
        self._names.append(name)
        entry = self._zip.open(f"xl/worksheets/sheet{len(self._names)}.xml", "w", force_zip64=True)
        self._sheet = entry
        selected = ' tabSelected="1"' if len(self._names) == 1 else ""
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{int(w * 7 + 5) / 7:.16G}" customWidth="1"/>'
            for n, w in enumerate(self._widths, start=1)
        )
        header = "".join(
            f'{ref}1" s="{_HEADER}" t="inlineStr"><is><t{attr}>{text}</t></is></c>'
            for ref, (text, attr) in zip(self._refs, map(_text, self._columns), strict=False)
        )
        entry.write(
            (
                _DECL + f'<worksheet {_NS} xmlns:r="{_REL_NS}">'
                f'<sheetViews><sheetView{selected} workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
                '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                + (f"<cols>{cols}</cols>" if cols else "")
                + f'<sheetData><row r="1">{header}</row>'
            ).encode()
        )
        self._row = 1

    def write_row(self, row: Sequence[object]) -> None:
        """The next row of the current sheet (typed cells, see the module doc).

        The common case in one ``str.format``: a row's cell types pick a template made once
        (:meth:`_plan`), and one search over the row's text tells that no cell needs an
        escape; any other row goes cell by cell (:meth:`_cells`)."""
        self._row += 1
        sig = tuple(map(type, row))
        if sig in self._plans:
            plan = self._plans[sig]
        else:
            plan = self._plans[sig] = self._plan(sig)
        texts = "|".join([v for v in row if type(v) is str])  # type: ignore[misc]
        # (a text longer than half of Excel's limit may need cutting: cell by cell)
        if (
            plan is not None
            and len(texts) <= MAX_TEXT // 2
            and not _ROW_SPECIAL.search(texts)
            and not (texts[:1] == " " or texts[-1:] == " " or "| " in texts or " |" in texts)
        ):
            template, converts = plan
            if converts:
                values = list(row)
                for i, convert in converts:
                    values[i] = convert(values[i])
                line = template.format(self._row, *values)
            else:
                line = template.format(self._row, *row)
        else:
            line = self._cells(row)
        pending = self._pending
        pending.append(line)
        if len(pending) >= _ROWS_PER_WRITE:
            self._flush()

    def _plan(self, sig: tuple[type, ...]) -> _Plan | None:
        """The template of a row with these cell types (None: a type it does not know)."""
        refs = self._refs
        while len(sig) > len(refs):  # a row wider than the header: its cells too
            refs.append(f'<c r="{column_name(len(refs))}')
        parts = ['<row r="{0}">']
        converts: list[tuple[int, Callable[[Any], object]]] = []
        for i, kind in enumerate(sig):
            ref, field = refs[i].replace("{", "{{"), i + 1
            if kind is str:
                parts.append(f'{ref}{{0}}" t="inlineStr"><is><t>{{{field}}}</t></is></c>')
            elif kind is type(None):
                continue
            elif kind is bool:
                parts.append(f'{ref}{{0}}" t="b"><v>{{{field}:d}}</v></c>')
            elif kind is int or kind is float:
                parts.append(f'{ref}{{0}}"><v>{{{field}:.16G}}</v></c>')
            elif kind is Decimal:
                converts.append((i, float))
                parts.append(f'{ref}{{0}}" s="{_MONEY}"><v>{{{field}:.16G}}</v></c>')
            elif kind is datetime or kind is date:
                converts.append((i, excel_date))
                style = _STAMP if kind is datetime else _DAY
                parts.append(f'{ref}{{0}}" s="{style}"><v>{{{field}:.16G}}</v></c>')
            else:
                return None
        parts.append("</row>")
        return "".join(parts), tuple(converts)

    def _cells(self, row: Sequence[object]) -> str:
        """A row cell by cell, each text checked for escapes."""
        num = str(self._row)
        cells = [f'<row r="{num}">']
        add = cells.append
        refs = self._refs
        while len(row) > len(refs):  # a row wider than the header: its cells too
            refs.append(f'<c r="{column_name(len(refs))}')
        for ref, value in zip(refs, row, strict=False):  # refs: at least as long
            kind = type(value)
            if kind is str:
                text: str = value  # type: ignore[assignment]
                if len(text) > MAX_TEXT // 2 or _SPECIAL.search(text):
                    text, attr = _text(text)
                    add(f'{ref}{num}" t="inlineStr"><is><t{attr}>{text}</t></is></c>')
                else:
                    add(f'{ref}{num}" t="inlineStr"><is><t>{text}</t></is></c>')
            elif value is None:
                continue
            elif kind is int:
                add(f'{ref}{num}"><v>{value:.16G}</v></c>')
            elif kind is Decimal:
                add(f'{ref}{num}" s="{_MONEY}"><v>{float(value):.16G}</v></c>')  # type: ignore[arg-type]
            elif kind is datetime:
                add(f'{ref}{num}" s="{_STAMP}"><v>{excel_date(value):.16G}</v></c>')  # type: ignore[arg-type]
            else:
                add(self._other(ref + num, value))
        add("</row>")
        return "".join(cells)

    def _other(self, ref: str, value: object) -> str:
        """A cell of a less common type (subclasses included)."""
        if isinstance(value, bool):
            return f'{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float):
            return f'{ref}"><v>{value:.16G}</v></c>'
        if isinstance(value, Decimal):
            return f'{ref}" s="{_MONEY}"><v>{float(value):.16G}</v></c>'
        if isinstance(value, datetime):
            return f'{ref}" s="{_STAMP}"><v>{excel_date(value):.16G}</v></c>'
        if isinstance(value, date):
            return f'{ref}" s="{_DAY}"><v>{excel_date(value):.16G}</v></c>'
        text = str(value)
        text, attr = (
            _text(text) if len(text) > MAX_TEXT // 2 or _SPECIAL.search(text) else (text, "")
        )
        return f'{ref}" t="inlineStr"><is><t{attr}>{text}</t></is></c>'

    def _flush(self) -> None:
        if self._pending and self._sheet is not None:
            self._sheet.write("".join(self._pending).encode())
            self._pending.clear()

    def _end_sheet(self) -> None:
        if self._sheet is None:
            return
        self._flush()
        self._sheet.write(
            b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
            b'header="0.3" footer="0.3"/></worksheet>'
        )
        self._sheet.close()
        self._sheet = None

    def close(self) -> None:
        """End the last sheet and write the workbook's parts (at least one sheet exists)."""
        self._end_sheet()
        sheets = range(1, len(self._names) + 1)
        write = self._zip.writestr
        write("xl/styles.xml", _STYLES)
        write(
            "xl/workbook.xml",
            _DECL + f'<workbook {_NS} xmlns:r="{_REL_NS}"><bookViews><workbookView/>'
            "</bookViews><sheets>"
            + "".join(
                f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
                for n, name in zip(sheets, self._names, strict=True)
            )
            + "</sheets></workbook>",
        )
        write(
            "xl/_rels/workbook.xml.rels",
            _DECL
            + f'<Relationships xmlns="{_PKG_REL_NS}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in sheets
            )
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL_NS}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        write(
            "_rels/.rels",
            _DECL + f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        write(
            "[Content_Types].xml",
            _DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{main}.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                f'ContentType="{main}.worksheet+xml"/>'
                for n in sheets
            )
            + "</Types>",
        )
        self._zip.close()

    def abandon(self) -> None:
        """Stop after a failure: close what is open without writing the workbook's parts
        (the caller removes the file)."""
        try:
            if self._sheet is not None:
                self._sheet.close()
        finally:
            self._zip.close()
