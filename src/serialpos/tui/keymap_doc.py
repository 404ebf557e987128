"""``docs/keys.md`` from the console's own bindings: ``python -m serialpos.tui.keymap_doc``
writes it (``--check`` says whether it is current, exit 1 when not). The keymap test runs
the same check, so the page cannot drift from what the keys do.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode

import serialpos.tui
from serialpos.tui.keymap import CTRL, FORBIDDEN, LETTERS, is_shared_key

#: Menu actions: a choice in a list that shows its letter or digit beside it.
MENU_ACTIONS = ("open(", "choose(", "type(", "delivery(")
DOC = Path(__file__).resolve().parents[3] / "docs" / "keys.md"


@dataclass(frozen=True)
class BoundKey:
    """One key of one binding, where it is bound: for the keymap test and docs/keys.md.
    Here, not in :mod:`keymap`, which every console start imports (a frozen dataclass is
    made by compiling its methods: about 1 ms before the login is drawn)."""

    owner: str  # the screen, dialog or widget class
    key: str
    action: str
    words: str
    menu: bool  # a menu choice (its letter is shown beside it), not a command


def console_classes() -> list[type[DOMNode]]:
    """Every screen, dialog, widget and the app class of the console, imported."""
    found: dict[str, type[DOMNode]] = {}
    for module in pkgutil.walk_packages(serialpos.tui.__path__, "serialpos.tui."):
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, DOMNode)
                and value.__module__ == loaded.__name__
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def bound_keys() -> list[BoundKey]:
    """Each key of each binding a console class declares itself (not inherited)."""
    bound: list[BoundKey] = []
    for cls in console_classes():
        for binding in cls.__dict__.get("BINDINGS", []):
            if not isinstance(binding, Binding):
                binding = Binding(*binding)
            menu = binding.action.startswith(MENU_ACTIONS)
            for key in binding.key.split(","):
                bound.append(
                    BoundKey(
                        cls.__qualname__, key.strip(), binding.action, binding.description, menu
                    )
                )
    return bound


def problems(bound: list[BoundKey]) -> list[str]:
    """Keys bound where the keymap says they may not be, or with a second meaning."""
    from serialpos.tui.keymap import ACTION_KEY

    found: list[str] = []
    for item in bound:
        where = f"{item.owner}: {item.key} → {item.action}"
        if item.key in FORBIDDEN:
            found.append(f"{where}: the terminal or tmux takes {item.key}")
        elif is_shared_key(item.key) and not item.menu:
            meaning = ACTION_KEY.get(item.action)
            if meaning is None:
                found.append(f"{where}: the action is not in keymap.ACTION_KEY")
            elif meaning != item.key:
                found.append(f"{where}: {item.key} means {_meaning(item.key)!r}")
    return found


def _meaning(key: str) -> str:
    return CTRL.get(key) or LETTERS.get(key) or "nothing in the keymap"


def _shown(key: str) -> str:
    if key.startswith("ctrl+"):
        return "^" + key.removeprefix("ctrl+").upper()
    return {"escape": "Esc", "enter": "Enter", "space": "Space", "delete": "Del"}.get(
        key, key.upper() if len(key) <= 3 else key
    )


def render(bound: list[BoundKey]) -> str:
    """The page: the shared keys with their one meaning, then each screen's keys."""
    out = [
        "# Keys of the console",
        "",
        "Generated from the console's bindings by `python -m serialpos.tui.keymap_doc`; "
        "`tests/tui/test_keymap.py` fails when this page is stale, when a Ctrl key or a "
        "command letter means two things, or when a forbidden key is bound. Edit "
        "`src/serialpos/tui/keymap.py`, not this page.",
        "",
        "Never bound: " + ", ".join(_shown(k) for k in sorted(FORBIDDEN)) + " (tmux's prefix "
        "key and XON/XOFF flow control: a terminal or multiplexer takes them first).",
        "",
        "## Ctrl keys: one meaning everywhere",
        "",
        "| key | means | where |",
        "| --- | --- | --- |",
    ]
    where: dict[str, set[str]] = defaultdict(set)
    for item in bound:
        if not item.menu:
            where[item.key].add(f"{item.owner} ({item.words or item.action})")
    for key, meaning in sorted(CTRL.items()):
        out.append(f"| {_shown(key)} | {meaning} | {', '.join(sorted(where[key])) or '-'} |")
    out += [
        "",
        "## Command letters: one meaning everywhere",
        "",
        "| key | means | where |",
        "| --- | --- | --- |",
    ]
    for key, meaning in sorted(LETTERS.items()):
        out.append(f"| {_shown(key)} | {meaning} | {', '.join(sorted(where[key])) or '-'} |")
    out += [
        "",
        "## Each screen and dialog",
        "",
        "Function keys are each screen's fast keys (the footer shows them); menu letters "
        "and digits are choices shown beside each option.",
        "",
        "A line key of SaleLines and ReturnLines (S, +, =, -, Space, D; a letter in either "
        "case, Shift+S as s) acts one key gap after it is pressed (the keyboard wedge's "
        "`key_gap_ms`, 300 ms by default): a "
        "character or an Enter that follows it sooner makes it the first character of a "
        "scan, and the whole scan goes to the screen's scan field "
        "(`src/serialpos/devices/line_keys.py`).",
        "",
        "A yes/no question that records something (Confirm, CompleteDialog: void, refund, "
        "complete, ship, post) is never answered by a scan: Enter is Yes only when no "
        "character came just before it; Y and N act one key gap after they are pressed. "
        "Characters at a scanner's pace, with or without their Enter, are a scan: it is "
        "refused and named in the dialog and on the screen behind (kept for F7 there), with "
        "the bell, and the question stays open; an Enter or a key within a second after it "
        "is still the scan's. Press Y/Enter again to answer "
        "(`src/serialpos/devices/answer_gate.py`). A menu of lettered choices (leaving a "
        "sale: P park, V void; the order menu; a product's serial mode) is asked the same "
        "way: its letters act one key gap after they are pressed, Enter picks the "
        "highlighted choice only when no character came just before it, and a scan picks "
        "nothing.",
        "",
        "Money fields (the Tender's amount, the Shift's float and count) take typed keys only: "
        "a scan made there (keys at a scanner's pace) is refused and named, never taken as an "
        "amount. An amount too unlikely to be meant is asked about by such a yes/no question: "
        "cash over 10 times the amount due that leaves more than 500.00 change, or an opening "
        "float over 5,000.00, or digits that read as a barcode (8, 12, 13 or 14 digits with "
        "a right check digit), whatever the amount "
        "(`src/serialpos/domain/money_entry.py`).",
        "",
        "A typed quantity (a receipt's or a scan-out's \"how many?\", a count's `+N`/`-N`) "
        "too unlikely to be meant is asked about the same way before anything is counted: "
        "more than 999 in one entry, more than ten times what the line expects, or digits "
        "that read as a barcode; No counts nothing "
        "(`src/serialpos/domain/quantity_entry.py`). A scanned number there is never a "
        "quantity. A count's quantity takes its sign: a bare number typed while a product "
        "counted by quantity (or with serials optional) is chosen is refused, naming `+N`, "
        "unless it is the serial of a unit the ledger knows; it is never a new serial.",
        "",
        "A field for words (a vendor, a reference, a note, a reason, a customer's details, a "
        "store code, a manager's name or PIN, a file name) never takes a scan: keys at a "
        "scanner's pace (under 30 ms apart) ending in Enter are refused there with the bell, "
        "the scan named, and nothing is typed in (`src/serialpos/tui/widgets/text_field.py`). "
        "Typing, however quick, is taken as before.",
        "",
    ]
    by_owner: dict[str, list[BoundKey]] = defaultdict(list)
    for item in bound:
        by_owner[item.owner].append(item)
    for owner in sorted(by_owner):
        out += [f"### {owner}", "", "| key | does |", "| --- | --- |"]
        for item in by_owner[owner]:
            kind = " (menu choice)" if item.menu else ""
            out.append(f"| {_shown(item.key)} | {item.words or item.action}{kind} |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render(bound_keys())
    if "--check" in args:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is stale: run python -m serialpos.tui.keymap_doc", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
