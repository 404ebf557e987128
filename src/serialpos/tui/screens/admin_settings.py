"""Store settings and stores in the console.

Settings: each setting of the store this console works at, with the value in force, the
chain's default beside it and the store's own value (or "chain" when the store follows the
chain). T sets the store's own value to the opposite of what is in force, C clears it (the
store follows the chain again), G flips the chain default. Stores (admins): the list, and A
adds one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from serialpos.tui.screens.admin import AdminListScreen
from serialpos.tui.screens.admin_dialogs import Field, FormDialog
from serialpos.tui.widgets.key_footer import KeyHints


def _on(flag: bool | None) -> str:
    return "chain" if flag is None else ("on" if flag else "off")


class StoreSettingsScreen(AdminListScreen):
    TITLE: ClassVar[str] = "Admin: store settings"
    KEY_HINTS: ClassVar[KeyHints] = (
        ("T", "Toggle here"),
        ("C", "Clear"),
        ("G", "Chain"),
        ("Esc", "Back"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "toggle_here", "Toggle at this store", show=False),
        Binding("c", "clear", "Clear this store's value", show=False),
        Binding("g", "chain", "Toggle the chain default", show=False),
        Binding("escape", "app.pop_screen", "Back", show=False),
    ]

    def load(self) -> list[tuple[str, Text]]:
        from serialpos.services.settings import setting_sources

        rows = []
        for source in setting_sources(self.console.database(), self.session.store):
            text = Text(source.key, style="bold")
            text.append(
                f"\n  {_on(source.in_force):<3}  chain: "
                f"{'default' if source.chain is None else _on(source.chain):<7} "
                f"{self.session.store}: {_on(source.store)}"
            )
            rows.append((source.key, text))
        return rows

    def _set(self, store: str | None, flip: bool) -> None:
        key = self.chosen
        if key is None:
            return

        def work() -> str:
            from serialpos.services.settings import (
                get_settings,
                set_setting,
                setting_sources,
            )

            db = self.console.database()
            if store is None:
                current = bool(getattr(get_settings(db), key))
            else:
                current = next(s.in_force for s in setting_sources(db, store) if s.key == key)
            value = not current if flip else current
            set_setting(db, self.session.actor, key, "on" if value else "off", store)
            where = f"at {store}" if store else "for the chain"
            return f"{key} is now {'on' if value else 'off'} {where}"

        self.change(work)

    def action_toggle_here(self) -> None:
        self._set(self.session.store, flip=True)

    def action_chain(self) -> None:
        self._set(None, flip=True)

    def action_clear(self) -> None:
        key = self.chosen
        if key is None:
            return
        store = self.session.store

        def work() -> str:
            from serialpos.services.settings import clear_setting

            values = clear_setting(self.console.database(), self.session.actor, key, store)
            return (
                f"{key} at {store} follows the chain again: "
                f"{'on' if getattr(values, key) else 'off'}"
            )

        self.change(work)


class StoresScreen(AdminListScreen):
    TITLE: ClassVar[str] = "Admin: stores"
    KEY_HINTS: ClassVar[KeyHints] = (("A", "Add"), ("Esc", "Back"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", show=False),
        Binding("escape", "app.pop_screen", "Back", show=False),
    ]

    def load(self) -> list[tuple[str, Text]]:
        from serialpos.services.stores import list_stores

        return [
            (s.code, Text(f"{s.code:<6} {s.name}")) for s in list_stores(self.console.database())
        ]

    def action_add(self) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return

            def work() -> str:
                from serialpos.services.stores import add_store

                store = add_store(
                    self.console.database(), self.session.actor, values["code"], values["name"]
                )
                return f"store {store.code} ({store.name}) added"

            self.change(work, form=f"store {values['code']}")

        self.app.push_screen(
            FormDialog(
                "Add a store",
                [Field("code", "Code", placeholder="e.g. S03"), Field("name", "Name")],
            ),
            done,
        )
