"""The ``apply`` envelope: reading lines from a stream, parsing each as JSON, finding its
operation in :data:`OPERATIONS` and running its handler in one transaction, and turning every
refusal into a verdict with a stable error code. To add an operation, write a handler in the
room for its document family and add its entry to :data:`OPERATIONS`.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from serialpos.db.engine import Database, DatabaseError, DiskFull
from serialpos.domain import json_text
from serialpos.domain.errors import BadRequest, DomainError, RefusedWithDetails
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.services import apply_ids, document_numbers
from serialpos.services.apply import home_store
from serialpos.services.apply.customer_handlers import _customer_upsert
from serialpos.services.apply.discount_fields import ORDER_KEYS as ORDER_DISCOUNT_KEYS
from serialpos.services.apply.document_handlers import _asn_receive, _count, _outbox_folder
from serialpos.services.apply.fields import Fields, Handler, Result, _json_type
from serialpos.services.apply.move_handlers import (
    _adjust,
    _return,
    _sell,
    _simple,
    _transfer_in,
    _transfer_out,
)
from serialpos.services.apply.order_amend import KEYS as AMEND_KEYS
from serialpos.services.apply.order_amend import SERIAL_APPROVAL_KEYS, _order_amend
from serialpos.services.apply.order_handlers import (
    _order_create,
    _order_fulfil,
    _order_return,
    _order_set_serial,
    _order_void,
)
from serialpos.services.apply.order_money import (
    PARK_KEYS,
    PAY_KEYS,
    REFUND_KEYS,
    _order_park,
    _order_pay,
    _order_refund,
)
from serialpos.services.context import Actor

#: Longest accepted input line in bytes, without its line break. A longer line is refused
#: whole and skipped in small chunks, so a runaway line cannot exhaust memory.
MAX_LINE_BYTES = 1024 * 1024


_SKIP_CHUNK = 64 * 1024


#: Keys every line may carry whatever its operation (``journal``: a store terminal's entry,
#: services/conflicts.py).
COMMON_KEYS = frozenset({"op", "id", "journal", "numbers"})


@dataclass(frozen=True)
class Operation:
    """One ``op``: its handler and the keys it reads (any other key is reported as a warning,
    so a host's typo such as ``serail`` is visible rather than silently ignored)."""

    handler: Handler
    keys: frozenset[str]


_UNITS = frozenset({"store", "sku", "serial", "serials", "quantity", "document", "line"})
#: A whole stockroom document in one line (a store terminal's; services/apply/items.py).
_DOCUMENT = frozenset({"number", "items"})


#: op name -> operation. To add an operation, write a handler and add its entry here (and a
#: section in docs/integration.md).
OPERATIONS: dict[str, Operation] = {
    "receive": Operation(
        _simple(Action.RECEIVE), _UNITS | {"shared_by"} | _DOCUMENT | {"vendor", "reference"}
    ),
    "sell": Operation(_sell, _UNITS | {"payment", "catalogue_price"}),
    "return": Operation(_return, _UNITS | {"reason", "damaged"}),
    "transfer_out": Operation(_transfer_out, _UNITS | {"to", "transfer", "create", "items"}),
    "transfer_in": Operation(_transfer_in, _UNITS | {"transfer", "items", "complete"}),
    "rtv": Operation(_simple(Action.RTV), _UNITS | {"reason"} | _DOCUMENT | {"vendor"}),
    "adjust": Operation(
        _adjust,
        frozenset(
            {"store", "sku", "add", "remove", "quantity", "reason", "document", "line", "shared_by"}
        )
        | _DOCUMENT
        | {"note"},
    ),
    "order_create": Operation(
        _order_create,
        frozenset(
            {
                "store",
                "type",
                "delivery",
                "customer",
                "lines",
                "fulfil",
                "payments",
                "exchange_of",
                "change_due",
            }
        )
        | ORDER_DISCOUNT_KEYS,
    ),
    "order_set_serial": Operation(
        _order_set_serial,
        frozenset({"order", "line", "line_number", "serial"}) | SERIAL_APPROVAL_KEYS,
    ),
    "order_amend": Operation(_order_amend, AMEND_KEYS | ORDER_DISCOUNT_KEYS),
    "order_fulfil": Operation(
        _order_fulfil,
        frozenset({"order", "lines", "line_numbers", "payments", "handed_over", "change_due"}),
    ),
    # ``refunds``: what a till's void paid back out of its drawer (journaled for a
    # conflict's ``refund``: services/conflict_closed_money.py); central refunds its own.
    "order_void": Operation(_order_void, frozenset({"order", "refunds"})),
    "order_pay": Operation(_order_pay, PAY_KEYS),
    "order_refund": Operation(_order_refund, REFUND_KEYS),
    "order_park": Operation(_order_park, PARK_KEYS),
    "order_return": Operation(
        _order_return,
        frozenset(
            {
                "order",
                "serials",
                "damaged",
                "refund_method",
                "store",
                "line_numbers",
                "damaged_line_numbers",
                "exchange",
            }
        ),
    ),
    "count": Operation(
        _count, frozenset({"store", "batches", "approve", "products", "number", "decided"})
    ),
    "asn_receive": Operation(_asn_receive, frozenset({"asn", "store", "scans", "complete"})),
    "customer_upsert": Operation(
        _customer_upsert, frozenset({"key", "name", "phone", "email", "address"})
    ),
}


def parse(raw: bytes) -> dict[str, Any]:
    """One input line as its JSON object; ``bad_request`` when it is not one."""
    return _parse(raw)


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the line is not valid UTF-8") from None
    try:
        value = json_text.loads(text)
    except json_text.LoneSurrogate:
        # "\ud800" is valid JSON but no character: it could be neither stored nor echoed.
        raise BadRequest("the line holds an invalid Unicode escape (a lone surrogate)") from None
    except json_text.JsonRefused as exc:
        # Its own "line 1 column 5" would be read as the input line: give the column alone.
        where = f" at column {exc.column}" if exc.column is not None else ""
        raise BadRequest(f"the line is not valid JSON: {exc.reason}{where}") from None
    if not isinstance(value, dict):
        raise BadRequest(f"the line must be a JSON object, not {_json_type(value)}")
    return value


def _numbers_given(data: Mapping[str, Any]) -> dict[str, str]:
    """The document numbers a store terminal's journal entry carries (central keeps them:
    services/document_numbers.py); a host may not choose numbers."""
    given = data.get("numbers")
    if given is None:
        return {}
    journal = data.get("journal")
    if not isinstance(journal, dict) or not isinstance(journal.get("terminal"), str):
        raise BadRequest("'numbers' is given by a store terminal's journal entry only")
    store = data.get("store")
    return document_numbers.check_given(
        given, journal["terminal"], store if isinstance(store, str) else None
    )


def _failure(code: str, message: str) -> Result:
    return {"ok": False, "error": code, "message": message}


def apply_object(db: Database, actor: Actor, data: Mapping[str, Any]) -> Result:
    """Apply one operation given as a decoded JSON object; the verdict, never an exception for
    a refusal. ``ok`` true means its one transaction committed, false that nothing changed."""
    warnings: list[str] = []
    try:
        op = data.get("op")
        if op is None:
            raise BadRequest("'op' is missing")
        if not isinstance(op, str):
            raise BadRequest(f"'op' must be text, not {_json_type(op)}")
        operation = OPERATIONS.get(op)
        if operation is None:
            raise BadRequest(f"unknown op '{clip(op)}'; known: {', '.join(OPERATIONS)}")
        unknown = sorted(set(data) - COMMON_KEYS - operation.keys)
        warnings = [f"unknown key '{clip(k)}' ignored" for k in unknown]
        home_store.check_token_line(db, actor, data)  # a till's token: its own store only
        with document_numbers.keep(_numbers_given(data)):
            result: Result = {"ok": True, "op": op} | operation.handler(db, actor, Fields(data))
    except DomainError as exc:
        result = _failure(exc.code, exc.message)
        if isinstance(exc, RefusedWithDetails):  # a refusal that still reports what it saw
            result |= {k: v for k, v in exc.details.items() if k not in result}
    except DatabaseError as exc:
        result = _failure("database_error", clip(str(db.refusal(exc)), 300))
    except sa.exc.SQLAlchemyError as exc:
        said = db.refusal(exc)  # a full disk said whole: what was lost, which file
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = lines[0] if lines else type(exc).__name__
        result = _failure(
            "database_error",
            clip(str(said), 300)
            if isinstance(said, DiskFull)
            else f"database error: {clip(reason, 300)}",
        )
    warnings += result.pop("warnings", [])
    if warnings:
        result["warnings"] = warnings
    return result


def apply_line(db: Database, actor: Actor, raw: bytes | None, line_no: int) -> Result | None:
    """The verdict for one input line (``raw`` without its line break; None for a line over
    :data:`MAX_LINE_BYTES`), or None for a blank line, which is skipped."""
    if raw is not None and line_no == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]  # editors on Windows start files with a BOM
    if raw is not None and not raw.strip():
        return None
    head: Result = {"line": line_no}
    if raw is None:
        body = _failure("bad_request", f"line too long: more than {MAX_LINE_BYTES} bytes")
    else:
        try:
            data = _parse(raw)
        except BadRequest as exc:
            body = _failure(exc.code, exc.message)
        else:
            if "id" in data:
                head["id"] = data["id"]
            if data.get("id") is not None and data.get("journal") is not None:
                from serialpos.services import entries  # a store terminal's entry

                body = entries.apply_entry(db, actor, data, apply_object)
            elif data.get("id") is not None:  # at most once, ever (services/apply_ids.py)
                body = apply_ids.apply_once(db, actor, data, apply_object)
            else:
                body = apply_object(db, actor, data)
    return {"ok": body.pop("ok"), **head, **body}


