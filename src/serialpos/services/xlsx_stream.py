"""A streaming XLSX writer for long exports: each sheet's XML is written straight into its
entry of the zip as the rows come, so memory stays flat and nothing is written twice.

Why not XlsxWriter: in its constant-memory mode every cell is a method call that builds
a cell object, checks bounds, formats attributes and writes the XML to a temporary file,
which the closing workbook then copies into the zip (about 4 µs a cell: 62 s for the 14M
cells of a 1M-line sales detail). Here a row is one ``%`` over a template prepared once per
row shape (the cells' types), written to the deflate stream of the zip entry (level 1: most
of what the XML repeats is tags), and the workbook's parts (styles, workbook, relationships,
content types) are written once the sheets are known.

The layout is the one XlsxWriter's constant-memory mode writes, which Excel, LibreOffice
and openpyxl read: inline strings (``t="inlineStr"``: no shared-string table to hold in
memory), a bold frozen header row, column widths, and the same escapes (``&<>``; control
characters as ``_xHHHH_``, a literal ``_xHHHH_`` as ``_x005F_xHHHH_``; text over Excel's
32,767 characters cut there, as XlsxWriter does), and every cell naming its place
(``r="K12"``). That attribute is optional in the format, and leaving it out where the place
is implied spares a fifth of the sheet's bytes; it is kept because host systems read these
exports with their own parsers (streaming readers that take a cell's column from ``r``),
and a serial read into the wrong column is worse than a bigger file.
Cells: text always as text (never a formula or a number), ``bool`` as a boolean, ``int`` and
``float`` as numbers, ``Decimal`` as a number shown ``#,##0.00`` (written with its own
digits: ``1234.50``), ``datetime`` and ``date`` as Excel dates shown ``yyyy-mm-dd hh:mm:ss``
and ``yyyy-mm-dd``; ``None`` leaves the cell empty.
"""

from __future__ import annotations

import operator
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import quoteattr

#: A row's ``%`` template, what picks its texts out of the row (for the escape check), the
#: indices of its dates (their Excel serials follow the row's own cells) and, for each ``%``
#: place, its index in ``(row number, *row, *serials)``.
_Plan = tuple[str, Callable[[Sequence[object]], Sequence[str]], tuple[int, ...], tuple[int, ...]]
#: Dates remembered with their serials (an invoice's lines share one): more are forgotten.
_SERIALS_KEPT = 4096

try:  # ISA-L's deflate: the same format as zlib's, about four times faster at level 1
    from isal import isal_zlib as _fast_zlib
except ImportError:  # pragma: no cover - a dependency; zlib's own does the same, slower
    _fast_zlib = None  # type: ignore[assignment]

#: Excel's longest cell text, in UTF-16 units.
MAX_TEXT = 32_767
#: Rows gathered before one write to the deflate stream.
_ROWS_PER_WRITE = 1_000
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


_UNPLANNED: Any = object()


def _deflate_fast(entry: IO[bytes]) -> None:
    """Let ISA-L deflate a sheet's entry: at level 1 zlib's deflate was a quarter of the
    export's time, ISA-L's takes a few percent. Its stream is raw deflate as zlib's (the zip
    entry, its CRC and sizes are zipfile's own as before); the compressor is swapped just
    after the entry is opened, before a byte is given to it, and only where zipfile has the
    compressor this expects (else zlib's stays)."""
    current = getattr(entry, "_compressor", None)
    if _fast_zlib is not None and current is not None and hasattr(current, "compress"):
        entry._compressor = _fast_zlib.compressobj(1, zlib.DEFLATED, -15)  # type: ignore[attr-defined]


