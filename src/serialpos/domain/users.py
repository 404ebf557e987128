"""Users, their roles, what each role may do, and how PINs are kept."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets

from serialpos.domain.entry_text import identifier_refusal
from serialpos.domain.errors import BadPin, BadValue, PermissionDenied
from serialpos.domain.text import clip, has_control_chars


class Role(enum.StrEnum):
    CASHIER = "cashier"
    STOCKROOM = "stockroom"
    MANAGER = "manager"
    ADMIN = "admin"

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise BadValue(
                f"role '{clip(value)}' is not one of {', '.join(r.value for r in cls)}"
            ) from None


class Permission(enum.StrEnum):
    SELL = "sell"  # sales, serial entry, fulfilment, returns at the counter
    RECEIVE = "receive"  # receiving, transfers, returns to vendor, counting
    ADJUST = "adjust"  # stock adjustments, count approval, manager overrides
    MANAGE_PRODUCTS = "manage_products"  # import, edit, serial modes
    QUICK_CREATE = "quick_create"  # create a missing product at the counter or dock
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_STORES = "manage_stores"
    MANAGE_USERS = "manage_users"
    UNLOCK_USERS = "unlock_users"  # lift a PIN lockout before it ends
    REPORTS = "reports"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset({P.SELL, P.QUICK_CREATE}),
    Role.STOCKROOM: frozenset({P.RECEIVE, P.QUICK_CREATE}),
    Role.MANAGER: frozenset(
        {
            P.SELL,
            P.RECEIVE,
            P.ADJUST,
            P.MANAGE_PRODUCTS,
            P.QUICK_CREATE,
            P.MANAGE_SETTINGS,
            P.UNLOCK_USERS,
            P.REPORTS,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}

PERMISSION_WORDS = {
    P.SELL: "sell",
    P.RECEIVE: "receive or move stock",
    P.ADJUST: "adjust stock",
    P.MANAGE_PRODUCTS: "change products",
    P.QUICK_CREATE: "create products",
    P.MANAGE_SETTINGS: "change settings",
    P.MANAGE_STORES: "manage stores",
    P.MANAGE_USERS: "manage users",
    P.UNLOCK_USERS: "unlock users",
    P.REPORTS: "run reports",
}


def require(role: Role, user: str, permission: Permission) -> None:
    if permission not in ROLE_PERMISSIONS[role]:
        allowed = [r.value for r in Role if permission in ROLE_PERMISSIONS[r]]
        raise PermissionDenied(
            f"{user} ({role.value}) may not {PERMISSION_WORDS[permission]}; "
            f"that needs the role {' or '.join(allowed)}"
        )


def check_user_name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > 32 or has_control_chars(name) or " " in name:
        raise BadValue(
            f"user name '{clip(name)}' must be 1-32 characters with no spaces or control characters"
        )
    hidden = None if name.isascii() else identifier_refusal("user name", name)
    if hidden is not None:  # "mia<U+200B>" would be a second user who looks like mia
        raise BadValue(hidden)
    return name


def name_key(name: str) -> str:
    """What makes two user names the same: ``Ada`` and ``ada`` are one user."""
    return name.strip().casefold()


def check_pin(pin: str) -> str:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise BadPin("a PIN is 4 to 12 digits")
    return pin


# scrypt (RFC 7914) from the standard library; parameters sized for an interactive login on a
# counter terminal (~20 ms), stored with the hash so they can be raised later.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            pin.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
