"""Apply lines on a store terminal: the change to the local database and its journal entry in
one local transaction, so a crash keeps both or neither.

Every entry gets its id here, a UUID minted before any network call, and the next local
sequence number; the exact line later sent to central (``id`` = the entry id, ``journal`` =
terminal and sequence) is stored once, so a resend is byte for byte the same and central's
idempotent apply makes it safe. A line the host sent with its own ``id`` is also applied
locally at most once (its local outcome is kept as on any database), so replaying an input
file journals nothing new.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal, order_repo
from serialpos.db.engine import Database, DatabaseError
from serialpos.db.joined import JoinedDatabase
from serialpos.db.tables import utcnow
from serialpos.domain import entry_seal, till_time
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import other_stores_return_words
from serialpos.domain.text import clip
from serialpos.services import apply_ids, document_numbers, handed_over, journal_sink
from serialpos.services.apply import dispatch as apply_service
from serialpos.services.apply.document_handlers import _outbox_folder
from serialpos.services.context import Actor
from serialpos.services.counts import approval as counts
from serialpos.terminal import entry_events, line_numbers, link_probe, offline_rules

Result = dict[str, Any]

#: Operations naming an order by its number. A terminal's orders carry its code and keep
#: their number at central (services/document_numbers.py), so these mean the same order at
#: both ends; a number the terminal does not hold (central's, another till's) is refused.
BY_ORDER_NUMBER = frozenset(
    {
        "order_set_serial",
        "order_fulfil",
        "order_void",
        "order_return",
        "order_amend",
        "order_pay",
        "order_refund",
        "order_park",
    }
)
#: Of those, what a till may do to its copy of a sale of its store made elsewhere (another
#: till's, central's counter's: terminal/order_copies.py): take the customer's return.
ON_COPIES = frozenset({"order_return"})


def write_entry(
    conn: Connection, terminal: str, user: str, line: Mapping[str, Any]
) -> tuple[str, int]:
    """One journal entry for ``line`` in ``conn``'s transaction: its id (a UUID minted here,
    before any network call) and the next local sequence number, stored with the exact line
    later sent to central; both returned."""
    entry_id = str(uuid.uuid4())
    seq = journal.next_seq(conn)
    made = utcnow()
    body = {k: v for k, v in line.items() if k not in ("id", "journal")}
    # ``at``: the till's time of the act, by which central dates the sale's documents
    # (domain/till_time.py); never its order, which is ``seq``.
    origin = {"terminal": terminal, "seq": seq, "user": user, "at": till_time.text(made)}
    sent = {"id": entry_id, **body, "journal": origin}
    # Sealed after the entry before it (domain/entry_seal.py): an edit of the stored line
    # is found before it is sent, at central, and by `db check`.
    last = journal.last_line(conn)
    prev = entry_seal.hash_of(last) if last is not None else None
    journal.add(
        conn,
        entry_id=entry_id,
        seq=seq,
        terminal=terminal,
        user=user,
        made_at=made,
        line=entry_seal.seal(sent, prev or entry_seal.GENESIS),
        events=entry_events.claim(conn),
    )
    return entry_id, seq


class TerminalJournal:
    """The journal sink of a store terminal's database (services/journal_sink.py): services
    acting on it journal what they complete, in their own transaction. ``chain``: the
    till's link to central, for asking central before a sale the offline rules cover
    (terminal/link_probe.py); None where nobody asks (a database opened by a test)."""

    def __init__(
        self, terminal: str, db: Database | None = None, chain: ChainConfig | None = None
    ) -> None:
        self.terminal = terminal
        self.db = db
        self.chain = chain

    def ahead_of_sale(self, db: Database, actor: Actor, order: str) -> None:
        """Before ``order`` is fulfilled, outside its transaction: ask central first when
        the offline rules would refuse the sale offline (terminal/link_probe.py)."""
        if self.chain is not None:
            link_probe.ask_before_fulfilment(db, self.chain, order, user=actor.user)

    def record(self, conn: Connection, actor: Actor, line: Mapping[str, Any]) -> str:
        if self.db is not None:
            # What the store forbids while the link is down (terminal/offline_rules.py),
            # checked for a sale made by a service (the console) as for an apply line: the
            # refusal rolls the sale back before anything is printed.
            offline_rules.check_sale(self.db, line)
        return write_entry(conn, self.terminal, actor.user, line)[0]


def attach(db: Database, terminal: str, chain: ChainConfig | None = None) -> None:
    """Make ``db`` a store terminal's database: every service acting on it journals, each
    entry tied to the ledger events it made (terminal/entry_events.py). With ``chain``, a
    sale the offline rules would refuse offline asks central first (terminal/link_probe.py)."""
    entry_events.watch(db)
    journal_sink.attach(db, TerminalJournal(terminal, db, chain))


def journaled_object(terminal: str) -> apply_ids.ApplyObject:
    """An ``apply_object`` that, when the line is applied, writes its journal entry inside
    the line's own transaction (the database it is handed is joined to it). The services
    the line calls journal nothing themselves: the line is the entry."""

    def apply_object(db: Database, actor: Actor, data: Mapping[str, Any]) -> Result:
        with journal_sink.quiet(), document_numbers.minted() as numbers:
            result = apply_service.apply_object(db, actor, data)
        if not result["ok"]:
            return result
        # The numbers given here go with the line: central keeps them.
        sent = numbered(data, result)
        if data.get("op") == "count" and result.get("approved"):
            # The till's decisions go with the count: central posts them where still legal,
            # never its own view of the count (services/counts/till_decisions.py).
            sent = {**sent, "decided": counts.decided_of_json(result)}
        if numbers:
            sent = {**sent, "numbers": numbers}
        sent = handed_over.with_serials(sent, result)  # a fulfil's: central checks its own
        if data.get("op") == "order_create" and _gave_change(result):
            # The change this till gave goes with its sale, as a console sale's does
            # (services/orders/sale_journal.py): a conflict then says the money kept.
            sent = {**sent, "change_due": str(result["change_due"])}
        if data.get("op") == "order_fulfil":
            # The change this till gave, always (0.00 too): central books it as given,
            # never its own (services/orders/checkout.py ``change_given``).
            sent = {**sent, "change_due": str(result.get("change_due") or "0.00")}
        if data.get("op") == "order_void" and result.get("refunds"):
            # What this drawer paid back, as the console's void journals it
            # (services/order_void.py): a manager books it at central by ``refund`` when
            # central fulfilled the order meanwhile (services/conflict_closed_money.py).
            sent = {**sent, "refunds": result["refunds"]}

        def journal_it(conn: Connection) -> tuple[str, int]:
            # Order lines by their number, never this terminal's line ids (central's differ):
            # rewritten before write_entry seals the line (terminal/line_numbers.py).
            line = line_numbers.by_number(conn, _keyed_customer(conn, _priced(conn, sent, result)))
            line = without_pins(line)
            return write_entry(conn, terminal, actor.user, line)

        entry_id, seq = db.write(journal_it)
        return {**result, "entry": entry_id, "entry_seq": seq}

    return apply_object


def _gave_change(result: Mapping[str, Any]) -> bool:
    """Whether an applied sale's verdict says the till gave change."""
    try:
        return Decimal(str(result.get("change_due") or "0")) > 0
    except ArithmeticError:
        return False


