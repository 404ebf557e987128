"""X and Z reports of a till shift: an A4 PDF (kept with the day's papers) and the same report
as ESC/POS bytes for the counter's receipt printer.

Both are made from :class:`~serialpos.domain.shifts.ShiftReport` and print the same lines
(:mod:`serialpos.printing.shift_rows`), so the slip in the drawer and the PDF in the office
always agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from serialpos.domain.shifts import ShiftReport
from serialpos.domain.text import visible
from serialpos.escpos_lib import Dummy
from serialpos.files import write_atomically
from serialpos.printing.common import PageHeader, para, render, styles
from serialpos.printing.shift_rows import report_rows, title


def shift_report_pdf(report: ShiftReport) -> bytes:
    st = styles()
    made = f"printed {report.made_at:%Y-%m-%d %H:%M} UTC by {report.made_by}"
    header = PageHeader(
        title(report),
        f"{report.store_code} {report.store_name}",
        (made, report.store_address or ""),
    )
    table = Table(
        [[para(a, st.body), para(b, st.body)] for a, b in report_rows(report)],
        colWidths=[90 * mm, 60 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ]
        )
    )
    note = (
        "The shift is still open: takings so far."
        if report.kind == "X"
        else "The shift is closed; this report is final."
    )
    story: list[Any] = [para(note, st.small), Spacer(1, 4 * mm), table]
    return render(story, header, author=report.store_name).data


def write_shift_report(report: ShiftReport, path: str | Path) -> Path:
    target = Path(path)
    write_atomically(target, shift_report_pdf(report))
    return target


def shift_report_bytes(
    report: ShiftReport, *, profile: str = "default", columns: int | None = None
) -> bytes:
    """The report on the receipt printer: the same rows, the label left, the value right."""
    printer = Dummy(profile=profile)
    width = columns or int(printer.profile.profile_data["fonts"]["0"]["columns"])
    printer.hw("INIT")
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.textln(title(report).upper())
    printer.set(align="left", bold=False, normal_textsize=True)
    for label, value in report_rows(report):
        room = width - len(value) - 1
        if room < 8:
            printer.textln(label[:width])
            printer.textln(value.rjust(width)[:width])
        else:
            printer.textln(f"{label[:room]:<{room}} {value}")
    printer.textln(f"Printed {report.made_at:%Y-%m-%d %H:%M} UTC by {visible(report.made_by)}")
    printer.cut()
    return bytes(printer.output)