def _picker(indices: Sequence[int]) -> Callable[[Sequence[object]], Sequence[str]]:
    """What picks the cells at ``indices`` out of a row, as a sequence (C's itemgetter)."""
    if not indices:
        return lambda row: ()
    if len(indices) == 1:
        index = indices[0]
        return lambda row: (row[index],)  # type: ignore[return-value]
    return operator.itemgetter(*indices)


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
        self._serials: dict[object, str] = {}

    @property
    def sheet_names(self) -> list[str]:
        return list(self._names)

    def new_sheet(self, name: str) -> None:
        """End the current sheet (if any) and start ``name`` with the header row."""
        self._end_sheet()
        self._names.append(name)
        entry = self._zip.open(f"xl/worksheets/sheet{len(self._names)}.xml", "w", force_zip64=True)
        _deflate_fast(entry)
        self._sheet = entry
        selected = ' tabSelected="1"' if len(self._names) == 1 else ""
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{int(w * 7 + 5) / 7:.16G}" customWidth="1"/>'
            for n, w in enumerate(self._widths, start=1)
        )
        header = "".join(
            f'<c r="{column_name(n)}1" s="{_HEADER}" t="inlineStr"><is><t{attr}>{text}</t></is></c>'
            for n, (text, attr) in enumerate(map(_text, self._columns))
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

        The common case is one ``%`` over a template made once for the row's cell types
        (:meth:`_plan`), after one search over the row's text tells that no cell needs an
        escape; any other row goes cell by cell (:meth:`_cells`). This runs once per row of
        a million-row export, so nothing here loops over the cells in Python: the row
        number is made text once, money is written as its Decimal's own digits (no float in
        between) and a date's serial is worked out once for the lines that share it."""
        self._row += 1
        sig = tuple(map(type, row))
        plan = self._plans.get(sig, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self._plans[sig] = self._plan(sig)
        if plan is None:
            line = self._cells(row)
        else:
            template, texts_of, dates, order = plan
            texts = "|".join(texts_of(row))
            # (a text longer than half of Excel's limit may need cutting: cell by cell)
            if (
                len(texts) > MAX_TEXT // 2
                or _ROW_SPECIAL.search(texts)
                or texts[:1] == " "
                or texts[-1:] == " "
                or "| " in texts
                or " |" in texts
            ):
                line = self._cells(row)
            else:
                if dates:
                    serial = self._serial
                    args = (str(self._row), *row, *[serial(row[i]) for i in dates])
                else:
                    args = (str(self._row), *row)
                line = template % tuple(map(args.__getitem__, order))
        pending = self._pending
        pending.append(line)
        if len(pending) >= _ROWS_PER_WRITE:
            self._flush()

    def _serial(self, value: Any) -> str:
        """A date's Excel serial as written, remembered (the lines of an invoice share it)."""
        found = self._serials.get(value)
        if found is None:
            if len(self._serials) >= _SERIALS_KEPT:
                self._serials.clear()
            found = self._serials[value] = f"{excel_date(value):.16G}"
        return found

    def _plan(self, sig: tuple[type, ...]) -> _Plan | None:
        """The template of a row with these cell types (None: a type it does not know), and
        which of ``(row number, *row, *serials of its dates)`` fill its ``%`` places."""
        parts = ['<row r="%s">']
        order = [0]
        texts: list[int] = []
        dates: list[int] = []
        for i, kind in enumerate(sig):
            field = i + 1
            if kind is type(None):
                continue
            ref = f' r="{column_name(i)}%s"'  # (the row's number, filled by the %)
            order.append(0)
            if kind is str:
                texts.append(i)
                cell = f'<c{ref} t="inlineStr"><is><t>%s</t></is></c>'
            elif kind is bool:
                cell = f'<c{ref} t="b"><v>%d</v></c>'
            elif kind is int:
                cell = f"<c{ref}><v>%d</v></c>"
            elif kind is float:
                cell = f"<c{ref}><v>%.16G</v></c>"
            elif kind is Decimal:
                cell = f'<c{ref} s="{_MONEY}"><v>%s</v></c>'
            elif kind is datetime or kind is date:
                field = len(sig) + 1 + len(dates)  # after the row's own cells
                dates.append(i)
                cell = f'<c{ref} s="{_STAMP if kind is datetime else _DAY}"><v>%s</v></c>'
            else:
                return None
            parts.append(cell)
            order.append(field)
        parts.append("</row>")
        return "".join(parts), _picker(texts), tuple(dates), tuple(order)

    def _cells(self, row: Sequence[object]) -> str:
        """A row cell by cell, each text checked for escapes: the same cells as
        :meth:`_plan`'s template."""
        num = str(self._row)
        cells = [f'<row r="{num}">']
        add = cells.append
        for col, value in enumerate(row):
            if value is None:
                continue
            ref = f' r="{column_name(col)}{num}"'
            kind = type(value)
            if kind is str:
                text: str = value  # type: ignore[assignment]
                if len(text) > MAX_TEXT // 2 or _SPECIAL.search(text):
                    text, attr = _text(text)
                    add(f'<c{ref} t="inlineStr"><is><t{attr}>{text}</t></is></c>')
                else:
                    add(f'<c{ref} t="inlineStr"><is><t>{text}</t></is></c>')
            elif kind is int:
                add(f"<c{ref}><v>{value}</v></c>")
            elif kind is Decimal:
                add(f'<c{ref} s="{_MONEY}"><v>{value}</v></c>')
            elif kind is datetime:
                add(f'<c{ref} s="{_STAMP}"><v>{self._serial(value)}</v></c>')
            else:
                add(self._other(ref, value))
        add("</row>")
        return "".join(cells)

    def _other(self, ref: str, value: object) -> str:
        """A cell of a less common type (subclasses included); ``ref``: its reference
        attribute, if it needs one."""
        if isinstance(value, bool):
            return f'<c{ref} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int):
            return f"<c{ref}><v>{int(value)}</v></c>"
        if isinstance(value, float):
            return f"<c{ref}><v>{value:.16G}</v></c>"
        if isinstance(value, Decimal):
            return f'<c{ref} s="{_MONEY}"><v>{Decimal(value)}</v></c>'
        if isinstance(value, datetime):
            return f'<c{ref} s="{_STAMP}"><v>{excel_date(value):.16G}</v></c>'
        if isinstance(value, date):
            return f'<c{ref} s="{_DAY}"><v>{excel_date(value):.16G}</v></c>'
        text = str(value)
        text, attr = (
            _text(text) if len(text) > MAX_TEXT // 2 or _SPECIAL.search(text) else (text, "")
        )
        return f'<c{ref} t="inlineStr"><is><t{attr}>{text}</t></is></c>'

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
