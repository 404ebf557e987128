"""Roles, permissions and PINs, without a database."""

from __future__ import annotations

import pytest

from serialpos.domain.errors import BadPin, BadValue, PermissionDenied
from serialpos.domain.users import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    check_pin,
    check_user_name,
    hash_pin,
    require,
    verify_pin,
)

P, R = Permission, Role
# Written out by hand from DESIGN.md's "who uses it": cashiers sell, stockroom staff receive
# and move stock, managers run the store, admins everything.
Y, N = True, False
MATRIX: dict[Permission, tuple[bool, bool, bool, bool]] = {
    #                      cashier stockroom manager admin
    P.SELL:               (Y,      N,        Y,      Y),
    P.RECEIVE:            (N,      Y,        Y,      Y),
    P.ADJUST:             (N,      N,        Y,      Y),
    P.MANAGE_PRODUCTS:    (N,      N,        Y,      Y),
    P.QUICK_CREATE:       (Y,      Y,        Y,      Y),
    P.MANAGE_SETTINGS:    (N,      N,        Y,      Y),
    P.MANAGE_STORES:      (N,      N,        N,      Y),
    P.MANAGE_USERS:       (N,      N,        N,      Y),
    P.UNLOCK_USERS:       (N,      N,        Y,      Y),
    P.REPORTS:            (N,      N,        Y,      Y),
}  # fmt: skip
ROLES = (R.CASHIER, R.STOCKROOM, R.MANAGER, R.ADMIN)


def test_matrix_covers_everything() -> None:
    assert set(MATRIX) == set(Permission)
    assert set(ROLES) == set(Role)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        pytest.param(role, perm, row[i], id=f"{role.value}-{perm.value}")
        for perm, row in MATRIX.items()
        for i, role in enumerate(ROLES)
    ],
)
def test_permission_matrix(role: Role, permission: Permission, allowed: bool) -> None:
    assert (permission in ROLE_PERMISSIONS[role]) is allowed
    if allowed:
        require(role, "kim", permission)
    else:
        with pytest.raises(PermissionDenied) as err:
            require(role, "kim", permission)
        assert err.value.code == "permission_denied"
        message = str(err.value)
        assert message.startswith(f"kim ({role.value}) may not ")
        # names the roles that could do it
        for other_role, ok in zip(ROLES, MATRIX[permission], strict=True):
            assert (other_role.value in message.split("needs the role", 1)[1]) is ok


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("cashier", R.CASHIER),
        (" Admin ", R.ADMIN),
        ("MANAGER", R.MANAGER),
        ("stockroom", R.STOCKROOM),
    ],
)
def test_role_parse(text: str, role: Role) -> None:
    assert Role.parse(text) is role


@pytest.mark.parametrize("text", ["", "boss", "root", "cashiers"])
def test_role_parse_refuses(text: str) -> None:
    with pytest.raises(BadValue) as err:
        Role.parse(text)
    assert "cashier, stockroom, manager, admin" in str(err.value)


# -- names and PINs -------------------------------------------------------------------
def test_user_name() -> None:
    assert check_user_name(" kim ") == "kim"
    assert check_user_name("x" * 32) == "x" * 32
    for bad in ("", "  ", "a b", "x" * 33, "a\x00b", "tab\there"):
        with pytest.raises(BadValue):
            check_user_name(bad)


@pytest.mark.parametrize("pin", ["1234", "000000", "123456789012"])
def test_pin_ok(pin: str) -> None:
    assert check_pin(pin) == pin


@pytest.mark.parametrize("pin", ["", "123", "1234567890123", "12a4", "12 34", "１２３４", "-1234"])
def test_pin_refused(pin: str) -> None:
    with pytest.raises(BadPin) as err:
        check_pin(pin)
    assert err.value.code == "bad_pin"
    assert "4 to 12 digits" in str(err.value)


def test_pin_hash_and_verify() -> None:
    stored = hash_pin("4821")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert scheme == "scrypt"
    assert (int(n), int(r), int(p)) == (2**14, 8, 1)
    assert salt and digest
    assert "4821" not in stored
    assert verify_pin("4821", stored) is True
    assert verify_pin("4822", stored) is False
    assert verify_pin("48210", stored) is False
    assert verify_pin("", stored) is False


def test_pin_hashes_are_salted() -> None:
    first, second = hash_pin("1234"), hash_pin("1234")
    assert first != second
    assert verify_pin("1234", first) and verify_pin("1234", second)


def test_hash_never_contains_the_pin() -> None:
    # Several PINs, so a PIN appearing by chance inside base64 text would be noticed as flaky
    # rather than hidden; digits-only substrings of length >= 6 are very unlikely in base64.
    for pin in ("938271", "55501234", "120987654321"):
        assert pin not in hash_pin(pin)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain1234",
        "bcrypt$1$2$3$c2FsdA==$ZGlnZXN0",
        "scrypt$x$8$1$c2FsdA==$ZGlnZXN0",
        "scrypt$16384$8$1$!!!$???",
        "scrypt$16384$8",
    ],
)
def test_verify_refuses_malformed_hash(stored: str) -> None:
    assert verify_pin("1234", stored) is False
