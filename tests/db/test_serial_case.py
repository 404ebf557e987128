"""Serials differing only in letter case are one label (domain/serial_case.py), through the
services on SQLite and PostgreSQL: every way a unit is made refuses a caps-lock twin of a
recorded serial (``duplicate_serial``, naming it, its product, state and store), a batch or
ASN file holding both cases is refused naming both, a unit coming back to its own product is
never refused for a twin, a lookup says "did you mean", and ``db check`` lists the twins
recorded before. Each refusal changes nothing recorded."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.order_repo import order_t
from serialpos.domain.errors import DomainError, DuplicateSerial
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, rtv, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.asn.importing import AsnFileRefused, import_asn_data
from serialpos.services.blind_receiving import open_blind_receipt
from serialpos.services.context import Actor
from serialpos.services.counter_scan import scan_at_counter
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.console import take
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.lines import NewOrder, add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial

TWIN = "'w2d-9' differs only in letter case from W2D-9 (TL-DRL18, in stock at S1)"


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="TL-DRL18", name="Drill 18V", serial_mode="required")
    products.create_product(db, admin, sku="TL-SAW", name="Saw", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="TL-DRL18", serials=["W2D-9"])
    return db


def units(db: Database) -> list[tuple[Any, ...]]:
    u, p = repo.unit_t.c, repo.product_t.c
    query = (
        sa.select(p.sku, u.serial, u.state, u.store_id, u.shared_by)
        .join(repo.product_t, p.id == u.product_id)
        .order_by(p.sku, u.serial)
    )
    return db.read(lambda conn: [tuple(r) for r in conn.execute(query)])


def recorded_before_the_fix(db: Database, sku: str, serial: str, state: str) -> None:
    """A unit made before the rule (as a caps-lock scan made them): written straight in."""

    def write(conn: sa.Connection) -> None:
        pid = conn.execute(sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == sku))
        sid = conn.execute(sa.select(repo.store_t.c.id).where(repo.store_t.c.code == "S1"))
        conn.execute(
            repo.unit_t.insert().values(
                product_id=pid.scalar_one(),
                serial=serial,
                state=state,
                store_id=sid.scalar_one(),
                version=1,
                updated_at=sa.func.current_timestamp(),
            )
        )

    db.write(write)


def test_every_way_a_unit_is_made_refuses_a_caps_lock_twin(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    db = shop
    before = units(db)
    for sku in ("TL-DRL18", "TL-SAW"):  # its own product or another one
        for action in (Action.RECEIVE, Action.ADJUST_ADD):
            with pytest.raises(DuplicateSerial) as caught:
                ledger.move(
                    db, admin, action, store="S2", sku=sku, serials=["w2d-9"], reason="found"
                )
            assert str(caught.value) == f"{TWIN}: scan the label again (is caps lock on?)"
        got = apply_object(
            db, admin, {"op": "receive", "store": "S1", "sku": sku, "serials": ["w2d-9"]}
        )
        assert (got["ok"], got["error"]) == (False, "duplicate_serial"), got
        assert TWIN in got["message"]
    session = open_blind_receipt(db, admin, "S1", "Acme", None, outbox_folder)
    session.add_product("TL-SAW")
    with pytest.raises(DomainError, match="differs only in letter case from W2D-9") as scan:
        session.scan("TL-SAW", "w2d-9")
    assert scan.value.code == "duplicate_serial"
    assert session.checklist.lines["TL-SAW"].received == 0
    # a count's new serial (the console's take and a host's count)
    number = open_count(db, admin, "S1", products=["TL-SAW"]).number
    start_batch(db, admin, number, "Ann")
    with pytest.raises(DomainError, match=TWIN.replace("(", r"\(").replace(")", r"\)")):
        take(db, admin, number, 1, text="w2d-9", current="TL-SAW")
    counted = apply_object(
        db,
        admin,
        {
            "op": "count",
            "store": "S1",
            "batches": [{"counter": "Bo", "scans": [{"sku": "TL-SAW", "serial": "w2d-9"}]}],
        },
    )
    assert (counted["ok"], counted["error"]) == (False, "duplicate_serial"), counted
    assert TWIN in counted["message"]
    assert units(db) == before


def test_a_managers_shared_serial_never_covers_a_case_twin(shop: Database, admin: Actor) -> None:
    """``shared_by`` still accepts the same serial under another product; never w2d-9."""
    db = shop
    users.add_user(db, admin, "mia", "manager", "4321")
    mia = {"user": "mia", "pin": "4321"}
    line = {"op": "receive", "store": "S1", "sku": "TL-SAW", "shared_by": mia}
    twin = apply_object(db, admin, {**line, "serials": ["w2d-9"]})
    assert (twin["ok"], twin["error"]) == (False, "duplicate_serial"), twin
    assert TWIN in twin["message"]
    shared = apply_object(db, admin, {**line, "serials": ["W2D-9"]})
    assert shared["ok"] is True, shared
    assert [u[0::4] for u in units(db)] == [("TL-DRL18", None), ("TL-SAW", "mia")]


def test_a_unit_coming_back_to_its_own_product_is_never_refused_for_a_twin(
    shop: Database, admin: Actor
) -> None:
    """The draft's bug: a return, a vendor's unit received back, a transfer in, a written-off
    unit added back were refused because another unit was W2D-9's case twin."""
    db = shop
    recorded_before_the_fix(db, "TL-SAW", "w2d-9", "sold")
    drl = {"sku": "TL-DRL18", "serials": ["W2D-9"]}
    steps = [
        (Action.SELL, "S1", {}),
        (Action.RETURN, "S1", {}),  # a customer's return of the sold unit
        (Action.RTV, "S1", {}),
        (Action.RECEIVE, "S1", {}),  # received back from the vendor
        (Action.TRANSFER_OUT, "S1", {"to_store": "S2"}),
        (Action.TRANSFER_IN, "S2", {}),
        (Action.ADJUST_REMOVE, "S2", {"reason": "damaged"}),
        (Action.ADJUST_ADD, "S2", {"reason": "found"}),
    ]
    for action, store, extra in steps:
        ledger.move(db, admin, action, store=store, **drl, **extra)  # type: ignore[arg-type]
    assert ("TL-DRL18", "W2D-9", "in_stock") in [u[:3] for u in units(db)]
    # ...while a new unit of the twin's serial in a third case is still refused
    with pytest.raises(DuplicateSerial, match="differs only in letter case from W2D-9"):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku="TL-SAW", serials=["W2d-9"])


