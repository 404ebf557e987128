"""User administration and the PIN lockout, on SQLite and PostgreSQL: names ignore case, a
disabled user can neither log in nor act, every change is audited, and wrong PINs lock a name
(existing or not) for the chain's lockout time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import (
    BadPin,
    BadValue,
    LoginLocked,
    PermissionDenied,
    UnknownStore,
    UnknownUser,
    UserDisabled,
)
from serialpos.domain.users import Role
from serialpos.services import settings, user_admin, users
from serialpos.services.context import Actor

T0 = datetime(2026, 12, 2, 9, 0, 0)


def _add(db: Database, admin: Actor, name: str, role: str = "cashier") -> Actor:
    users.add_user(db, admin, name, role, "4321")
    return users.require_active(db, name, "t1")


def test_names_ignore_case(db: Database, admin: Actor) -> None:
    with pytest.raises(BadValue, match="user ADA already exists \\(as ada"):
        users.add_user(db, admin, "ADA", "cashier", "5555")
    actor = users.require_active(db, "AdA", "t9")
    assert (actor.user, actor.role, actor.terminal) == ("ada", Role.ADMIN, "t9")
    assert users.login(db, "ADA", "1234", "t1").user == "ada"
    assert [u.name for u in users.list_users(db)] == ["ada"]


def test_disabled_user_cannot_log_in_or_act(db: Database, admin: Actor) -> None:
    _add(db, admin, "Bob")
    assert user_admin.set_active(db, admin, "bob", False).active is False
    with pytest.raises(UserDisabled, match="user Bob is disabled"):
        users.require_active(db, "bob")
    with pytest.raises(UserDisabled):
        users.login(db, "bob", "4321", "t1")
    with pytest.raises(BadPin):  # a wrong PIN tells nothing more
        users.login(db, "bob", "9999", "t1")
    with pytest.raises(UnknownUser, match="there is no user 'nobody'"):
        users.require_active(db, "nobody")
    user_admin.set_active(db, admin, "BOB", True)
    assert users.login(db, "bob", "4321", "t1").user == "Bob"


def test_changes_need_an_admin_and_are_audited(db: Database, admin: Actor) -> None:
    cashier = _add(db, admin, "cat")
    manager = _add(db, admin, "meg", "manager")
    with pytest.raises(PermissionDenied):
        user_admin.set_active(db, manager, "cat", False)
    with pytest.raises(PermissionDenied):
        user_admin.set_role(db, cashier, "cat", "admin")

    user_admin.set_role(db, admin, "cat", "stockroom")
    user_admin.set_pin(db, admin, "cat", "777777")
    assert user_admin.set_stores(db, admin, "cat", ["S2", "S1"]) == ("S1", "S2")
    user_admin.set_active(db, admin, "cat", False)
    detail = user_admin.show_user(db, "CAT")
    assert (detail.name, detail.role, detail.active, detail.stores) == (
        "cat",
        Role.STOCKROOM,
        False,
        ("S1", "S2"),
    )
    actions = [(e.actor, e.terminal, e.action, e.detail) for e in detail.audit]
    assert actions == [
        ("ada", "test-terminal", "disabled", None),
        ("ada", "test-terminal", "stores_set", "all stores -> S1, S2"),
        ("ada", "test-terminal", "pin_set", None),
        ("ada", "test-terminal", "role_set", "cashier -> stockroom"),
        ("ada", "test-terminal", "added", "role cashier"),
    ]
    assert all("777777" not in (e.detail or "") for e in detail.audit)
    with pytest.raises(UnknownStore):
        user_admin.set_stores(db, admin, "cat", ["NOPE"])
    assert user_admin.show_user(db, "cat").stores == ("S1", "S2")  # nothing changed


def test_stores_limit_where_a_user_logs_in(db: Database, admin: Actor) -> None:
    _add(db, admin, "cat")
    user_admin.set_stores(db, admin, "cat", ["S2"])
    with pytest.raises(PermissionDenied, match="cat may not log in at store S1; only at S2"):
        users.login(db, "cat", "4321", "t1", "S1")
    assert users.login(db, "cat", "4321", "t1", "S2").user == "cat"
    user_admin.set_stores(db, admin, "cat", [])  # none: every store
    assert users.login(db, "cat", "4321", "t1", "S1").user == "cat"


def test_last_admin_is_kept(db: Database, admin: Actor) -> None:
    with pytest.raises(BadValue, match="last enabled admin"):
        user_admin.set_active(db, admin, "ada", False)
    with pytest.raises(BadValue, match="last enabled admin"):
        user_admin.set_role(db, admin, "ada", "manager")
    _add(db, admin, "root", "admin")
    assert user_admin.set_role(db, admin, "ada", "manager").role is Role.MANAGER


def _fail(db: Database, name: str, at: datetime, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(BadPin, match="unknown user or wrong PIN"):
            users.login(db, name, "0000", "t1", now=at)


@pytest.mark.parametrize("name", ["ada", "ghost"])
def test_five_wrong_pins_lock_a_name_whether_it_exists_or_not(
    db: Database, admin: Actor, name: str
) -> None:
    _fail(db, name, T0, 4)
    with pytest.raises(LoginLocked) as locked:
        users.login(db, name, "0000", "t1", now=T0 + timedelta(minutes=1))
    assert "locked for 5 more minutes" in str(locked.value)
    # locked: even the right PIN is refused, saying for how long
    with pytest.raises(LoginLocked, match="locked for 3 more minutes"):
        users.login(db, name, "1234", "t1", now=T0 + timedelta(minutes=3, seconds=30))
    if name == "ada":
        assert users.login(db, "ada", "1234", "t1", now=T0 + timedelta(minutes=7)).user == "ada"


def test_wrong_pins_spread_beyond_the_window_do_not_lock(db: Database, admin: Actor) -> None:
    _fail(db, "ada", T0, 4)
    _fail(db, "ada", T0 + timedelta(minutes=11), 4)  # a new window
    assert users.login(db, "ada", "1234", "t1", now=T0 + timedelta(minutes=12)).user == "ada"


def test_a_manager_unlocks_and_the_numbers_are_chain_settings(db: Database, admin: Actor) -> None:
    manager = _add(db, admin, "meg", "manager")
    cashier = _add(db, admin, "cat")
    settings.set_setting(db, admin, "login_attempts", "2")
    settings.set_setting(db, admin, "lockout_minutes", "30")
    with pytest.raises(BadValue, match="chain setting"):
        settings.set_setting(db, admin, "lockout_minutes", "3", "S1")
    with pytest.raises(BadValue, match="whole number from 1 to 100"):
        settings.set_setting(db, admin, "login_attempts", "0")
    now = utcnow()  # show_user compares with the clock
    _fail(db, "cat", now)
    with pytest.raises(LoginLocked, match="locked for 30 more minutes"):
        users.login(db, "cat", "0000", "t1", now=now)
    assert user_admin.show_user(db, "cat").locked_until is not None
    with pytest.raises(PermissionDenied):
        user_admin.unlock(db, cashier, "cat")
    assert user_admin.unlock(db, manager, "CAT") is True
    assert users.login(db, "cat", "4321", "t1").user == "cat"
    actions = [e.action for e in user_admin.show_user(db, "cat").audit]
    assert actions[:5] == ["logged_in", "unlocked", "locked", "login_failed", "login_failed"]


def test_case_duplicates_are_renamed_and_disabled_by_the_migration(db_url: str) -> None:
    database = Database(db_url)
    migrate.upgrade(database, "0011")
    with database.engine.begin() as conn:
        for name in ("Ada", "ada", "ADA", "bob"):
            conn.execute(
                sa.text(
                    "INSERT INTO app_user (name, role, pin_hash, active, created_at) "
                    "VALUES (:n, 'admin', 'x', :yes, :at)"
                ),
                {"n": name, "yes": True, "at": T0},
            )
    migrate.upgrade(database)
    found = {(u.name, u.active) for u in users.list_users(database)}
    assert found == {("Ada", True), ("ada~2", False), ("ADA~3", False), ("bob", True)}
    audit = user_admin.show_user(database, "ada~2").audit
    assert [(e.action, e.detail) for e in audit] == [
        ("renamed", "was 'ada', which differs only by case from an older user; disabled")
    ]
    database.dispose()
