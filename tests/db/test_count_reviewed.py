"""An approval given the review its approver confirmed posts that count, not scans taken
since (services/counts/reviewed.py), on SQLite and PostgreSQL: a scan after the review is
refused, naming it, and nothing is posted; what the ledger moved since is not a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.counts import CountChanged
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.counts.approval import approve
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.reconciling import reconcile
from serialpos.services.counts.scanning import scan
from serialpos.services.counts.views import get_count


def _state(db: Database, serial: str) -> str | None:
    u = repo.unit_t.c
    return db.read(lambda conn: conn.execute(sa.select(u.state).where(u.serial == serial)).scalar())


@pytest.fixture
def counted(db: Database, admin: Actor) -> tuple[Database, str]:
    """A count at S1 of A1 (A2, A3 not scanned) and 3 cables of 5 on hand."""
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["A1", "A2", "A3"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=5)
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    scan(db, admin, number, 1, sku="PH", serial="A1")
    scan(db, admin, number, 1, sku="CAB", quantity=3)
    return db, number


def test_a_scan_after_the_review_is_refused_and_nothing_posted(
    counted: tuple[Database, str], admin: Actor, tmp_path: Path
) -> None:
    db, number = counted
    seen = reconcile(db, number)
    assert (len(seen.missing), seen.never_seen) == (2, ())
    # Still counting elsewhere: a serial typed wrong and a quantity one digit too long.
    scan(db, admin, number, 1, sku="PH", serial="A9")
    scan(db, admin, number, 1, sku="CAB", quantity=30)
    scan(db, admin, number, 1, sku="PH", serial="A2")
    scan(db, admin, number, 1, sku="PH", serial="A8")
    with pytest.raises(CountChanged) as refused:
        approve(db, admin, number, tmp_path, reviewed=seen.scans_read)
    assert str(refused.value) == (
        f"count {number} was counted further after you reviewed it: 4 scans (batch 1: PH A9; "
        "batch 1: CAB +30; batch 1: PH A2 and 1 more). Nothing posted: review it again, "
        "then approve"
    )
    assert refused.value.code == "count_changed"
    assert _state(db, "A9") is None and _state(db, "A3") == "in_stock"
    assert get_count(db, number).status == "open"
    # Reviewed again, it is approved as shown.
    again = reconcile(db, number)
    assert [u.serial for u in again.never_seen] == ["A8", "A9"]
    done = approve(db, admin, number, tmp_path, reviewed=again.scans_read)
    assert (done.added, done.removed) == (2, 1)
    assert _state(db, "A9") == "in_stock" and _state(db, "A3") == "written_off"


def test_what_the_ledger_moved_since_the_review_is_no_refusal(
    counted: tuple[Database, str], admin: Actor, tmp_path: Path
) -> None:
    db, number = counted
    seen = reconcile(db, number)
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH", serials=["A2"])
    done = approve(db, admin, number, tmp_path, reviewed=seen.scans_read)
    assert done.removed == 1  # A3; A2 was sold since: not written off
    assert _state(db, "A2") == "sold" and _state(db, "A3") == "written_off"


def test_without_a_review_the_count_is_approved_as_it_is(
    counted: tuple[Database, str], admin: Actor, tmp_path: Path
) -> None:
    db, number = counted
    scan(db, admin, number, 1, sku="PH", serial="A2")
    assert approve(db, admin, number, tmp_path).removed == 1  # ``count approve``: as it is now


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_scan_in_flight_during_the_review_is_refused_though_its_id_is_older(
    counted: tuple[Database, str], admin: Actor, tmp_path: Path
) -> None:
    """On PostgreSQL a scan's id is drawn when it is inserted, not when it commits: a scan
    still in its transaction while another terminal's later scan commits and the review
    reads holds an id below the review's newest. It commits after the review; approval must
    still see it as unreviewed (it is counted, not compared by id)."""
    db, number = counted
    with db.engine.connect() as in_flight:
        ids = in_flight.execute(
            sa.text(
                "SELECT c.id, b.id, p.id FROM stock_count c JOIN count_batch b ON b.count_id "
                "= c.id JOIN product p ON p.sku = 'PH' WHERE c.number = :n"
            ),
            {"n": number},
        ).one()
        # The scan in flight: the count's row in share mode, as a scan takes it, and its row
        # inserted (a serial typed wrong), not committed yet.
        in_flight.execute(
            sa.text("SELECT id FROM stock_count WHERE id = :c FOR SHARE"), {"c": ids[0]}
        )
        in_flight.execute(
            sa.text(
                "INSERT INTO count_scan (count_id, batch_id, product_id, serial, quantity, "
                "user_name, scanned_at) VALUES (:c, :b, :p, 'A9', 1, 'ann', now())"
            ),
            {"c": ids[0], "b": ids[1], "p": ids[2]},
        )
        scan(db, admin, number, 1, sku="PH", serial="A2")  # another terminal's, committed
        seen = reconcile(db, number)  # the review: A2 seen, A9 not yet
        assert [u.serial for u in seen.never_seen] == []
        in_flight.commit()
    with pytest.raises(CountChanged):
        approve(db, admin, number, tmp_path, reviewed=seen.scans_read)
    assert _state(db, "A9") is None
    assert get_count(db, number).status == "open"