def read_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """Each line of ``stream`` without its line break, or None for a line longer than
    ``limit`` bytes. At most ``limit`` + 2 bytes are held at once, whatever the input."""
    while True:
        chunk = stream.readline(limit + 2)  # room for a whole line and its "\r\n"
        if not chunk:
            return
        if len(chunk) == limit + 2 and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(_SKIP_CHUNK)  # skip the rest, never holding it
            yield None
            continue
        line = chunk.removesuffix(b"\n").removesuffix(b"\r")
        yield None if len(line) > limit else line


def apply_stream(
    db: Database, actor: Actor, stream: IO[bytes], outbox: Path | None = None
) -> Iterator[Result]:
    """One verdict per non-blank input line, in input order, each line its own transaction.
    Results are produced as lines are read, so a host can stream both ways. ``outbox`` is the
    terminal's event-file folder (default: from the terminal config)."""
    for line_no, raw in enumerate(read_lines(stream), start=1):
        # Set and reset around each line, within one step of the generator: the folder must
        # not outlive the run (a later run in the same thread would write into this outbox).
        token = _outbox_folder.set(outbox) if outbox is not None else None
        try:
            result = apply_line(db, actor, raw, line_no)
        finally:
            if token is not None:
                _outbox_folder.reset(token)
        if result is not None:
            yield result


