"""Users in the console (admins): add, disable or enable, reset a PIN, change the role, and
choose the stores a user may log in at — the same services, rules and audit as
``serialpos user``."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from serialpos.tui.screens.admin import AdminListScreen
from serialpos.tui.screens.admin_dialogs import Field, FormDialog
from serialpos.tui.widgets.key_footer import KeyHints

ROLES_HINT = "cashier, stockroom, manager or admin"


class UsersScreen(AdminListScreen):
    """One row per user: name, role, enabled or not, the stores they may log in at."""

    TITLE: ClassVar[str] = "Admin: users"
    KEY_HINTS: ClassVar[KeyHints] = (
        ("A", "Add"),
        ("D", "Dis/enable"),
        ("P", "PIN"),
        ("R", "Role"),
        ("S", "Stores"),
        ("Esc", "Back"),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", show=False),
        Binding("e", "enable_or_disable", "Disable/enable", show=False),
        Binding("i", "pin", "PIN", show=False),
        Binding("r", "role", "Role", show=False),
        Binding("o", "stores", "Stores", show=False),
        Binding("escape", "app.pop_screen", "Back", show=False),
    ]

    def load(self) -> list[tuple[str, Text]]:
        from serialpos.services.user_admin import show_user
        from serialpos.services.users import list_users

        db = self.console.database()
        rows = []
        for user in list_users(db):
            detail = show_user(db, user.name, audit_limit=1)
            text = Text(f"{user.name:<12} {user.role.value:<9} ")
            text.append(
                "enabled" if user.active else "disabled", style="" if user.active else "bold"
            )
            if detail.locked_until:
                text.append(" locked", style="bold")
            text.append(f"  {', '.join(detail.stores) if detail.stores else 'all stores'}")
            rows.append((user.name, text))
        return rows

    def _user(self) -> str | None:
        name = self.chosen
        if name is None:
            self.show_error("no user chosen")
        return name

    # -- actions ------------------------------------------------------------------------------
    def action_add(self) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return

            def work() -> str:
                from serialpos.services.users import add_user

                user = add_user(
                    self.console.database(),
                    self.session.actor,
                    values["name"],
                    values["role"],
                    values["pin"],
                )
                return f"user {user.name} ({user.role.value}) added"

            self.change(work, form=f"user {values['name']}")

        self.app.push_screen(
            FormDialog(
                "Add a user",
                [
                    Field("name", "Name"),
                    Field("role", "Role", placeholder=ROLES_HINT),
                    Field("pin", "PIN", pin=True, placeholder="4-12 digits"),
                ],
            ),
            done,
        )

    def action_enable_or_disable(self) -> None:
        name = self._user()
        if name is None:
            return

        def work() -> str:
            from serialpos.services.user_admin import set_active
            from serialpos.services.users import find_user

            db = self.console.database()
            row = db.read(lambda conn: find_user(conn, name))
            user = set_active(db, self.session.actor, name, not (row and row.active))
            return f"user {user.name} is {'enabled' if user.active else 'disabled'}"

        self.change(work)

    def action_pin(self) -> None:
        name = self._user()
        if name is None:
            return

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return

            def work() -> str:
                from serialpos.services.user_admin import set_pin

                set_pin(self.console.database(), self.session.actor, name, values["pin"])
                return f"new PIN set for {name}"

            self.change(work, form=f"{name}'s new PIN")

        self.app.push_screen(
            FormDialog(
                f"New PIN for {name}", [Field("pin", "PIN", pin=True, placeholder="4-12 digits")]
            ),
            done,
        )

    def action_role(self) -> None:
        name = self._user()
        if name is None:
            return

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return

            def work() -> str:
                from serialpos.services.user_admin import set_role

                user = set_role(self.console.database(), self.session.actor, name, values["role"])
                return f"user {user.name} is now {user.role.value}"

            self.change(work, form=f"{name}'s role")

        self.app.push_screen(
            FormDialog(f"Role of {name}", [Field("role", "Role", placeholder=ROLES_HINT)]), done
        )

    def action_stores(self) -> None:
        name = self._user()
        if name is None:
            return

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return

            def work() -> str:
                from serialpos.services.user_admin import set_stores

                codes = values["codes"].replace(",", " ").split()
                chosen = set_stores(self.console.database(), self.session.actor, name, codes)
                return f"{name} may log in at {', '.join(chosen) if chosen else 'every store'}"

            self.change(work, form=f"{name}'s stores")

        self.app.push_screen(
            FormDialog(
                f"Stores of {name}",
                [Field("codes", "Stores", placeholder="codes; empty: all")],
                optional=frozenset({"codes"}),
            ),
            done,
        )
