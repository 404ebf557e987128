"""A label whose FNC1 did not arrive (``01…21DRL18-B777 GS 10LOT1`` read as the serial
``DRL18-B77710LOT1``) makes no unit anywhere a scan can make one. Receiving refused it
(tests/db/test_receiving_selection.py); a count's unit found and an adjustment's unit added
took it, and the count's approval or the adjustment put a unit in stock under a serial no
label carries. Now both refuse it naming the two readings, recording nothing; the serial
typed from the label is taken, and a unit the ledger knows by the whole serial is that unit.
On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.decoder import decode
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import adjustments, ledger, products
from serialpos.services.context import Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.console import take
from serialpos.services.orders.lines import NewOrder, add_scan

LABEL = "010501234500005321DRL18-B77710LOT1"  # the GS after the serial lost
READINGS = "'DRL18-B777' + batch/lot (10) 'LOT1'"


@pytest.fixture
def drill(db: Database, admin: Actor) -> str:
    """A drill whose serials are ten characters long (the shorter reading's length)."""
    products.create_product(
        db, admin, sku="DRL", name="Drill", serial_mode="required", barcodes=("05012345000053",)
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRL", serials=["DRL18-A001"])
    return "DRL"


def test_a_count_does_not_find_a_unit_under_a_run_on_serial(
    db: Database, admin: Actor, drill: str
) -> None:
    label = decode(LABEL)
    assert label.run_on is not None and label.gtin is not None and label.serial is not None
    number = open_count(db, admin, "S1", products=[drill]).number
    start_batch(db, admin, number, "Ann")
    with pytest.raises(DomainError) as refused:
        take(db, admin, number, 1, gtin=label.gtin, serial=label.serial, run_on=label.run_on)
    assert refused.value.code == "bad_serial_format"
    assert READINGS in refused.value.message
    assert _counted(db, number) == []
    # Typed from the label: the serial the person read is counted (a unit found).
    take(db, admin, number, 1, text="DRL18-B777", current=drill)
    assert _counted(db, number) == ["DRL18-B777"]
    # A unit the ledger knows by the whole serial: the label is that unit's, counted.
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku=drill, serials=[label.serial])
    take(db, admin, number, 1, gtin=label.gtin, serial=label.serial, run_on=label.run_on)
    assert _counted(db, number) == ["DRL18-B777", "DRL18-B77710LOT1"]


def test_an_adjustment_adds_no_unit_under_a_run_on_serial(
    db: Database, admin: Actor, drill: str
) -> None:
    label = decode(LABEL)
    assert label.serial is not None
    with pytest.raises(DomainError) as refused:
        adjustments.check_unit(
            db, "S1", label.serial, drill, add=True, labelled=True, run_on=label.run_on
        )
    assert refused.value.code == "bad_serial_format"
    assert READINGS in refused.value.message
    typed = adjustments.check_unit(db, "S1", "DRL18-B777", drill, add=True)
    assert (typed.sku, typed.serial) == (drill, "DRL18-B777")
    # Written off before under the whole serial: found again, it is that unit.
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku=drill, serials=[label.serial])
    ledger.move(db, admin, Action.ADJUST_REMOVE, store="S1", sku=drill, serials=[label.serial])
    again = adjustments.check_unit(
        db, "S1", label.serial, drill, add=True, labelled=True, run_on=label.run_on
    )
    assert again.serial == label.serial


def _counted(db: Database, number: str) -> list[str]:
    """The serials counted in count ``number``."""
    query = sa.text(
        "SELECT s.serial FROM count_scan s JOIN count_batch b ON b.id = s.batch_id "
        "JOIN stock_count c ON c.id = b.count_id WHERE c.number = :n AND s.serial IS NOT NULL "
        "ORDER BY s.serial"
    )
    return [
        str(s) for s in db.read(lambda conn: conn.execute(query, {"n": number}).scalars().all())
    ]


def test_a_sale_offers_no_override_for_a_run_on_serial(
    db: Database, admin: Actor, drill: str
) -> None:
    """Sold, the unknown serial was refused as not known to the ledger, and a manager's
    override would have added the unit under it. Now it is refused as the run-on it may be,
    with no override offered; a unit the ledger knows by the whole serial is sold."""
    with pytest.raises(DomainError) as refused:
        add_scan(db, admin, None, LABEL, start=NewOrder(store="S1"))
    assert refused.value.code == "bad_serial_format", refused.value
    assert READINGS in refused.value.message
    assert not getattr(refused.value, "overridable", False)
    label = decode(LABEL)
    assert label.serial is not None
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku=drill, serials=[label.serial])
    added = add_scan(db, admin, None, LABEL, start=NewOrder(store="S1"))
    assert [ln.serial for ln in added.order.lines] == [label.serial]
