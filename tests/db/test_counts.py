"""Cycle counts on SQLite and PostgreSQL: batches and scans as they happen, reconciliation
classes, approval's effect on the ledger and its event file, serialized inventory off and on."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serialpos.db import ledger_writes, migrate, repo
from serialpos.db.engine import Database
from serialpos.domain.counts import CountClosed, NotInCount
from serialpos.domain.errors import (
    BadRequest,
    BadSerial,
    DuplicateSerial,
    NotSerialized,
    PermissionDenied,
    SerialRequired,
    UnknownProduct,
)
from serialpos.domain.states import Action
from serialpos.services import event_files, ledger, products, users
from serialpos.services.context import Actor
from serialpos.services.counts.approval import approve
from serialpos.services.counts.batches import close_batch, open_count, start_batch
from serialpos.services.counts.console import take
from serialpos.services.counts.reconciling import reconcile
from serialpos.services.counts.scanning import scan
from serialpos.services.counts.views import BatchClosed, UnknownCount, get_count, open_counts
from serialpos.services.integrity import check_ledger
from serialpos.services.settings import set_setting


def _state(db: Database, sku: str, serial: str) -> tuple[str, str] | None:
    u, p, s = repo.unit_t.c, repo.product_t.c, repo.store_t.c
    row = db.read(
        lambda conn: conn.execute(
            sa.select(u.state, s.code)
            .join(repo.product_t, p.id == u.product_id)
            .join(repo.store_t, s.id == u.store_id)
            .where(p.sku == sku, u.serial == serial)
        ).first()
    )
    return None if row is None else (row[0], row[1])


def _quantity(db: Database, sku: str, store: str) -> int:
    def work(conn: sa.Connection) -> int:
        return ledger_writes.stock_quantity(
            conn, repo.product_by_sku(conn, sku).id, repo.store_id(db, conn, store)
        )

    return db.read(work)


def _violations(db: Database) -> list[str]:
    return [f"{f.rule} {f.store} {f.sku}: {f.detail}" for f in check_ledger(db) if f.violation]


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="PH", name="Phone", serial_mode="required", barcodes=("4006381333931",)
    )
    products.create_product(db, admin, sku="TAB", name="Tablet", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    products.create_product(db, admin, sku="BIKE", name="Bike", serial_mode="optional")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["A1", "A2", "A3"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH", serials=["B1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=5)
    return db


def _stockroom(db: Database, admin: Actor) -> Actor:
    users.add_user(db, admin, "sam", "stockroom", "4444")
    return users.actor_for(db, "sam", "handheld")


def test_batches_scans_alerts_and_reconciliation(shop: Database, admin: Actor) -> None:
    db = shop
    who = _stockroom(db, admin)
    info = open_count(db, who, "S1")
    assert info.number == "C-S1-000001" and info.scope == "whole store"
    assert start_batch(db, who, info.number, "  Ann ").counter == "Ann"
    assert scan(db, who, info.number, 1, sku="PH", serial="A1").verdict == "counted"
    again = scan(db, who, info.number, 1, sku="PH", serial="A1")
    assert again.verdict == "repeat" and again.alert
    assert again.message == "serial A1 of PH was already scanned in batch 1: counted once"
    # A serial alone is resolved to the one product the ledger knows it under.
    assert scan(db, who, info.number, 1, serial="A2").sku == "PH"
    assert scan(db, who, info.number, 1, sku="PH", serial="NEW1").verdict == "counted"
    assert scan(db, who, info.number, 1, sku="CAB", quantity=3).batch_total == 3
    close_batch(db, who, info.number, 1)
    with pytest.raises(BatchClosed, match="batch 1 of count C-S1-000001 is closed"):
        scan(db, who, info.number, 1, sku="PH", serial="A3")
    start_batch(db, who, info.number, "Bob")
    flagged = scan(db, who, info.number, 2, sku="PH", serial="A2")
    assert flagged.verdict == "other_batch" and flagged.batches == (1, 2)
    assert flagged.message == "serial A2 of PH was also counted in batch 1: flagged, counted once"
    scan(db, who, info.number, 2, sku="PH", serial="B1")

    result = reconcile(db, info.number)
    assert result.matched == 2  # A1 and A2, A2 once although seen in two batches
    assert [(u.sku, u.serial) for u in result.missing] == [("PH", "A3")]
    assert [(u.sku, u.serial) for u in result.never_seen] == [("PH", "NEW1")]
    assert [(e.serial, e.state, e.store, e.action) for e in result.elsewhere] == [
        ("B1", "in_stock", "S2", "leave")
    ]
    assert [(d.serial, d.batches) for d in result.duplicates] == [("A2", (1, 2))]
    assert [(q.sku, q.counted, q.on_hand, q.difference) for q in result.quantities] == [
        ("CAB", 3, 5, -2)
    ]
    assert [(b.number, b.counter, b.status) for b in result.batches] == [
        (1, "Ann", "closed"),
        (2, "Bob", "open"),
    ]
    assert not result.approved


def test_a_serial_sent_under_a_product_outside_the_count_names_its_own_product(
    shop: Database, admin: Actor
) -> None:
    """A host sending a unit's serial under the wrong SKU was told only that the SKU is not in
    the count: the refusal names the product the serial is a unit of, and counts nothing."""
    db = shop
    number = open_count(db, admin, "S1", products=["PH"]).number
    start_batch(db, admin, number, "Ann")
    with pytest.raises(NotInCount) as refused:
        scan(db, admin, number, 1, sku="TAB", serial="A1")
    assert str(refused.value) == (
        f"TAB is not in count {number} (it counts PH); serial A1 is a unit of PH, in stock "
        "at S1: send it under PH"
    )
    with pytest.raises(NotInCount) as unknown:  # a serial nobody knows: the SKU alone
        scan(db, admin, number, 1, sku="TAB", serial="ZZ9")
    assert str(unknown.value) == f"TAB is not in count {number} (it counts PH)"
    assert reconcile(db, number).never_seen == ()


def test_scan_refusals_name_the_problem_and_record_nothing(shop: Database, admin: Actor) -> None:
    db = shop
    number = open_count(db, admin, "S1", products=["PH", "CAB"]).number
    start_batch(db, admin, number, "Ann")
    with pytest.raises(NotInCount, match=r"TAB is not in count C-S1-000001 \(it counts CAB, PH\)"):
        scan(db, admin, number, 1, sku="TAB", serial="T1")
    with pytest.raises(SerialRequired, match="PH is counted by serial: scan each unit's serial"):
        scan(db, admin, number, 1, sku="PH")
    with pytest.raises(NotSerialized, match="CAB is counted without serials"):
        scan(db, admin, number, 1, sku="CAB", serial="X")
    with pytest.raises(BadSerial, match="is the barcode of PH, not a serial"):
        scan(db, admin, number, 1, sku="PH", serial="4006381333931")
    with pytest.raises(UnknownProduct, match="serial ZZ9 is not known: scan the product"):
        scan(db, admin, number, 1, serial="ZZ9")
    with pytest.raises(BadRequest, match="say who counts this batch"):
        start_batch(db, admin, number, "   ")
    with pytest.raises(BadRequest, match="cannot take back 2"):
        scan(db, admin, number, 1, sku="CAB", quantity=-2)
    with pytest.raises(UnknownCount, match="there is no count 'C-9'"):
        scan(db, admin, "C-9", 1, sku="CAB")
    assert get_count(db, number).batches[0].scans == 0
    # The chosen products limit the reconciliation too: TAB and the other units are not in it.
    result = reconcile(db, number)
    assert {u.serial for u in result.missing} == {"A1", "A2", "A3"}
    assert [(q.sku, q.counted, q.on_hand) for q in result.quantities] == [("CAB", 0, 5)]


def test_a_serial_of_two_products_finds_the_live_unit(shop: Database, admin: Actor) -> None:
    """A serial is never live under two products (issue 10): a TAB A1 is refused while PH A1
    is in stock, and still once PH A1 is written off (it is PH's label) unless a manager
    accepts the serial as shared; then a bare A1 scanned in a count finds the live TAB unit.
    Only when no unit is live does it ask for the product."""
    db = shop
    with pytest.raises(DuplicateSerial, match="serial A1 is already PH Phone, in stock at S1"):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="TAB", serials=["A1"])
    ledger.move(
        db, admin, Action.ADJUST_REMOVE, store="S1", sku="PH", serials=["A1"], reason="damaged"
    )
    with pytest.raises(DuplicateSerial, match=r"A1 is the serial of PH Phone \(written off\)"):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="TAB", serials=["A1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="TAB", serials=["A1"], shared_by=admin)
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    assert scan(db, admin, number, 1, serial="A1").sku == "TAB"
    ledger.move(
        db, admin, Action.ADJUST_REMOVE, store="S1", sku="TAB", serials=["A1"], reason="damaged"
    )
    with pytest.raises(
        BadRequest,
        match=r"serial A1 belongs to units of several products "
        r"\(PH, TAB\)",
    ):
        scan(db, admin, number, 1, serial="A1")


def test_a_count_stays_open_across_sessions(shop: Database, admin: Actor, db_url: str) -> None:
    number = open_count(shop, admin, "S1").number
    start_batch(shop, admin, number, "Ann")
    scan(shop, admin, number, 1, sku="PH", serial="A1")
    later = Database(db_url)  # another process, after the terminal was closed
    try:
        found = open_counts(later, "S1")
        assert [c.number for c in found] == [number]
        assert found[0].batches[0].scans == 1
        scan(later, admin, number, 1, sku="PH", serial="A2")
        assert reconcile(later, number).matched == 2
    finally:
        later.dispose()


def test_approval_posts_adjustments_and_the_event_file(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="TAB", serials=["W1"])
    ledger.move(db, admin, Action.ADJUST_REMOVE, store="S1", sku="TAB", serials=["W1"])
    who = _stockroom(db, admin)
    number = open_count(db, who, "S1").number
    start_batch(db, who, number, "Ann")
    for sku, serial in (("PH", "A1"), ("PH", "A2"), ("PH", "NEW1"), ("PH", "B1"), ("TAB", "W1")):
        scan(db, who, number, 1, sku=sku, serial=serial)
    scan(db, who, number, 1, sku="CAB", quantity=7)
    with pytest.raises(PermissionDenied):
        approve(db, who, number, tmp_path / "out")

    done = approve(db, admin, number, tmp_path / "out")
    assert (done.added, done.removed) == (2, 1)  # NEW1 and W1 in, A3 out
    assert done.reconciliation.approved
    assert _state(db, "PH", "A3") == ("written_off", "S1")
    assert _state(db, "PH", "NEW1") == ("in_stock", "S1")
    assert _state(db, "TAB", "W1") == ("in_stock", "S1")  # written off here, found: restored
    assert _state(db, "PH", "B1") == ("in_stock", "S2")  # elsewhere: left, listed
    assert _quantity(db, "CAB", "S1") == 7
    assert _quantity(db, "PH", "S1") == 3
    assert _violations(db) == []
    # The event file: signed quantities, the serials of every unit added or removed; the
    # units added and the units written off of one product are two rows (additions first).
    recorded = event_files.event_file(db, "count", number)
    assert recorded is not None
    assert [(ln.sku, ln.quantity, ln.serials) for ln in recorded.lines] == [
        ("CAB", 2, ()),
        ("PH", 1, ("NEW1",)),
        ("PH", -1, ("A3",)),
        ("TAB", 1, ("W1",)),
    ]
    assert [p.name for p in done.files.written] == [f"count-{number}.csv"]
    with (tmp_path / "out" / f"count-{number}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["sku"], r["quantity"], r["serials"]) for r in rows] == [
        ("CAB", "2", ""),
        ("PH", "1", "NEW1"),
        ("PH", "-1", "A3"),
        ("TAB", "1", "W1"),
    ]
    assert {r["event_type"] for r in rows} == {"count"} and rows[0]["user"] == "ada"
    # The ledger events carry the count's number.
    e = repo.event_t.c
    docs = db.read(
        lambda conn: conn.execute(
            sa.select(e.document_type, e.action, e.serial).where(e.document_id == number)
        ).all()
    )
    assert {(t, a, s) for t, a, s in docs} >= {
        ("count", "adjust_remove", "A3"),
        ("count", "adjust_add", "NEW1"),
    }
    # Reviewed later, the count shows what was approved, not the ledger as adjusted since.
    later = reconcile(db, number)
    assert later.approved and [u.serial for u in later.missing] == ["A3"]
    assert [u.serial for u in later.never_seen] == ["NEW1"]
    assert later.elsewhere == done.reconciliation.elsewhere
    assert later.elsewhere[0].hint == "in stock at S2: transfer it here"
    assert later.quantities == done.reconciliation.quantities
    # Approved once; and closed for scans.
    with pytest.raises(CountClosed, match="was approved already"):
        approve(db, admin, number, tmp_path / "out")
    with pytest.raises(CountClosed, match="takes no more scans"):
        scan(db, admin, number, 1, sku="PH", serial="A9")
    assert open_counts(db, "S1") == []


def test_optional_serial_products_count_units_and_unlabelled_quantity(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BIKE", serials=["K1", "K2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BIKE", quantity=2)  # no labels
    number = open_count(db, admin, "S1", products=["BIKE"]).number
    start_batch(db, admin, number, "Ann")
    scan(db, admin, number, 1, sku="BIKE", serial="K1")
    scan(db, admin, number, 1, sku="BIKE", quantity=1)
    result = reconcile(db, number)
    assert [u.serial for u in result.missing] == ["K2"]
    assert [(q.sku, q.counted, q.on_hand, q.known_units) for q in result.quantities] == [
        ("BIKE", 2, 4, 2)
    ]
    approve(db, admin, number, tmp_path)
    assert _quantity(db, "BIKE", "S1") == 2
    assert _state(db, "BIKE", "K2") == ("written_off", "S1")
    assert _violations(db) == []


def test_serialized_inventory_off_counts_quantities_then_on_starts_tracking(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    set_setting(db, admin, "serialized_inventory", "false", "S2")
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="TAB", quantity=5)
    off = open_count(db, admin, "S2", products=["TAB"])
    assert not off.serial_tracked
    start_batch(db, admin, off.number, "Ann")
    # No serial asked: a product counts by quantity.
    assert scan(db, admin, off.number, 1, sku="TAB", quantity=4).verdict == "counted"
    result = reconcile(db, off.number)
    assert not result.serial_tracked and not result.missing and not result.never_seen
    assert [(q.sku, q.counted, q.on_hand) for q in result.quantities] == [("TAB", 4, 5)]
    approve(db, admin, off.number, tmp_path)
    assert _quantity(db, "TAB", "S2") == 4
    assert _violations(db) == []

    # Switched on: 4 on hand and no units known, which db check reports until a count.
    set_setting(db, admin, "serialized_inventory", "true", "S2")
    assert any("TAB" in v for v in _violations(db))
    on = open_count(db, admin, "S2", products=["TAB"]).number
    start_batch(db, admin, on, "Bob")
    for serial in ("T1", "T2", "T3"):
        scan(db, admin, on, 1, sku="TAB", serial=serial)
    result = reconcile(db, on)
    assert [u.serial for u in result.never_seen] == ["T1", "T2", "T3"]
    assert [(q.sku, q.counted, q.on_hand, q.known_units) for q in result.quantities] == [
        ("TAB", 3, 4, 0)
    ]
    done = approve(db, admin, on, tmp_path)
    assert done.quantity_change == -1  # 4 on hand, 3 units found
    assert _quantity(db, "TAB", "S2") == 3
    assert {_state(db, "TAB", s) for s in ("T1", "T2", "T3")} == {("in_stock", "S2")}
    assert _violations(db) == []
    recorded = event_files.event_file(db, "count", on)
    assert recorded is not None
    # The three units found are added; the four units on hand without serials go: two rows.
    assert [(ln.sku, ln.quantity, ln.serials) for ln in recorded.lines] == [
        ("TAB", 3, ("T1", "T2", "T3")),
        ("TAB", -4, ()),
    ]


def test_migration_0008_downgrades(db: Database) -> None:
    from alembic import command

    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
        conn.commit()
    tables = set(sa.inspect(db.engine).get_table_names())
    assert not tables & {"stock_count", "count_batch", "count_scan"}
    migrate.upgrade(db)
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"stock_count", "count_batch", "count_scan"} <= tables


def test_console_entries_product_then_serials_gs1_and_quantities(
    shop: Database, admin: Actor
) -> None:
    db = shop
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    chosen = take(db, admin, number, 1, text="4006381333931")  # PH's barcode
    assert chosen.current == "PH" and chosen.outcome is None
    assert chosen.message == "PH Phone: scan each unit's serial"
    unit = take(db, admin, number, 1, text="A1", current="PH")
    assert unit.outcome is not None and unit.outcome.serial == "A1"
    gs1 = take(db, admin, number, 1, gtin="04006381333931", serial="A2")
    assert gs1.outcome is not None and (gs1.outcome.sku, gs1.outcome.serial) == ("PH", "A2")
    cable = take(db, admin, number, 1, text="CAB", current="PH")
    assert cable.current == "CAB" and cable.outcome is not None
    assert cable.message == "CAB: +1, 1 in batch 1 (+N for more)"
    more = take(db, admin, number, 1, text="+3", current="CAB")
    assert more.outcome is not None and more.outcome.batch_total == 4
    # A serial after a product without serials is resolved by the ledger; it counts under
    # its own product and the selection stays (the next +N is still cables).
    phone = take(db, admin, number, 1, text="A3", current="CAB")
    assert phone.current == "CAB"
    assert phone.outcome is not None and phone.outcome.sku == "PH"
    assert phone.message == "A3 counted as PH; CAB stays selected"
    with pytest.raises(BadRequest, match=r"scan the product first, then its quantity \(\+N\)"):
        take(db, admin, number, 1, text="+2")
    result = reconcile(db, number)
    assert result.matched == 3 and not result.missing
    assert [(q.sku, q.counted) for q in result.quantities] == [("CAB", 4)]


def test_a_serial_of_another_product_never_changes_the_selected_product(
    shop: Database, admin: Actor
) -> None:
    """The walk's drill and bike: TAB chosen on purpose, a PH serial scanned in between, then a
    new serial: it is a TAB (it was counted as the stray serial's product before)."""
    db = shop
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    chosen = take(db, admin, number, 1, text="TAB")
    assert chosen.current == "TAB"
    stray = take(db, admin, number, 1, text="A1", current="TAB")
    assert stray.current == "TAB"
    assert stray.outcome is not None and (stray.outcome.sku, stray.outcome.serial) == ("PH", "A1")
    assert stray.message == "A1 counted as PH; TAB stays selected"
    new = take(db, admin, number, 1, text="T-NEW9", current=stray.current)
    assert new.outcome is not None and (new.outcome.sku, new.outcome.serial) == ("TAB", "T-NEW9")
    assert new.current == "TAB"
    result = reconcile(db, number)
    assert [(u.sku, u.serial) for u in result.never_seen] == [("TAB", "T-NEW9")]


def test_with_serialized_inventory_off_a_product_scan_counts_a_unit(
    shop: Database, admin: Actor
) -> None:
    db = shop
    set_setting(db, admin, "serialized_inventory", "false", "S2")
    number = open_count(db, admin, "S2").number
    start_batch(db, admin, number, "Ann")
    taken = take(db, admin, number, 1, text="4006381333931")
    assert taken.outcome is not None and taken.outcome.quantity == 1  # no serial asked
    assert take(db, admin, number, 1, text="+2", current="PH").outcome is not None
    result = reconcile(db, number)
    assert not result.serial_tracked
    assert [(q.sku, q.counted, q.on_hand) for q in result.quantities] == [("PH", 3, 1)]


POOL = (
    [f"A{n}" for n in range(8)]
    + [f"B{n}" for n in range(4)]
    + ["C0", "C1", "W0"]
    + [f"N{n}" for n in range(4)]
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(st.lists(st.sampled_from(POOL), max_size=12), min_size=1, max_size=3))
def test_property_every_scanned_serial_lands_in_one_class_and_counts_once(
    ledgered: tuple[Database, Actor], batches: list[list[str]]
) -> None:
    db, admin = ledgered
    number = open_count(db, admin, "S1", products=["TAB"]).number
    for n, serials in enumerate(batches, start=1):
        start_batch(db, admin, number, f"counter {n}")
        for serial in serials:
            scan(db, admin, number, n, sku="TAB", serial=serial)
    result = reconcile(db, number)
    scanned = {s for serials in batches for s in serials}
    never = [u.serial for u in result.never_seen]
    away = [e.serial for e in result.elsewhere]
    here = {f"A{n}" for n in range(8)}
    assert result.matched == len(scanned & here)
    assert set(never) | set(away) == scanned - here
    assert len(never) + len(away) + result.matched == len(scanned)  # each exactly once
    assert not set(never) & set(away)
    assert set(never) == {s for s in scanned if s.startswith("N")}
    assert {u.serial for u in result.missing} == here - scanned
    in_batches = {s: {n for n, serials in enumerate(batches, 1) if s in serials} for s in scanned}
    assert {d.serial: set(d.batches) for d in result.duplicates} == {
        s: b for s, b in in_batches.items() if len(b) > 1
    }


@pytest.fixture
def ledgered(db: Database, admin: Actor) -> tuple[Database, Actor]:
    """TAB units: A0-A7 in stock at S1, B0-B3 at S2, C0-C1 sold, W0 written off at S1."""
    products.create_product(db, admin, sku="TAB", name="Tablet", serial_mode="required")
    ledger.move(
        db,
        admin,
        Action.RECEIVE,
        store="S1",
        sku="TAB",
        serials=[f"A{n}" for n in range(8)] + ["C0", "C1", "W0"],
    )
    ledger.move(
        db, admin, Action.RECEIVE, store="S2", sku="TAB", serials=[f"B{n}" for n in range(4)]
    )
    ledger.move(db, admin, Action.SELL, store="S1", sku="TAB", serials=["C0", "C1"])
    ledger.move(db, admin, Action.ADJUST_REMOVE, store="S1", sku="TAB", serials=["W0"])
    return db, admin