def _local_customer_id(value: object) -> int | None:
    """The record id ``customer`` of an order_create line names (``12`` or ``{"id": 12}``)."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _keyed_customer(conn: Connection, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """An ``order_create`` (or ``order_amend``) line naming a customer record by this
    terminal's id, as
    journaled: by the record's chain-wide key with its details (as a counter sale names
    it, services/orders/sale_journal.py), for the same id at central is another record or
    none. The record was found here when the line was applied, in this transaction; central
    takes it by key (made there by its own ``customer_upsert`` entry, or from the
    snapshot)."""
    if data.get("op") not in ("order_create", "order_amend"):
        return data
    local = _local_customer_id(data.get("customer"))
    if local is None:
        return data
    from serialpos.services.customers import record_in

    r = record_in(conn, local)
    if r.key is None:  # every record has one since migration 0025: a damaged database
        raise DatabaseError(f"customer record {local} has no key: run `serialpos db check`")
    details = {"phone": r.phone, "email": r.email, "address": r.address}
    customer = {"key": r.key, "name": r.name, **{k: v for k, v in details.items() if v}}
    return {**data, "customer": customer}


def _priced(
    conn: Connection, data: Mapping[str, Any], result: Mapping[str, Any]
) -> Mapping[str, Any]:
    """A ``sell`` line as journaled (an ``order_create``: :func:`_order_priced`): with the
    unit price the till charged
    (``catalogue_price``, read from the sale's order in its own transaction), so central
    invoices it as the till did even if its own price changed meanwhile
    (services/orders/till_price.py)."""
    if data.get("op") == "order_create" and isinstance(result.get("order"), str):
        return _order_priced(conn, data, result["order"])
    if data.get("op") != "sell" or not isinstance(result.get("order"), str):
        return data
    line_c, order_c = order_repo.line_t.c, order_repo.order_t.c
    price = conn.execute(
        sa.select(line_c.unit_price)
        .join(order_repo.order_t, order_c.id == line_c.order_id)
        .where(order_c.number == result["order"])
        .order_by(line_c.number)
        .limit(1)
    ).scalar()
    if price is None:
        return data
    return {**data, "catalogue_price": f"{order_repo.money(price):.2f}"}


def _order_priced(conn: Connection, data: Mapping[str, Any], number: str) -> Mapping[str, Any]:
    """An ``order_create`` line as journaled: each line with the till's shelf price of its
    product (``catalogue_price``, as a counter sale's: services/orders/sale_journal.py),
    read from the order it made in its own transaction (the shelf price kept beside an
    override, else the line's price: one per product). Central then sells at the price the
    till charged, and a conflict says it (domain/sale_not_recorded.py), where it said
    ``"price": null`` for a sale a host made through ``serialpos apply`` on the till."""
    lines = data.get("lines")
    if not isinstance(lines, list):
        return data
    line_c, order_c = order_repo.line_t.c, order_repo.order_t.c
    shelf = {
        str(sku): order_repo.money(listed if listed is not None else price)
        for sku, listed, price in conn.execute(
            sa.select(line_c.sku, line_c.list_price, line_c.unit_price)
            .join(order_repo.order_t, order_c.id == line_c.order_id)
            .where(order_c.number == number, line_c.package_line.is_(None))
        )
    }
    priced = [
        {**item, "catalogue_price": f"{shelf[item['sku']]:.2f}"}
        if isinstance(item, Mapping)
        and "catalogue_price" not in item
        and isinstance(item.get("sku"), str)
        and item["sku"] in shelf
        else item
        for item in lines
    ]
    return data if priced == lines else {**data, "lines": priced}


def without_pins(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The line as journaled without a manager's ``pin`` (the line's own, its lines', a
    line's ``serial_override``): the till checked it when the line was applied here; the
    entry names the manager, which central takes from a journal entry (a PIN never leaves
    the till)."""

    def clean(value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        out = {k: v for k, v in value.items() if k != "pin"}
        if isinstance(out.get("serial_override"), Mapping):
            out["serial_override"] = clean(out["serial_override"])
        return out

    cleaned = clean(data)
    if isinstance(cleaned.get("lines"), list):
        cleaned["lines"] = [clean(x) for x in cleaned["lines"]]
    return cleaned if cleaned != data else data


#: Operations that make a document the terminal numbers, and the result key naming it.
_NUMBERED = {"receive": "number", "rtv": "number", "adjust": "number", "count": "count"}


def numbered(data: Mapping[str, Any], result: Mapping[str, Any]) -> Mapping[str, Any]:
    """The line as journaled: a document the line made here without a ``number`` (a host's
    receipt, return to vendor, adjustment or count) is sent with the number the terminal
    gave it, so central records the same document (services/stock_documents.py)."""
    key = _NUMBERED.get(str(data.get("op")))
    made = result.get(key) if key is not None else None
    if made is None or data.get("number") is not None:
        return data
    if data.get("op") != "count" and data.get("items") is None:
        return data  # a plain move: no document was made
    return {**data, "number": made}


def apply_line(
    db: Database,
    actor: Actor,
    raw: bytes | None,
    line_no: int,
    terminal: str,
    store: str | None = None,
) -> Result | None:
    """As services/apply/dispatch.py ``apply_line``, journaled. A line the terminal would refuse is
    refused exactly as there (and journals nothing). ``store``: the terminal's store (its
    config's), which says an order of another store apart from one not copied yet."""
    if db.journal_sink is None:
        # The terminal's documents carry its code, whoever opened the database.
        attach(db, terminal)
    if line_no == 1 and raw is not None:
        raw = raw.removeprefix(b"\xef\xbb\xbf")  # editors on Windows start files with a BOM
    if raw is None or not raw.strip():  # too long, or blank: the common path answers
        return apply_service.apply_line(db, actor, raw, line_no)
    try:
        data = apply_service.parse(raw)
    except DomainError:
        return apply_service.apply_line(db, actor, raw, line_no)
    head: Result = {"line": line_no}
    if "id" in data:
        head["id"] = data["id"]
    if "journal" in data:
        return {
            "ok": False,
            **head,
            "error": "bad_request",
            "message": "'journal' is written by the terminal, not by a host",
        }
    if data.get("op") in BY_ORDER_NUMBER:
        refusal = _order_not_here(db, data, terminal, store)
        if refusal is not None:
            return {"ok": False, **head, "error": "not_on_terminal", "message": refusal}
    if "numbers" in data:
        return {
            "ok": False,
            **head,
            "error": "bad_request",
            "message": "'numbers' is written by the terminal, not by a host",
        }
    if data.get("op") == "count" and data.get("approve") is not True:
        return {
            "ok": False,
            **head,
            "error": "not_on_terminal",
            "message": "on a store terminal a count reaches central when it is approved: "
            'send the whole count with "approve": true, or count in the console '
            "(the count is sent, batches and scans, when it is approved)",
        }
    try:  # what the store forbids while the link is down (terminal/offline_rules.py)
        chain = getattr(db.journal_sink, "chain", None)
        if isinstance(chain, ChainConfig):  # the link as it is now, not as last found
            link_probe.ask_first(db, data, chain, user=actor.user)
        offline_rules.check_sale(db, data)
    except DomainError as exc:
        return {"ok": False, **head, "error": exc.code, "message": exc.message}
    apply_object = journaled_object(terminal)
    if data.get("id") is not None:
        body = apply_ids.apply_once(db, actor, data, apply_object)
    else:
        body = _apply_without_id(db, actor, data, apply_object)
    return {"ok": body.pop("ok"), **head, **body}


def _order_not_here(
    db: Database, data: Mapping[str, Any], terminal: str, store: str | None
) -> str | None:
    """Why a line naming an order cannot be done on this terminal, or None: the order must be
    one this terminal made (its number carries the terminal's code), or, for a return, the
    till's copy of a sale of its store made elsewhere (terminal/order_copies.py)."""
    order = data.get("order")
    if not isinstance(order, str) or not order.strip():
        return None  # the operation itself says what is wrong
    found = db.read(lambda conn: order_repo.order_row(conn, order))
    returning = data.get("op") in ON_COPIES
    if found is None:
        if returning and (store is None or order.startswith(f"{store}-")):
            return (
                f"order {clip(order)} is not on this terminal: this till holds no copy of "
                "that sale (made at central or at another till, and not pulled here yet): "
                "sync while online and try again, or take the return at central"
            )
        if returning:
            return other_stores_return_words(clip(order), store)
        return (
            f"order {clip(order)} is not on this terminal: an order made at central or "
            "at another till is changed there"
        )
    order_store = str(found._mapping["store_code"])
    code = document_numbers.terminal_tag(terminal, order_store)
    if f"-{code}-" in order:
        return None
    if returning and (store is None or order_store == store):
        return None  # the till's copy of its store's sale: returned here as its own
    if returning:
        return other_stores_return_words(clip(order), store)
    return f"order {clip(order)} was not made on this terminal: change it at central"


class _Refused(Exception):
    def __init__(self, result: Result) -> None:
        super().__init__(result.get("error"))
        self.result = result


def _apply_without_id(
    db: Database, actor: Actor, data: Mapping[str, Any], apply_object: apply_ids.ApplyObject
) -> Result:
    """One transaction for the line and its entry; a refusal rolls all of it back."""

    def work(conn: Connection) -> Result:
        joined = JoinedDatabase(db, conn)
        result = apply_object(joined, actor, data)
        if joined.retryable is not None:
            raise joined.retryable  # the outer write retries the whole line
        if not result["ok"]:
            raise _Refused(result)
        return result

    try:
        return db.write(work)
    except _Refused as refused:
        return refused.result
    except (DatabaseError, sa.exc.SQLAlchemyError) as exc:
        # A full disk or a lost file: the line and its entry were rolled back together.
        return {
            "ok": False,
            "error": "database_error",
            "message": apply_ids.database_message(db, exc),
        }


def apply_stream(
    db: Database,
    actor: Actor,
    stream: IO[bytes],
    outbox: Path | None,
    terminal: str,
    store: str | None = None,
) -> Iterator[Result]:
    """One verdict per non-blank line, each line applied and journaled in one transaction."""
    folder = _outbox_folder  # as services/apply/dispatch.py's apply_stream
    for line_no, raw in enumerate(apply_service.read_lines(stream), start=1):
        # Set and reset around each line: the folder must not outlive the run.
        token = folder.set(outbox) if outbox is not None else None
        try:
            result = apply_line(db, actor, raw, line_no, terminal, store)
        finally:
            if token is not None:
                folder.reset(token)
        if result is not None:
            yield result
