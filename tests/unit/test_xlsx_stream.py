"""The streaming XLSX writer read back by openpyxl (and as XML): header, typed cells, the
escapes XlsxWriter's layout uses, whitespace kept, Excel's text limit, rows wider than the
header, sheets continuing at an injected row limit, and the workbook's parts."""

from __future__ import annotations

import re
import sys
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from serialpos.services import xlsx_stream
from serialpos.services.exports import write_xlsx
from serialpos.services.xlsx_stream import MAX_TEXT, SheetStream, column_name, excel_date

WHEN = datetime(2026, 11, 23, 9, 5, 7, 250000)


def _read(path: Path, sheet: str | None = None) -> list[tuple[object, ...]]:
    book = load_workbook(path, read_only=True)
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        return [tuple(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def test_typed_cells_read_back(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    columns = ["Text", "Int", "Money", "Stamp", "Day", "Float", "Flag", "Empty", "Other"]
    rows = [
        ("0012", 7, Decimal("1234.50"), WHEN, date(2026, 1, 2), 2.5, True, None, Path("a")),
        ("x", -3, Decimal("-0.01"), WHEN, date(1900, 1, 1), 0.1, False, None, 3 + 0j),
    ]
    assert write_xlsx(out, columns, rows) == 2
    back = _read(out)
    assert back[0] == tuple(columns)
    assert back[1] == ("0012", 7, 1234.5, WHEN, datetime(2026, 1, 2), 2.5, True, None, "a")
    assert back[2] == ("x", -3, -0.01, WHEN, datetime(1900, 1, 1), 0.1, False, None, "(3+0j)")
    book = load_workbook(out)
    ws = book.active
    assert ws is not None
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws["C2"].number_format == "#,##0.00"
    assert ws["D2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["E2"].number_format == "yyyy-mm-dd"
    assert ws["A2"].data_type == "s"  # text stays text: "0012" is not the number 12
    book.close()


def test_text_escapes_and_whitespace(tmp_path: Path) -> None:
    out = tmp_path / "e.xlsx"
    texts = [
        "a & b <c> \"d\" 'e'",
        "  leading",
        "trailing\t",
        "two\nlines",
        "ctrl\x01\x1f",
        "_x0041_ literal",
        "pipe | inside",
        "under_score",
        "=SUM(A1)",
        "<r>not rich</r>",
        "non\u00a0breaking",
        "emoji \U0001f600 ok",
    ]
    assert write_xlsx(out, ["T"], [(t,) for t in texts]) == len(texts)
    back = [r[0] for r in _read(out)[1:]]
    # Control characters as Excel's _xHHHH_ escapes (Excel shows the characters; openpyxl
    # leaves the escape as it is), as XlsxWriter writes them.
    assert back[:4] == texts[:4]
    assert back[4] == "ctrl_x0001__x001F_"
    assert back[5:] == ["_x005F_x0041_ literal", *texts[6:]]
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    ElementTree.fromstring(xml)  # well-formed
    assert "_x0001__x001F_" in xml and "_x005F_x0041_ literal" in xml
    assert '<t xml:space="preserve">  leading</t>' in xml
    assert '<t xml:space="preserve">trailing\t</t>' in xml
    assert "&lt;r&gt;not rich&lt;/r&gt;" in xml


def test_fast_and_cell_by_cell_rows_write_the_same(tmp_path: Path) -> None:
    """A row of plain text takes the template; the same row with one escape goes cell by
    cell: both give the same cells."""
    stream = SheetStream(str(tmp_path / "s.xlsx"), ["A", "B", "C"], [5, 5, 5])
    stream.new_sheet("S")
    row: tuple[object, ...] = ("plain", Decimal("2.50"), WHEN)
    fast = stream._plans.get(tuple(map(type, row)))  # nothing planned yet
    assert fast is None
    stream.write_row(row)
    assert stream._cells(row).replace('r="3"', 'r="2"').replace("C3", "C2").replace(
        "B3", "B2"
    ).replace("A3", "A2") == stream._pending[-1].replace('r="3"', 'r="2"')
    stream.close()


def test_every_whitespace_is_noticed() -> None:
    """The row check sends any text with a whitespace other than the space cell by cell."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and c != 32]
    assert all(xlsx_stream._ROW_SPECIAL.search(s) for s in spaces)


def test_text_over_excels_limit_is_cut(tmp_path: Path) -> None:
    out = tmp_path / "long.xlsx"
    write_xlsx(out, ["T", "N"], [("y" * (MAX_TEXT + 10), 1), ("\U0001f600" * MAX_TEXT, 2)])
    back = _read(out)
    assert back[1] == ("y" * MAX_TEXT, 1)
    assert back[2] == ("\U0001f600" * (MAX_TEXT // 2), 2)  # 2 UTF-16 units each


def test_rows_wider_than_the_header_and_ragged(tmp_path: Path) -> None:
    out = tmp_path / "w.xlsx"
    write_xlsx(out, ["A"], [("a", 1, "c"), ("b",), (None, None, None, 4)])
    # No <dimension> (the row count is not known when the sheet starts; it is optional), so
    # openpyxl's read-only rows end at their last cell.
    assert _read(out) == [("A",), ("a", 1, "c"), ("b",), (None, None, None, 4)]


def _numbered(n: int) -> Iterator[tuple[object, ...]]:
    for i in range(1, n + 1):
        yield (f"S{i:03d}", i, Decimal(i), WHEN)


def test_rollover_at_an_injected_limit(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    assert (
        write_xlsx(out, ["S", "N", "M", "D"], _numbered(10), sheet_rows=5, sheet_name="A&B") == 10
    )
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["A&B", "A&B 2", "A&B 3"]
    seen = []
    for name, size in zip(book.sheetnames, [5, 5, 3], strict=True):
        rows = [tuple(r) for r in book[name].iter_rows(values_only=True)]
        assert len(rows) == size and rows[0] == ("S", "N", "M", "D")
        seen += rows[1:]
    book.close()
    assert seen == [(f"S{i:03d}", i, i, WHEN) for i in range(1, 11)]
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        assert {f"xl/worksheets/sheet{n}.xml" for n in (1, 2, 3)} <= names
        types = z.read("[Content_Types].xml").decode()
        assert len(re.findall(r"worksheet\+xml", types)) == 3
        for n in (2, 3):  # each later sheet starts again at row 1 with the header
            assert '<row r="1">' in z.read(f"xl/worksheets/sheet{n}.xml").decode()


def test_excel_dates_match_xlsxwriter() -> None:
    assert excel_date(datetime(1900, 1, 1)) == 1
    assert excel_date(datetime(1900, 2, 28)) == 59
    assert excel_date(datetime(1900, 3, 1)) == 61  # Excel's 29 February 1900 in between
    assert excel_date(date(2026, 11, 23)) == 46349
    assert excel_date(datetime(2026, 11, 23, 12)) == 46349.5
    with pytest.raises(TypeError):
        excel_date(datetime(2026, 1, 1, tzinfo=__import__("datetime").timezone.utc))


def test_column_names() -> None:
    assert [column_name(c) for c in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_every_cell_names_its_place(tmp_path: Path) -> None:
    """Every cell carries its reference, empty cells left out, as XlsxWriter writes them
    (readers that take a cell's column from it); the template and the cell-by-cell row
    agree, and openpyxl
    reads every cell at its column (middle and trailing gaps, a row of one shape after
    another)."""
    out = tmp_path / "gaps.xlsx"
    rows: list[tuple[object, ...]] = [
        ("a", None, 3, None, None, Decimal("1.50"), "z"),
        ("b & c", None, 4, None, None, Decimal("2.50"), "y"),  # the same shape, escaped
        (None, "x", None, 5),
        ("only",),
    ]
    assert write_xlsx(out, list("ABCDEFG"), rows) == len(rows)
    assert _read(out)[1:] == [
        ("a", None, 3, None, None, 1.5, "z"),
        ("b & c", None, 4, None, None, 2.5, "y"),
        (None, "x", None, 5),
        ("only",),
    ]
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    data = xml[xml.index("<sheetData>") :]
    assert '<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="C2"><v>3</v></c>' in data
    assert '<c r="F3" s="2"><v>2.50</v></c>' in data  # cell by cell: the same layout
    assert '<row r="4"><c r="B4" t="inlineStr"><is><t>x</t></is></c><c r="D4"><v>5</v></c>' in (
        data
    )
    assert re.findall(r'<c r="([A-Z]+\d+)"', data) == (
        [f"{c}1" for c in "ABCDEFG"]
        + ["A2", "C2", "F2", "G2", "A3", "C3", "F3", "G3", "B4", "D4", "A5"]
    )
    assert data.count("<c ") == data.count("<c r=")


def test_money_is_written_with_its_own_digits_and_dates_once(tmp_path: Path) -> None:
    """A Decimal's digits go into the cell as they are (no float in between); lines that
    share a date share its serial, and a date that changes is written anew."""
    out = tmp_path / "m.xlsx"
    later = datetime(2026, 11, 24, 18, 30)
    rows = [(Decimal("1234.50"), WHEN), (Decimal("-0.10"), WHEN), (Decimal("7"), later)]
    write_xlsx(out, ["M", "D"], rows)
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert re.findall(r'<c r="A\d+" s="2"><v>([^<]*)</v>', xml) == ["1234.50", "-0.10", "7"]
    assert re.findall(r'<c r="B\d+" s="3"><v>([^<]*)</v>', xml) == [
        f"{excel_date(WHEN):.16G}",
        f"{excel_date(WHEN):.16G}",
        f"{excel_date(later):.16G}",
    ]
    assert _read(out)[1:] == [(1234.5, WHEN), (-0.1, WHEN), (7, later)]


def test_sheets_are_deflated_by_isal_or_by_zlib_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sheet's entry is deflated by ISA-L where it is installed (a dependency), by
    zlib's own otherwise: the same sheet either way, read back whole."""
    rows = list(_numbered(3000))
    stream = SheetStream(str(tmp_path / "probe.xlsx"), ["S"], [5])
    stream.new_sheet("S")
    assert type(stream._sheet._compressor).__module__.startswith("isal")  # type: ignore[union-attr]
    stream.close()
    write_xlsx(tmp_path / "isal.xlsx", ["S", "N", "M", "D"], rows)
    monkeypatch.setattr(xlsx_stream, "_fast_zlib", None)
    write_xlsx(tmp_path / "zlib.xlsx", ["S", "N", "M", "D"], rows)
    sheets = []
    for name in ("isal.xlsx", "zlib.xlsx"):
        with zipfile.ZipFile(tmp_path / name) as z:
            assert z.testzip() is None
            sheets.append(z.read("xl/worksheets/sheet1.xml"))
    assert sheets[0] == sheets[1]
    assert _read(tmp_path / "isal.xlsx")[1:] == [
        (s, n, float(m), d)
        for s, n, m, d in rows  # type: ignore[arg-type]
    ]
