"""Reading one ``apply`` line's JSON object: typed getters that refuse a wrong type or value with
``bad_request`` naming the field, the bounds every value is held to, and the shape every
handler shares, so handlers read values and never check types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.entry_text import identifier_refusal
from serialpos.domain.errors import BadRequest
from serialpos.domain.events import DocumentRef
from serialpos.domain.text import has_control_chars
from serialpos.services.context import Actor

#: The largest quantity one line may move; keeps sums far inside a 32-bit stock column.
MAX_QUANTITY = 1_000_000


# Longest values the ledger's event columns hold (db/tables.py: LedgerEvent).
MAX_DOCUMENT = 64


MAX_DOCUMENT_LINE = 32


MAX_REASON = 200

#: Keys whose text is words for a person, not an id or a name that picks something out: an
#: invisible character there misleads no look-up, so it is kept as sent. A customer's
#: details and a count's counter are among them: a till takes them as typed and journals
#: them, and central must take the same entry (a refusal there would be a sale the till
#: made and central did not). Every other text key (a document, transfer, order, ASN or
#: refund note id, a vendor, a SKU, a store, a manager's user name ...) is refused holding
#: one.
WORDS = frozenset({"reason", "note", "address", "name", "phone", "email", "counter"})


Result = dict[str, Any]

#: The keys of an order's line (``order_create``; ``order_amend`` adds its own): what a
#: host or a store terminal's journal entry may send. Any other is refused, never ignored:
#: ``{"sku": "TL-DRL18", "serail": "DRL18-A001"}`` sold a drill with no serial, and the
#: drill with that serial stayed in stock.
ORDER_LINE_KEYS = (
    "sku",
    "serial",
    "quantity",
    "serial_override",
    "status",
    "catalogue_price",
    "price",
    "discount",
    "discount_percent",
    "reason",
    "manager",
    "pin",
)


#: An order's ``customer`` object: a record's id, or its key and details, or details alone.
CUSTOMER_KEYS = ("id", "key", "name", "phone", "email", "address")


def refuse_unknown_keys(data: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    """Refuse ``data``'s first key not in ``known``, naming where it is and what is known:
    a nested object's key a line does not know is a typo or a misunderstanding, and read
    past it records something other than what was meant."""
    extra = sorted(set(data) - set(known))
    if extra:
        from serialpos.domain.text import clip

        raise BadRequest(f"{where}: unknown key '{clip(extra[0])}' (known: {', '.join(known)})")


class Fields:
    """Typed access to one line's JSON object. Every getter refuses a wrong type or value with
    ``bad_request`` naming the field, so handlers read values and never check types."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def _get(self, key: str) -> Any:
        # JSON null is the same as leaving the key out: host serialisers often write nulls.
        return self._data.get(key)

    def text(self, key: str, *, max_length: int = MAX_DOCUMENT) -> str:
        value = self.optional_text(key, max_length=max_length)
        if value is None:
            raise BadRequest(f"'{key}' is missing")
        return value

    def optional_text(self, key: str, *, max_length: int = MAX_DOCUMENT) -> str | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise BadRequest(f"'{key}' must be text, not {_json_type(value)}")
        if not value.strip():
            raise BadRequest(f"'{key}' is blank")
        if has_control_chars(value):
            raise BadRequest(f"'{key}' contains control characters")
        if len(value) > max_length:
            raise BadRequest(f"'{key}' is {len(value)} characters long; at most {max_length}")
        if key not in WORDS:
            _refuse_hidden(key, value)
        return value

    def code(self, key: str) -> str:
        """A store code or SKU: text matched exactly, so only its type is checked here; an
        unknown value is the ledger's ``unknown_store`` / ``unknown_product``."""
        value = self._get(key)
        if value is None:
            raise BadRequest(f"'{key}' is missing")
        if not isinstance(value, str):
            raise BadRequest(f"'{key}' must be text, not {_json_type(value)}")
        _refuse_hidden(key, value)
        return value

    @property
    def line(self) -> Mapping[str, Any]:
        """The whole line, as given (a handler that keeps it, or reads its envelope)."""
        return self._data

    def value(self, key: str) -> Any:
        """The raw JSON value of ``key`` (None when absent or null), for operations that
        take objects or lists of objects."""
        return self._get(key)

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise BadRequest(f"'{key}' must be true or false, not {_json_type(value)}")
        return value

    def serial_list(self, key: str) -> list[str] | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise BadRequest(f"'{key}' must be a list of serials, not {_json_type(value)}")
        for item in value:
            if not isinstance(item, str):
                raise BadRequest(f"'{key}' holds {_json_type(item)}; every serial must be text")
        return value

    def serials(self) -> list[str]:
        """``serial`` (one) or ``serials`` (a list), never both; none is an empty list."""
        one, many = self._get("serial"), self.serial_list("serials")
        if one is not None and many is not None:
            raise BadRequest("give 'serial' or 'serials', not both")
        if one is not None:
            if not isinstance(one, str):
                raise BadRequest(f"'serial' must be text, not {_json_type(one)}")
            return [one]
        if many == [] and self._get("quantity") is None:
            # An empty list is no serial and no quantity: it moved one unlabelled unit of a
            # product with optional serials (the default quantity 1), a unit nobody listed.
            raise BadRequest(
                "'serials' is an empty list: list the units' serials, or give 'quantity' "
                "for units without serials"
            )
        return many or []

    def names_serials(self) -> bool:
        """Whether the line names any serial in ``serial`` or ``serials`` (the keys of the
        unit operations; an adjust's ``add``/``remove`` are its own: a stray ``add`` on a
        receive by quantity is an unknown key, not serials written)."""
        return any(self._get(key) for key in ("serial", "serials"))

    def quantity(self, *, signed: bool = False) -> int | None:
        value = self._get("quantity")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"'quantity' must be a whole number, not {_json_type(value)}")
        if value == 0:
            raise BadRequest("'quantity' must not be 0")
        if value < 0 and not signed:
            raise BadRequest(
                "'quantity' must be positive; the operation says which way stock moves"
            )
        if abs(value) > MAX_QUANTITY:
            raise BadRequest(f"'quantity' must be at most {MAX_QUANTITY} in one line")
        return value

    def document(
        self, doc_type: str = "integration", alias: str | None = None
    ) -> DocumentRef | None:
        """The host's document (and its line) the events belong to. ``alias`` is an
        operation's own name for it (``transfer``), accepted instead of ``document``."""
        doc_id = self.optional_text("document", max_length=MAX_DOCUMENT)
        if alias is not None:
            other = self.optional_text(alias, max_length=MAX_DOCUMENT)
            if other is not None and doc_id is not None and other != doc_id:
                raise BadRequest(f"'{alias}' and 'document' name different documents")
            doc_id = other or doc_id
        line = self._document_line()
        if doc_id is None:
            if line is not None:
                raise BadRequest("'line' is a line of a document: give 'document' too")
            return None
        return DocumentRef(doc_type, doc_id, line)

    def _document_line(self) -> str | None:
        value = self._get("line")
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise BadRequest("'line' must not be negative")
            value = str(value)
            if len(value) > MAX_DOCUMENT_LINE:
                raise BadRequest(f"'line' is longer than {MAX_DOCUMENT_LINE} digits")
            return value
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"'line' must be text or a whole number, not {_json_type(value)}")
        return self.optional_text("line", max_length=MAX_DOCUMENT_LINE)

    def reason(self, *, required: bool = False) -> str | None:
        if required:
            return self.text("reason", max_length=MAX_REASON)
        return self.optional_text("reason", max_length=MAX_REASON)


Handler = Callable[[Database, Actor, Fields], Result]


def _refuse_hidden(key: str, value: str) -> None:
    """``bad_request`` for an id or name holding an invisible character, naming it and its
    position (domain/entry_text.py): ``"asn": "Y-2<U+200B>"`` received a vendor's one ASN a
    second time, ``"store": "S01<U+200B>"`` read as a store that does not exist."""
    if value.isascii():
        return
    refusal = identifier_refusal(f"'{key}'", value, "send it without it")
    if refusal is not None:
        raise BadRequest(refusal)


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be an object, not {_json_type(value)}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise BadRequest(f"'{what}' must be a list, not {_json_type(value)}")
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"
