"""What the stockroom documents share: literal-text paragraphs, styles, a header on every page
with "page N of M", and rendering to bytes.

"Page N of M" needs the page count before the first page is finished, so the canvas keeps each
page's drawing state and stamps the numbers when the document is saved (one layout pass, not
two).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from serialpos.domain.products import SerialMode

#: Serials print in a monospace font: every character the same width, so a serial read off
#: the sheet lines up with the unit's label character by character. Courier ships with every
#: PDF reader but its zero looks like the letter O, so SerialText slashes its zeros.
MONO = "Courier-Bold"
MONO_SIZE = 9.0
MONO_ADVANCE = 0.6  # every Courier glyph is 600/1000 em wide
MARGIN = 15 * mm
HEADER_SPACE = 16 * mm  # room above the body for the running header
FOOTER_SPACE = 8 * mm


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of literal text: names may contain < or & and must print as written."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    small_bold: ParagraphStyle
    serial: ParagraphStyle
    hint: ParagraphStyle  # grey, for "serial to scan" and other prompts
    heading: ParagraphStyle


def styles() -> Styles:
    sample = getSampleStyleSheet()
    body = sample["BodyText"]
    small = ParagraphStyle(
        "small", parent=body, fontSize=8, leading=10, spaceBefore=0, spaceAfter=0
    )
    return Styles(
        body=body,
        small=small,
        small_bold=ParagraphStyle("small_bold", parent=small, fontName="Helvetica-Bold"),
        serial=ParagraphStyle("serial", parent=small, fontName=MONO, fontSize=9, leading=11),
        hint=ParagraphStyle(
            "hint", parent=small, textColor=colors.HexColor("#555555"), fontName="Helvetica-Oblique"
        ),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=11,
            leading=14,
            spaceBefore=0,
            spaceAfter=2,
        ),
    )


class Box(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """An empty square to tick by hand (picked, delivered)."""

    def __init__(self, size: float = 4 * mm) -> None:
        super().__init__()
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.7)
        self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=0)


class SerialText(Flowable):  # type: ignore[misc]
    """A serial in Courier with slashed zeros (0 is never read as O), broken into as many
    lines as the column needs: serials have no spaces to wrap at. The slash is drawn, not
    typed, so the PDF's text is still the serial exactly (copy, search, text extraction)."""

    def __init__(self, serial: str, size: float = MONO_SIZE) -> None:
        super().__init__()
        self.serial = serial
        self.size = size
        self.lines: list[str] = [serial]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        advance = self.size * MONO_ADVANCE
        per_line = max(1, int(avail_width // advance))
        self.lines = [
            self.serial[i : i + per_line] for i in range(0, len(self.serial), per_line)
        ] or [""]
        self.width = min(len(self.serial), per_line) * advance
        self.height = len(self.lines) * self.size * 1.2
        return self.width, self.height

    def draw(self) -> None:
        canvas, size = self.canv, self.size
        advance, leading = size * MONO_ADVANCE, size * 1.2
        canvas.setFont(MONO, size)
        canvas.setLineWidth(size * 0.07)
        for row, text in enumerate(self.lines):
            baseline = self.height - (row + 1) * leading + size * 0.25
            canvas.drawString(0, baseline, text)
            for col, char in enumerate(text):
                if char == "0":
                    left = col * advance
                    canvas.line(
                        left + advance * 0.2,
                        baseline - size * 0.04,
                        left + advance * 0.8,
                        baseline + size * 0.64,
                    )


SERIAL_TO_SCAN = "serial to scan"


def serial_to_scan(serial: str | None, mode: SerialMode) -> bool:
    return not serial and mode is SerialMode.REQUIRED


def serial_cell(serial: str | None, mode: SerialMode, st: Styles) -> Any:
    """A serial column's cell: the recorded serial; room to write the serial still to scan
    (the caller draws a box around the cell); or what the product's serial mode says."""
    if serial:
        return SerialText(serial)
    if mode is SerialMode.REQUIRED:
        return [para(SERIAL_TO_SCAN, st.hint), Spacer(1, 4 * mm)]
    if mode is SerialMode.OPTIONAL:
        return para("serial optional", st.hint)
    return para("—", st.hint)


@dataclass(frozen=True)
class PageHeader:
    """Printed at the top of every page: the title left, the facts right (store, date, who
    printed it), so a page that comes loose still says what it belongs to."""

    title: str
    left: str  # under the title, e.g. the store
    right: tuple[str, ...]  # e.g. "printed 2026-11-23 09:15 by sam"


def _numbered_canvas(header: PageHeader) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                _draw_header(self, header, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _draw_header(canvas: Canvas, header: PageHeader, number: int, total: int) -> None:
    width, height = canvas._pagesize
    top = height - MARGIN
    canvas.saveState()
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN, top - 12, header.title)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(MARGIN, top - 24, header.left)
    canvas.setFont("Helvetica", 8)
    for i, text in enumerate(header.right):
        canvas.drawRightString(width - MARGIN, top - 8 - 10 * i, text)
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, top - HEADER_SPACE + 12, width - MARGIN, top - HEADER_SPACE + 12)
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(width - MARGIN, MARGIN - 2, f"page {number} of {total}")
    canvas.drawString(MARGIN, MARGIN - 2, header.title)
    canvas.restoreState()


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int


def render(story: Sequence[Any], header: PageHeader, *, author: str) -> Rendered:
    """Lay out ``story`` on A4 under ``header``. ``invariant`` keeps ReportLab's creation date
    fixed, so the same data always gives the same bytes."""
    buffer = io.BytesIO()
    # The frame pads its content by 6 pt: margins 6 pt narrower leave exactly 180 mm inside,
    # the width the tables are drawn for, aligned with the running header.
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN - 6,
        rightMargin=MARGIN - 6,
        topMargin=MARGIN + HEADER_SPACE,
        bottomMargin=MARGIN + FOOTER_SPACE,
        title=header.title,
        author=author,
        invariant=1,
    )
    pdf.build(list(story), canvasmaker=_numbered_canvas(header))
    return Rendered(buffer.getvalue(), pdf.page)