def test_both_cases_in_one_batch_are_refused_naming_both(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="TL-SAW", name="Saw", serial_mode="required")
    got = apply_object(
        db, admin, {"op": "receive", "store": "S1", "sku": "TL-SAW", "serials": ["AB-1", "ab-1"]}
    )
    assert (got["ok"], got["error"]) == (False, "duplicate_serial"), got
    assert got["message"].startswith("serials AB-1 and ab-1 differ only in letter case")
    assert units(db) == []


def _asn(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ASN", "Vendor", "SKU", "Quantity", "Serials", "CasePack"])
    writer.writerows(rows)
    return out.getvalue().encode()


def test_an_asn_refuses_twins_of_the_ledger_and_of_the_file(shop: Database, admin: Actor) -> None:
    db = shop
    before = units(db)
    rows = [
        ["ASN-1", "Acme", "TL-SAW", "2", "w2d-9|SW-1", ""],  # line 2: twin of the ledger's
        ["ASN-1", "Acme", "TL-SAW", "2", "SW-2|sw-1", ""],  # line 3: twin of line 2's SW-1
    ]
    with pytest.raises(AsnFileRefused) as caught:
        import_asn_data(db, admin, "asn.csv", _asn(rows), "S1")
    assert [str(p) for p in caught.value.problems] == [
        f"line 2: listed for TL-SAW: {TWIN}: scan the label again (is caps lock on?)",
        "line 3: serials SW-1 and sw-1 differ only in letter case: one label, scanned twice "
        "(is caps lock on?); keep the one printed on the label (at line 2)",
    ]
    assert units(db) == before


def test_a_lookup_that_misses_says_did_you_mean(shop: Database, admin: Actor) -> None:
    db = shop
    assert lookup.lookup_serial(db, "w2d-9") == []
    assert lookup.case_hint(db, "w2d-9") == "did you mean W2D-9?"
    assert lookup.case_hint(db, "w2d-9", "TL-SAW") is None
    assert lookup.case_hint(db, "W2D-9") is None  # the exact serial is no twin of itself
    recorded_before_the_fix(db, "TL-SAW", "w2D-9", "sold")
    assert lookup.case_hint(db, "w2d-9") == (
        "did you mean one of W2D-9, w2D-9? (serials differing only in letter case)"
    )


def test_the_cli_lookup_names_the_serial_in_other_case(
    shop: Database, db_url: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, ["--db", db_url, "serial", "show", "w2d-9"])
    assert result.exit_code != 0
    assert "no unit with serial 'w2d-9': did you mean W2D-9?" in result.output


def test_db_check_lists_case_twins_recorded_before_the_fix(shop: Database, admin: Actor) -> None:
    db = shop
    assert [f for f in check_ledger(db) if f.rule == "serial_case_twin"] == []
    recorded_before_the_fix(db, "TL-SAW", "w2d-9", "sold")
    recorded_before_the_fix(db, "TL-SAW", "OLD-1", "sold")
    recorded_before_the_fix(db, "TL-DRL18", "old-1", "written_off")
    found = [
        (f.sku, f.detail, f.violation) for f in check_ledger(db) if f.rule == "serial_case_twin"
    ]
    assert found == [
        (
            "TL-DRL18",
            "unit old-1 (written off) differs only in letter case from TL-SAW unit OLD-1 "
            "(sold): one label, two units (both gone: their history only)",
            False,
        ),
        (
            "TL-SAW",
            "unit w2d-9 (sold) differs only in letter case from TL-DRL18 unit W2D-9 "
            "(in stock): one label, two units",
            True,
        ),
    ]


MEANT = "did you mean W2D-9?"


def test_a_unit_taken_out_by_its_serial_in_other_case_is_asked_did_you_mean(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    """A sale, an adjust removal, a return to vendor or a console's scan-out of ``w2d-9`` said
    only "not known to the ledger"; now it names the recorded label, and takes nothing."""
    db = shop
    before = units(db)
    for line in (
        {"op": "sell", "store": "S1", "sku": "TL-DRL18", "serial": "w2d-9"},
        {"op": "adjust", "store": "S1", "sku": "TL-DRL18", "remove": ["w2d-9"], "reason": "lost"},
        {"op": "rtv", "store": "S1", "sku": "TL-DRL18", "serial": "w2d-9", "reason": "faulty"},
    ):
        got = apply_object(db, admin, line)
        assert (got["ok"], got["error"], got["message"]) == (
            False,
            "not_in_stock",
            f"serial w2d-9 is not known to the ledger: {MEANT}",
        ), line
    for sku in ("TL-DRL18", None):  # the console's return-to-vendor scan, product first or not
        with pytest.raises(DomainError) as caught:
            rtv.check_unit(db, "S1", "w2d-9", sku)
        assert str(caught.value) == f"serial w2d-9 is not known to the ledger: {MEANT}"
    assert units(db) == before


def test_the_counter_asks_did_you_mean_and_adds_nothing(shop: Database, admin: Actor) -> None:
    """The sale field answered ``w2d-9`` "nothing matches 'w2d-9'"; a line waiting for its
    serial was offered a manager's override for it."""
    db = shop
    before = units(db)
    with pytest.raises(DomainError) as caught:
        scan_at_counter(db, admin, None, "w2d-9", waiting=None, start=NewOrder("S1"))
    assert (caught.value.code, str(caught.value)) == (
        "unknown_product",
        f"nothing matches 'w2d-9': {MEANT}",
    )
    orders = sa.select(sa.func.count()).select_from(order_t)
    assert db.read(lambda conn: conn.execute(orders).scalar()) == 0  # no order opened
    order = add_item(db, admin, None, sku="TL-DRL18", start=NewOrder("S1")).order
    line = order.lines[0].line
    with pytest.raises(DomainError) as waiting:
        set_serial(db, admin, order.order, line, "w2d-9")
    assert (waiting.value.code, str(waiting.value)) == (
        "unknown_unit",
        f"serial w2d-9 of TL-DRL18 is not known to the ledger: {MEANT}",
    )
    assert getattr(waiting.value, "overridable", None) is False  # the console offers none
    with pytest.raises(DomainError, match=f"nothing matches 'w2d-9': {MEANT}"):
        scan_at_counter(db, admin, order.order, "w2d-9", waiting=line, start=None)
    assert units(db) == before
    assert [ln.serial for ln in get_order(db, order.order).lines] == [None]
