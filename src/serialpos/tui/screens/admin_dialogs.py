"""The form dialog of the Admin screens: a title and labelled fields, one per row so that
three fit a 40x16 handheld; ↑↓ or Tab move between fields, Enter submits, Escape cancels.
The services check the values (a PIN of 4-12 digits, a known role or store) and the screen
says what they refused."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from serialpos.tui.screens.closes_once import ClosesOnce
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.text_field import TextField


class Field:
    """One field: its id, label, starting value, and whether it is a PIN (masked, digits)."""

    def __init__(
        self, key: str, label: str, value: str = "", *, pin: bool = False, placeholder: str = ""
    ) -> None:
        self.key, self.label, self.value, self.pin = key, label, value, pin
        self.placeholder = placeholder


class FormDialog(ClosesOnce[dict[str, str] | None]):
    """Returns ``{field key: text}``, or None when cancelled. A field left empty is refused
    here unless ``optional`` names it."""

    KEY_HINTS: ClassVar[KeyHints] = (("↑↓", "Field"), ("Enter", "OK"), ("Esc", "Cancel"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "app.focus_previous", "Field", show=False),
        Binding("down", "app.focus_next", "Field", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    FormDialog .form-row {
        height: 1;
    }
    FormDialog .form-label {
        width: 8;
    }
    FormDialog CappedInput, FormDialog CappedInput:focus {
        width: 1fr;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    FormDialog CappedInput:focus {
        text-style: bold;
    }
    """

    def __init__(
        self, title: str, fields: list[Field], *, optional: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.optional = optional

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="form-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            for field in self.fields:
                with Horizontal(classes="form-row"):
                    yield Static(field.label, classes="form-label", markup=False)
                    yield TextField(
                        value=field.value,
                        what=field.label.lower(),
                        id=f"form-{field.key}",
                        max_length=100,
                        password=field.pin,
                        restrict=r"[0-9]*" if field.pin else None,
                        placeholder=field.placeholder,
                    )
            yield MessageLine(id="form-message")
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(f"#form-{self.fields[0].key}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values = {f.key: self.query_one(f"#form-{f.key}", Input).value.strip() for f in self.fields}
        missing = next(
            (f for f in self.fields if not values[f.key] and f.key not in self.optional), None
        )
        if missing is not None:
            self.query_one("#form-message", MessageLine).error(f"type the {missing.label}")
            self.query_one(f"#form-{missing.key}", Input).focus()
            self.app.bell()
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
