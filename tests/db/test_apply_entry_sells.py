"""Plain sales of a store terminal applied set-based (services/entry_sells.py) leave exactly
what the one-by-one path leaves: the same verdicts, the same rows in every table (orders,
invoices, lines, payments, units, events and their feed, stock, outcomes, conflicts, counters
and chain heads), on SQLite and PostgreSQL; a conflict or refusal in the middle of a run
is recorded as before and the run goes on; a resend replays everything; ``db check`` is
clean."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pg_server import PG_URL, require_postgres
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import entries, entry_lines, ledger, products, snapshot, stores, users
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.document_numbers import terminal_tag
from serialpos.services.integrity import check_ledger


def _shop(url: str) -> tuple[Database, Actor]:
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    stores.add_store(db, SYSTEM, "S2", "Harbour Mall")
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(db, mia, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(
        db, mia, sku="PH2", name="Tablet", serial_mode="required", price=Decimal("199.90")
    )
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=[f"A{n}" for n in range(9)])
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH2", serials=["T1", "T2"])
    ledger.move(db, mia, Action.RECEIVE, store="S2", sku="PH1", serials=["B1"])
    ledger.move(
        db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=[f"N{n}" for n in range(10)]
    )
    token = users.actor_for(db, "mia", "api-till-1")
    snapshot.link(db, token, "S1", "till-1")
    return db, token


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_shops(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Any]]:
    """Two identical databases of one kind, each with its terminal's token."""
    urls: list[str] = []
    schemas: list[str] = []
    admin = None
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path / f'{n}.sqlite'}" for n in (1, 2)]
    else:
        require_postgres()
        admin = sa.create_engine(PG_URL)
        for _ in (1, 2):
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            schemas.append(schema)
            sep = "&" if "?" in PG_URL else "?"
            urls.append(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    shops = [_shop(url) for url in urls]
    yield shops
    for db, _token in shops:
        db.dispose()
    if admin is not None:
        with admin.begin() as conn:
            for schema in schemas:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


#: The terminal's code in the numbers it gives (its id is no short code: a hash of it).
TAG = terminal_tag("till-1", "S1")


def _given(**values: int) -> dict[str, str]:
    """Numbers till-1 gave its documents, by series."""
    prefixes = {"order": "", "invoice": "INV-", "refund": "RF-"}
    return {k: f"{prefixes[k]}S1-{TAG}-{v:06d}" for k, v in values.items()}


def _lines() -> list[bytes]:
    """A run with every kind of entry in it: plain sales around conflicts and refusals."""
    seq = iter(range(1, 1000))

    def entry(key: str, **line: Any) -> dict[str, Any]:
        journal = {"terminal": "till-1", "seq": next(seq), "user": "mia"}
        return {"id": key, **line, "journal": journal}

    def sell(key: str, **line: Any) -> dict[str, Any]:
        return entry(key, op="sell", store="S1", sku="PH1", **line)

    first = sell("e-01", serial="A0")
    lines = [
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "H0"},  # the first line
        first,
        sell("e-02", serial="A1"),
        sell("e-03", serial="A0"),  # sold just above: a conflict
        sell("e-04", serials=["A2", "A3"], payment="card"),
        entry("e-05", op="sell", store="S1", sku="PH2", serials=["T1"]),
        sell("e-06", serial="NOPE"),  # not known to the ledger: a conflict
        sell("e-07", serial="B1"),  # at S2: not in stock here
        entry("e-08", op="sell", store="S2", sku="PH1", serial="B1"),  # another store's
        sell("e-09", serial="A4", payment="bitcoin"),  # refused: no such method
        first,  # the same entry again
        {**first, "serial": "A5"},  # its id again with another body: refused
        sell("e-10", serial="A5", quantity=1),  # a quantity: the one-by-one way, accepted
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "H1"},  # a host line between
        sell("e-11", serial="H1"),
        sell("e-12", serial="A6"),
        sell("e-13", serials=["A7", "A6"]),  # A6 sold just above: a conflict
        sell("e-14", serial="A7"),
        entry("e-15", op="sell", store="S1", sku="PH2", serial="T2"),
        sell("e-16", serial="A8"),
        # A terminal's sales carry the numbers it gave (services/document_numbers.py).
        sell("e-17", serial="N0", numbers=_given(order=1, invoice=1)),
        sell("e-18", serial="N1", numbers=_given(order=2)),  # its invoice numbered here
        sell("e-19", serial="N2", numbers=_given(order=1, invoice=9)),  # e-17's: taken
        sell("e-20", serial="N3", numbers=_given(order=3, invoice=3)),
        sell("e-21", serial="N4", numbers=_given(order=3, invoice=4)),  # e-20's, same run
        sell("e-22", serial="N5", numbers={"order": "S1-T9-000004"}),  # another terminal's
        sell("e-23", serial="N6", numbers="S1-000004"),  # not an object
        sell("e-24", serial="N7", numbers={"order": f"S2-{TAG}-000005"}),  # another store's
        sell("e-25", serial="N8", numbers=_given(order=6, invoice=6, refund=6)),
        sell("e-26", serial="A0", numbers=_given(order=7, invoice=7)),  # sold: a conflict
        sell("e-27", serial="N9", numbers=_given(invoice=1)),  # e-17's invoice: taken
        sell("e-28", serial="N9", numbers=_given(order=8, invoice=8)),
    ]
    return [json.dumps(x).encode() for x in lines]


