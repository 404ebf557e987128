"""``serialpos apply`` op ``count``: a whole count in one line, its reconciliation as the
verdict, approval posting the adjustments and writing the event file; refusals change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, users
from serialpos.services.apply.dispatch import apply_line, apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["A1", "A2", "A3"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH", serials=["B1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=5)
    return db


BATCHES = [
    {
        "counter": "Ann",
        "scans": [
            {"sku": "PH", "serial": "A1"},
            {"serial": "A2"},
            {"sku": "PH", "serial": "A1"},
            {"sku": "PH", "serial": "N9"},
            {"sku": "CAB", "quantity": 3},
        ],
    },
    {"counter": "Bob", "scans": [{"sku": "PH", "serial": "A2"}, {"sku": "PH", "serial": "B1"}]},
]


def _count_rows(db: Database) -> int:
    return int(
        db.read(lambda conn: conn.execute(sa.text("SELECT COUNT(*) FROM count_scan")).scalar_one())
    )


def test_count_reconciles_without_approving(shop: Database, admin: Actor) -> None:
    result = apply_object(shop, admin, {"op": "count", "store": "S1", "batches": BATCHES})
    assert result["ok"] is True and result["op"] == "count"
    assert result["count"] == "C-S1-000001" and result["approved"] is False
    assert result["matched"] == 2
    assert result["missing"] == [{"sku": "PH", "serial": "A3"}]
    assert result["unexpected"] == {
        "never_seen": [{"sku": "PH", "serial": "N9"}],
        "elsewhere": [
            {
                "sku": "PH",
                "serial": "B1",
                "state": "in_stock",
                "store": "S2",
                "action": "leave",
                "moved_since": False,
            }
        ],
    }
    assert result["duplicates"] == [{"sku": "PH", "serial": "A2", "batches": [1, 2]}]
    assert result["quantities"] == [
        {
            "sku": "CAB",
            "counted": 3,
            "on_hand": 5,
            "difference": -2,
            "known_units": None,
            "moved_since": 0,
        }
    ]
    assert result["arrived_since"] == []
    assert result["alerts"] == [
        "serial A1 of PH was already scanned in batch 1: counted once",
        "serial A2 of PH was also counted in batch 1: flagged, counted once",
    ]
    assert ledger_state(shop, "A3") == "in_stock"  # nothing posted


def ledger_state(db: Database, serial: str) -> str:
    return str(
        db.read(
            lambda conn: conn.execute(
                sa.text("SELECT state FROM serial_unit WHERE serial = :s"), {"s": serial}
            ).scalar_one()
        )
    )


def test_count_approve_posts_and_writes_the_file(
    shop: Database, admin: Actor, outbox_folder: Path
) -> None:
    line = json.dumps(
        {"op": "count", "id": 7, "store": "S1", "batches": BATCHES, "approve": True}
    ).encode()
    result = apply_line(shop, admin, line, 1)
    assert result is not None and result["ok"] is True, result
    assert result["id"] == 7 and result["approved"] is True
    assert ledger_state(shop, "A3") == "written_off"
    assert ledger_state(shop, "N9") == "in_stock"
    assert ledger_state(shop, "B1") == "in_stock"
    text = (outbox_folder / "count-C-S1-000001.csv").read_text("utf-8").splitlines()
    assert text[0] == "event_type,document_id,store,completed_at,user,sku,quantity,serials"
    # Units added and units written off of one product are two rows, additions first.
    assert text[1].endswith(",ada,CAB,-2,") and text[2].endswith(",ada,PH,1,N9")
    assert text[3].endswith(",ada,PH,-1,A3") and len(text) == 4
    assert [f for f in check_ledger(shop) if f.violation] == []


def test_count_limited_to_products(shop: Database, admin: Actor) -> None:
    result = apply_object(
        shop,
        admin,
        {
            "op": "count",
            "store": "S1",
            "products": ["CAB"],
            "batches": [{"counter": "Ann", "scans": [{"sku": "CAB", "quantity": 5}]}],
        },
    )
    assert result["ok"] is True
    assert result["missing"] == [] and result["quantities"] == [] and result["matched"] == 0


@pytest.mark.parametrize(
    ("line", "code", "message"),
    [
        ({"batches": BATCHES}, "bad_request", "'store' is missing"),
        ({"store": "S1", "batches": []}, "bad_request", "a count needs at least one batch"),
        ({"store": "S1", "batches": [{"scans": []}]}, "bad_request", "'counter' is missing"),
        (
            {"store": "S1", "batches": [{"counter": "A", "scans": [{"sku": "PH"}]}]},
            "serial_required",
            "batch 1, scan 1: PH is counted by serial",
        ),
        (
            {"store": "S1", "batches": [{"counter": "A", "scans": [{"serial": 5}]}]},
            "bad_request",
            "batches[1].scans[1]: 'serial' must be text",
        ),
        (
            {
                "store": "S1",
                "products": ["CAB"],
                "batches": [
                    {"counter": "A", "scans": [{"sku": "CAB"}, {"sku": "PH", "serial": "A1"}]}
                ],
            },
            "not_in_count",
            "batch 1, scan 2: PH is not in count",
        ),
        ({"store": "S9", "batches": BATCHES}, "unknown_store", "there is no store 'S9'"),
    ],
)
def test_refusals_record_nothing(
    shop: Database, admin: Actor, line: dict[str, object], code: str, message: str
) -> None:
    result = apply_object(shop, admin, {"op": "count", **line})
    assert result["ok"] is False and result["error"] == code, result
    assert message in result["message"]
    assert _count_rows(shop) == 0


def test_a_stockroom_user_counts_but_cannot_approve(shop: Database, admin: Actor) -> None:
    users.add_user(shop, admin, "sam", "stockroom", "4444")
    sam = users.actor_for(shop, "sam", "handheld")
    ok = apply_object(shop, sam, {"op": "count", "store": "S1", "batches": BATCHES})
    assert ok["ok"] is True
    refused = apply_object(
        shop, sam, {"op": "count", "store": "S1", "batches": BATCHES, "approve": True}
    )
    assert refused["ok"] is False and refused["error"] == "permission_denied"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        # From a host: decisions are a store terminal's journal entry's only.
        (
            {"decided": {"missing": [{"sku": "PH", "serial": "A3"}], "found": []}},
            "store terminal's journal entry only",
        ),
        ({"decided": {"missing": "A3"}}, "'decided.missing' must be a list"),
        ({"decided": {"missing": [{"serial": "A3"}]}}, "'decided.missing[1]' must be"),
        ({"decided": {"lost": []}}, "unknown key 'lost'"),
    ],
)
def test_a_hosts_count_with_decisions_is_refused_and_changes_nothing(
    shop: Database, admin: Actor, line: dict[str, object], words: str
) -> None:
    """``decided`` is what a till judged from its own view (docs/offline.md): a host's line
    carrying it, or a malformed one, is refused naming the problem; nothing is posted."""
    result = apply_object(
        shop, admin, {"op": "count", "store": "S1", "approve": True, "batches": BATCHES} | line
    )
    assert result["ok"] is False and result["error"] == "bad_request", result
    assert words in result["message"], result
    assert _count_rows(shop) == 0
    states = shop.read(
        lambda conn: conn.execute(
            sa.text("SELECT serial, state FROM serial_unit ORDER BY serial")
        ).all()
    )
    assert [tuple(r) for r in states] == [
        ("A1", "in_stock"),
        ("A2", "in_stock"),
        ("A3", "in_stock"),
        ("B1", "in_stock"),
    ]


@pytest.mark.parametrize(
    ("batches", "words"),
    [
        # "scan" for "scans": a batch of nothing, and approving wrote off the whole store.
        (
            [{"counter": "Ann", "scan": [{"sku": "PH", "serial": "A1"}]}],
            "batches[1]: unknown key 'scan' (known: counter, scans)",
        ),
        # "serail": one cable counted, the serial dropped.
        (
            [{"counter": "Ann", "scans": [{"sku": "CAB", "serail": "A1"}]}],
            "batches[1].scans[1]: unknown key 'serail' (known: sku, serial, quantity)",
        ),
    ],
)
def test_a_count_with_a_key_it_does_not_know_is_refused_and_writes_off_nothing(
    shop: Database, admin: Actor, batches: list[dict[str, object]], words: str
) -> None:
    result = apply_object(
        shop, admin, {"op": "count", "store": "S1", "approve": True, "batches": batches}
    )
    assert result["ok"] is False and result["error"] == "bad_request", result
    assert result["message"] == words, result
    assert _count_rows(shop) == 0
    states = shop.read(
        lambda conn: conn.execute(
            sa.text(
                "SELECT serial, state FROM serial_unit WHERE store_id IS NOT NULL ORDER BY serial"
            )
        ).all()
    )
    assert all(state == "in_stock" for _serial, state in states), states
