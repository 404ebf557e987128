"""The message line's words for kept refusals (no screen): the newest outcome first, the
kept ones after it, newest first; and the unit list of a scan-out document, counted
products after the scanned units."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from serialpos.tui.screens.kept_refusals import Kept, kept_words
from serialpos.tui.screens.scan_out_entries import Counted, Entry, Newest, counted_lines
from serialpos.tui.widgets.message_line import first_rows


def test_one_refusal_alone_reads_as_said() -> None:
    assert kept_words([Kept("error", "A refused")]) == ("error", "A refused")


def test_a_good_scan_after_refusals_leads() -> None:
    kept = [Kept("error", "A"), Kept("warn", "B")]
    assert kept_words(kept[:1], ("ok", "C taken")) == ("ok", "C taken · before it: ✗ A")
    assert kept_words(kept, ("ok", "C taken")) == (
        "ok",
        "C taken · before it: 2 to see (F7 lists them), newest first: B; A",
    )


def test_the_newest_refusal_leads_the_ones_before_it() -> None:
    kept = [Kept("error", "A"), Kept("error", "B"), Kept("error", "C")]
    assert kept_words(kept) == (
        "error",
        "C · before it: 2 refused (F7 lists them), newest first: B; A",
    )
    assert kept_words(kept[:2]) == ("error", "B · before it: ✗ A")


def test_a_long_line_keeps_its_first_rows() -> None:
    text = Text("one two three four five six seven eight nine ten")
    shown = first_rows(text, 10, 2, Console(width=10)).plain.split("\n")
    assert len(shown) == 2 and shown[0] == "one two"
    assert shown[1].endswith("…") and len(shown[1]) <= 10
    assert first_rows(Text("short"), 10, 2, Console(width=10)).plain == "short"


def test_the_unit_list_lists_counted_products_after_the_units() -> None:
    entries = [Entry("PH-AUR15", "1"), Entry("PH-AUR15", "2")]
    quantities = {("AC-USBC1", -1): 2, ("AC-CASE15", -1): 0, ("AC-CHG65", 1): 3}
    listed = Newest(entries, counted_lines(quantities))
    assert list(listed) == [
        Entry("PH-AUR15", "2"),
        Entry("PH-AUR15", "1"),
        Counted("AC-CHG65", 3, 1),
        Counted("AC-USBC1", 2, -1),
    ]
    assert len(listed) == 4 and listed[-1] == Counted("AC-USBC1", 2, -1)
    assert list(Newest([])) == []
