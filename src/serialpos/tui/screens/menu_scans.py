"""A scan made on a menu (Reports, Admin, an admin list): refused, named, nothing opened.

A menu is an :class:`~textual.widgets.OptionList` whose digits, letters and Enter act. A
screen that did not take scans left the keyboard wedge off, so a scanner's burst reached the
menu as keys: its Enter opened the highlighted report (Fulfilment, for a serial scanned on
the Reports menu), its digits the numbered entries. A menu screen sets ``TAKES_SCANS`` so the
wedge tells a burst from a person's keys (a digit typed alone still opens its entry, one key
gap later), and its ``take_scan`` calls :func:`refuse_scan_on_menu`: the scan is named on the
message line with the bell, and nothing opens. A scan cut by a pause is refused the same way
by the app (``_wedge_cut``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from serialpos.domain.text import clip

if TYPE_CHECKING:
    from serialpos.tui.messages import ScanRead
    from serialpos.tui.screens.base import ConsoleScreen


def refuse_scan_on_menu(screen: ConsoleScreen, scan: ScanRead, how: str) -> None:
    """Say that ``scan`` opened nothing on ``screen``'s menu, and ``how`` to pick instead (an
    unreadable scan's reason, when it could not be read)."""
    if screen.refuse_unreadable(scan):
        return
    raw = scan.decoded.text or str(scan.raw)
    screen.show_error(f"scan '{clip(raw.strip(), 32)}' is not a menu choice: nothing opened. {how}")