def not_recorded(raw: bytes | None, line_no: int, message: str) -> Result | None:
    """The verdict of a line the database could not take (its disk is full, say): refused
    with ``database_error`` and ``message``, its ``id`` given back; a line that is not a JSON
    object is refused as ``bad_request``, as always. None for a blank line. Needs no
    database, so a run that cannot write at all still answers every line it was given."""
    if raw is not None and line_no == 1:
        raw = raw.removeprefix(codecs.BOM_UTF8)
    if raw is not None and not raw.strip():
        return None
    head: Result = {"ok": False, "line": line_no}
    if raw is None:
        return head | _failure("bad_request", f"line too long: more than {MAX_LINE_BYTES} bytes")
    try:
        data = _parse(raw)
    except BadRequest as exc:
        return head | _failure(exc.code, exc.message)
    if "id" in data:
        head["id"] = data["id"]
    return head | _failure("database_error", message)


def none_recorded(stream: IO[bytes], message: str) -> Iterator[Result]:
    """The verdicts of a run whose database cannot be opened for writing (a full disk): each
    line :func:`not_recorded`, so a host knows exactly which lines to send again."""
    for line_no, raw in enumerate(read_lines(stream), start=1):
        result = not_recorded(raw, line_no, message)
        if result is not None:
            yield result
