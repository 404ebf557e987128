"""One error hierarchy for every refusal a shop rule can make.

Each error carries a stable ``code`` (host systems and scripts match on it, see
docs/integration.md) and a sentence a cashier understands. Screens show the sentence,
the CLI prints it, ``serialpos apply`` returns both.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the action. Nothing recorded has changed."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class BadRequest(DomainError):
    code = "bad_request"


class UnknownProduct(DomainError):
    code = "unknown_product"


class UnknownStore(DomainError):
    code = "unknown_store"


class UnknownUser(DomainError):
    code = "unknown_user"


class BadSerial(DomainError):
    """A serial that is malformed in itself (control characters, too long) or breaks the
    product's serial format."""

    code = "bad_serial_format"


class SerialRequired(DomainError):
    code = "serial_required"


class NotSerialized(DomainError):
    code = "not_serialized"


class DuplicateSerial(DomainError):
    code = "duplicate_serial"


class NotInStock(DomainError):
    code = "not_in_stock"


class AlreadySold(DomainError):
    code = "already_sold"


class InvalidTransition(DomainError):
    """The unit is in a state from which this action is not allowed."""

    code = "invalid_state"


class PermissionDenied(DomainError):
    code = "permission_denied"


class BadPin(DomainError):
    code = "bad_pin"


class UserDisabled(DomainError):
    """The user exists but an admin has disabled them: no login, no token, no ``--user``."""

    code = "user_disabled"


class LoginLocked(DomainError):
    """Too many wrong PINs for this name: sign-in waits until the lock ends."""

    code = "login_locked"


class BadValue(DomainError):
    """A field value (price, setting, serial mode...) that cannot be read."""

    code = "bad_value"


class Conflict(DomainError):
    """Another terminal changed the same record first; the action was not applied."""

    code = "conflict"


class RefusedWithDetails(DomainError):
    """A refusal that carries data for a program: ``serialpos apply`` returns ``details``
    beside the code and the message (an ASN receipt refused still lists, per product, what
    was scanned, missing and not on the ASN)."""

    def __init__(self, message: str, *, code: str, details: dict[str, object]) -> None:
        super().__init__(message, code=code)
        self.details = details


class Reserved(DomainError):
    """The unit is reserved to an order line other than the one acting (or to none)."""

    code = "reserved"


class Leased(DomainError):
    """The unit is leased to another store terminal (issue 16): only that terminal moves it
    until the lease is released or expires."""

    code = "leased"


class ReservationLost(DomainError):
    """An order line's unit is no longer reserved to it (sold, returned, reserved again...
    since the serial was recorded): the line must record a unit again."""

    code = "reservation_lost"