def _apply(db: Database, token: Actor, lines: list[bytes]) -> list[dict[str, Any]]:
    done: list[dict[str, Any]] = []
    for first in entry_lines.runs(list(lines), 1):
        run: entry_lines.Run | None = first
        while run is not None:
            answered, run = entry_lines.apply_run(db, token, run)
            done += answered
    return done


def _timeless(value: Any) -> Any:
    """``value`` without the moments it was made at and salted PIN hashes (the two runs
    differ only in those)."""
    if isinstance(value, dict):
        return {
            k: _timeless(v)
            for k, v in value.items()
            if k not in ("at", "hash", "pin_hash") and not k.endswith("_at")
        }
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _timeless(json.loads(value))
        except ValueError:
            return value
    return value


def _tables(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows in key order, without moments and hashes (which hash moments)."""
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    found: dict[str, list[dict[str, Any]]] = {}
    with db.engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            if name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(sa.select(table).order_by(*order)).mappings()
            found[name] = [
                _timeless({k: v for k, v in r.items() if not isinstance(v, datetime)}) for r in rows
            ]
    return found


def test_plain_sales_set_based_leave_what_one_by_one_leaves(
    two_shops: list[tuple[Database, Actor]], monkeypatch: pytest.MonkeyPatch
) -> None:
    (alone, alone_token), (together, together_token) = two_shops
    lines = _lines()
    # A push's run is cut where its time budget ends (services/entries.py), and the units a
    # refusal names are read after its run's commit, with the later entries of that run
    # applied: the same cut in both ways, whatever the machine's load (a loaded machine
    # cut them at different entries, and e-27's N9 read sold by e-28 in one, in stock in
    # the other). Batches of BATCH entries alone cut them here.
    monkeypatch.setattr(entries.apply_entries, "__kwdefaults__", {"budget": 3600.0})
    monkeypatch.setattr(entries, "SET_BASED", False)
    one_by_one = [_apply(alone, alone_token, lines), _apply(alone, alone_token, lines)]
    monkeypatch.setattr(entries, "SET_BASED", True)
    failed: list[BaseException] = []  # a statement refused (a number written twice...)

    def refused(context: Any) -> None:
        failed.append(context.original_exception)

    sa.event.listen(together.engine, "handle_error", refused)
    set_based = [_apply(together, together_token, lines), _apply(together, together_token, lines)]
    sa.event.remove(together.engine, "handle_error", refused)
    assert failed == []  # no run fell back to its entries alone after a failed transaction

    assert _timeless(set_based) == _timeless(one_by_one)
    first, again = set_based
    verdicts: dict[Any, dict[str, Any]] = {}
    for verdict in first:
        verdicts.setdefault(verdict.get("id"), verdict)  # e-01 comes three times
    resent = [v for v in first if v.get("id") == "e-01"]
    assert [v["ok"] for v in resent] == [True, True, False]
    assert resent[1]["replayed"] is True and resent[2]["error"] == "id_reused"
    assert [verdicts[k]["ok"] for k in ("e-01", "e-02", "e-04", "e-05", "e-11", "e-16")] == [
        True
    ] * 6
    assert verdicts["e-04"]["units"] == [
        {"serial": "A2", "from": "in_stock", "to": "sold"},
        {"serial": "A3", "from": "in_stock", "to": "sold"},
    ]
    assert [verdicts[k]["error"] for k in ("e-03", "e-06", "e-13")] == ["sync_conflict"] * 3
    assert verdicts["e-14"]["ok"] and verdicts["e-10"]["ok"]  # A7 stayed: e-13 kept nothing
    assert verdicts["e-08"]["error"] == "wrong_store"
    assert not verdicts["e-09"]["ok"] and not verdicts["e-07"]["ok"]
    # The resend: what was kept (sales, conflicts) is replayed; refusals kept nothing.
    # The numbers a terminal gave are kept; invalid or taken ones are refused as before.
    assert [verdicts[k]["order"] for k in ("e-17", "e-18", "e-20", "e-25", "e-28")] == [
        _given(order=n)["order"] for n in (1, 2, 3, 6, 8)
    ]
    assert [verdicts[k]["invoice"] for k in ("e-17", "e-20", "e-25", "e-28")] == [
        _given(invoice=n)["invoice"] for n in (1, 3, 6, 8)
    ]
    assert verdicts["e-18"]["invoice"].startswith("INV-S1-0")  # central's own number
    # A number the till gave before: its journal numbered again what central took, told as
    # a rewind (services/journal_rewinds.py), the refusal beside it.
    taken_again = ("e-19", "e-21", "e-27")
    assert [verdicts[k]["error"] for k in taken_again] == ["journal_rewound"] * 3
    assert [verdicts[k]["refused"]["error"] for k in taken_again] == ["number_taken"] * 3
    for key in ("e-22", "e-23", "e-24"):
        assert verdicts[key]["error"] == "bad_request" and "numbers" in verdicts[key]["message"]
    assert verdicts["e-26"]["error"] == "sync_conflict"
    kept = [a for f, a in zip(first, again, strict=True) if f["ok"] or f.get("conflict")]
    assert len([v for v in kept if v.get("id")]) == 21
    assert all(v.get("replayed") for v in kept if v.get("id"))
    assert _tables(together) == _tables(alone)
    assert check_ledger(together) == [] and check_ledger(alone) == []


def test_a_long_run_of_plain_sales_is_written_set_based(
    two_shops: list[tuple[Database, Actor]],
) -> None:
    """Many sales in one request: a handful of statements per hundred entries, every entry
    accepted once, the units sold, the chain and feed whole."""
    db, token = two_shops[0]
    mia = users.actor_for(db, "mia", "setup")
    serials = [f"L{n:03d}" for n in range(250)]
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=serials)
    lines = [
        json.dumps(
            {
                "id": f"long-{n}",
                "op": "sell",
                "store": "S1",
                "sku": "PH1",
                "serial": s,
                "journal": {"terminal": "till-1", "seq": n + 1, "user": "mia"},
            }
            # Every other one numbered by the terminal, as a terminal's sales are.
            | ({"numbers": _given(order=n + 1, invoice=n + 1)} if n % 2 else {})
        ).encode()
        for n, s in enumerate(serials)
    ]
    said = {"sql": 0}

    def count(*_args: object) -> None:
        said["sql"] += 1

    sa.event.listen(db.engine, "before_cursor_execute", count)
    verdicts = _apply(db, token, [b"", *lines])
    sa.event.remove(db.engine, "before_cursor_execute", count)
    assert [v["id"] for v in verdicts] == [f"long-{n}" for n in range(250)]
    assert all(v["ok"] and "replayed" not in v for v in verdicts)
    assert said["sql"] < len(lines)  # one-by-one took some 26 a sale
    assert [v["order"] for v in verdicts[1::2]] == [
        _given(order=n + 1)["order"] for n in range(1, 250, 2)
    ]
    assert [v["invoice"] for v in verdicts[::2]] == [
        f"INV-S1-{n:06d}" for n in range(1, 126)
    ]  # central's own, from its counter: one per sale the terminal did not number
    with db.engine.connect() as conn:
        states = conn.exec_driver_sql(
            "SELECT count(*) FROM serial_unit "
            "WHERE serial >= 'L' AND serial < 'M' AND state = 'sold'"
        ).scalar_one()
        orders = conn.exec_driver_sql("SELECT count(DISTINCT number) FROM sale_order").scalar_one()
    assert states == 250 and orders == 250
    assert check_ledger(db) == []


def test_an_entry_alone_on_the_first_line_takes_the_batched_way(
    two_shops: list[tuple[Database, Actor]],
) -> None:
    """An online sale is a push of one entry, on line 1 (perhaps after a BOM): it is applied
    as a run of entries (set-based), not the way of any other line."""
    db, token = two_shops[0]
    line = {
        "id": "online-1",
        "op": "sell",
        "store": "S1",
        "sku": "PH1",
        "serial": "A0",
        "journal": {"terminal": "till-1", "seq": 1, "user": "mia"},
    }
    raw = b"\xef\xbb\xbf" + json.dumps(line).encode()
    [run] = list(entry_lines.runs([raw], 1))
    assert run.entries == [line]
    [verdict] = _apply(db, token, [raw])
    assert verdict["ok"] and verdict["line"] == 1 and verdict["id"] == "online-1"
    assert verdict["units"] == [{"serial": "A0", "from": "in_stock", "to": "sold"}]
    assert check_ledger(db) == []


def test_a_push_of_sales_writes_each_table_in_one_execute_on_postgresql(
    two_shops: list[tuple[Database, Actor]],
) -> None:
    """A run's orders, invoices, lines, invoice lines, payments and events each go in as one
    statement from arrays on PostgreSQL (db/array_insert.py), never one execute per row
    (executemany); SQLite keeps its executemany."""
    db, token = two_shops[0]
    lines = [
        json.dumps(
            {
                "id": f"push-{n}",
                "op": "sell",
                "store": "S1",
                "sku": "PH1",
                "serial": f"N{n}",
                "journal": {"terminal": "till-1", "seq": n + 1, "user": "mia"},
            }
        ).encode()
        for n in range(10)
    ]
    many: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, executemany: bool) -> None:
        if executemany:
            many.append(statement.split("(")[0])

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    verdicts = _apply(db, token, lines)
    sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert all(v["ok"] for v in verdicts) and len(verdicts) == 10
    if db.dialect == "postgresql":
        assert many == []
    else:
        assert len(many) >= 5  # orders, invoices, lines, invoice lines, payments, events
    assert check_ledger(db) == []


def _push_sales(
    db: Database, token: Actor, prefix: str, numbers: range, *, numbered: bool
) -> list[dict[str, Any]]:
    """Till-1's sales of serials ``N<n>`` for each n (entry ids ``<prefix>-<n>``), pushed as
    one request; ``numbered``: with the order and invoice numbers the till gave them."""
    lines = []
    for n in numbers:
        line: dict[str, Any] = {
            "id": f"{prefix}-{n}",
            "op": "sell",
            "store": "S1",
            "sku": "PH1",
            "serial": f"N{n}",
            "journal": {"terminal": "till-1", "seq": n + 1, "user": "mia"},
        }
        if numbered:
            line["numbers"] = _given(order=n + 1, invoice=n + 1)
        lines.append(json.dumps(line).encode())
    return _apply(db, token, lines)


def test_a_push_of_sales_runs_only_prepared_statements_on_postgresql(
    two_shops: list[tuple[Database, Actor]],
) -> None:
    """After a first push, a push of plain sales (numbered by the terminal, as its sales are)
    runs every statement prepared on PostgreSQL (db/prepared.py): none is built, keyed and
    set up by SQLAlchemy per call, which cost central more than running it. SQLite still
    sends its ``IN`` lists through SQLAlchemy (no arrays there)."""
    db, token = two_shops[0]

    def push(first: int, last: int) -> list[dict[str, Any]]:
        return _push_sales(db, token, "prep", range(first, last), numbered=True)

    assert all(v["ok"] for v in push(0, 3))
    built: list[str] = []

    def seen(_conn: Any, statement: Any, *_args: Any) -> None:
        built.append(str(statement).split("\n")[0][:60])

    sa.event.listen(db.engine, "before_execute", seen)
    verdicts = push(3, 8)
    sa.event.remove(db.engine, "before_execute", seen)
    assert [v["ok"] for v in verdicts] == [True] * 5
    assert [v["order"] for v in verdicts] == [_given(order=n + 1)["order"] for n in range(3, 8)]
    if db.dialect == "postgresql":
        assert built == []
    else:
        assert built  # the ids, serials and numbers as IN lists: built per call there
    assert check_ledger(db) == []


def test_a_push_of_sales_writes_its_documents_and_units_in_one_statement_on_postgresql(
    two_shops: list[tuple[Database, Actor]],
) -> None:
    """On PostgreSQL a push's orders, invoices, lines, invoice lines, payments and units sold
    are one statement (db/sale_rows_sql.py), its stock levels and outcomes another, the
    order and invoice counters one more, and the product with its settings one read: a push
    of sales after the first runs at most 14 statements (22 when each table, counter and
    read was its own); the rows are the one-by-one path's (the test above)."""
    db, token = two_shops[0]

    def push(first: int, last: int) -> list[dict[str, Any]]:
        return _push_sales(db, token, "one", range(first, last), numbered=False)

    assert all(v["ok"] for v in push(0, 2))
    said: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        said.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    verdicts = push(2, 10)
    sa.event.remove(db.engine, "before_cursor_execute", count)
    assert [v["ok"] for v in verdicts] == [True] * 8
    assert [v["units"][0]["serial"] for v in verdicts] == [f"N{n}" for n in range(2, 10)]
    if db.dialect == "postgresql":
        assert len(said) <= 14, said
        writes = [s for s in said if s.lstrip().upper().startswith(("INSERT", "WITH", "UPDATE"))]
        assert sum("INTO document_counter" in s for s in writes) == 1
        assert sum("INSERT INTO sale_order" in s for s in writes) == 1
        assert sum("INSERT INTO invoice_line" in s for s in writes) == 1
    assert check_ledger(db) == []
