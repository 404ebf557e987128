"""Resolving a sync conflict at central by a new event (issue 16), as a new user found it:
``--by return`` brought the unit back to stock but left the sale that stood fulfilled, with
no refund note, and reports still counted it; ``--by write_off`` on a sold unit said only
"already sold"; a cashier's refusal spoke of adjusting stock; a bad ``--by`` or ``--status``
exited 1, not as a usage error; and central's serial card did not name an open conflict."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from test_cli_core import Cli, phone_central

from serialpos.db.engine import Database
from serialpos.domain.errors import PermissionDenied
from serialpos.domain.states import Action
from serialpos.services import apply as apply_service
from serialpos.services import conflicts, entries, ledger, snapshot, users
from serialpos.services.apply.dispatch import apply_object

SALES = {
    "sell": {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SN-1", "payment": "card"},
    "order_create": {
        "op": "order_create",
        "store": "S1",
        "lines": [{"sku": "PH1", "serial": "SN-1"}],
        "fulfil": True,
        "payments": [{"method": "card", "amount": "100.00"}],
    },
}


def _entry(db: Database, terminal: str, line: dict[str, Any]) -> dict[str, Any]:
    token = users.actor_for(db, "ada", f"api-{uuid.uuid4().hex[:6]}")
    snapshot.link(db, token, "S1", terminal)
    data = {"id": str(uuid.uuid4()), **line, "journal": {"terminal": terminal, "seq": 1}}
    return entries.apply_entry(db, token, data, apply_service.apply_object)


def _setup(tmp_path: Path, standing: str, by_till: bool) -> tuple[Cli, int]:
    """SN-1 sold by ``standing`` (a till's entry, or a host's sale at central); then another
    till's offline sale of it arrives: the conflict's number."""
    cli = Cli(tmp_path)
    db, ada = phone_central(cli)
    cli("user", "add", "cal", "--role", "cashier", "--pin", "4822", user="ada")
    try:
        ledger.move(db, ada, Action.RECEIVE, store="S1", sku="PH1", serials=["SN-1", "SN-2"])
        sale = SALES[standing]
        done = _entry(db, "till-1", sale) if by_till else apply_service.apply_object(db, ada, sale)
        assert done["ok"], done
        lost = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SN-1"}
        verdict = _entry(db, "till-2", lost)
    finally:
        db.dispose()
    assert verdict["error"] == "sync_conflict", verdict
    return cli, int(verdict["conflict"]["id"])


@pytest.mark.parametrize(
    ("standing", "by_till"), [("sell", True), ("order_create", True), ("sell", False)]
)
def test_return_takes_the_standing_sale_back_and_refunds_it(
    tmp_path: Path, standing: str, by_till: bool
) -> None:
    cli, number = _setup(tmp_path, standing, by_till)
    cli("--user", "ada", "conflicts", "resolve", str(number), "--by", "return")
    db = cli.database()
    try:
        rows = db.read(
            lambda conn: [
                dict(r._mapping)
                for r in conn.exec_driver_sql(
                    "SELECT o.status, l.status AS line, l.refund_invoice_id, i.kind, i.number, "
                    "u.state FROM order_line l JOIN sale_order o ON o.id = l.order_id "
                    "LEFT JOIN invoice i ON i.id = l.refund_invoice_id "
                    "JOIN serial_unit u ON u.serial = l.serial WHERE l.serial = 'SN-1'"
                )
            ]
        )
        refunds = db.read(
            lambda conn: conn.exec_driver_sql(
                "SELECT method, amount FROM order_payment WHERE kind = 'refund'"
            ).all()
        )
    finally:
        db.dispose()
    [row] = rows
    assert (row["line"], row["kind"], row["state"]) == ("returned", "Refund", "in_stock")
    assert [(m, float(a)) for m, a in refunds] == [("card", -100.0)]  # by the sale's tender
    card = cli("serial", "show", "SN-1").stdout
    assert "line 1 (returned)" in card and "line 1 (fulfilled)" not in card
    detail = cli("report", "sales-detail", "--serial", "SN-1", "--json", user="ada").stdout
    assert row["number"] in detail  # the refund note is counted against the sale
    assert cli.json("conflicts", "show", str(number))["resolution"]["action"] == "return"


def test_write_off_of_a_sold_unit_says_why_and_what_to_use(tmp_path: Path) -> None:
    cli, number = _setup(tmp_path, "sell", True)
    refused = cli("--user", "ada", "conflicts", "resolve", str(number), "--by", "write_off", code=1)
    assert "SN-1 was sold by sell" in refused.stderr
    assert "resolve by return" in refused.stderr.lower() and "accept" in refused.stderr
    assert cli.json("conflicts", "show", str(number))["status"] == "open"


def test_a_cashier_is_refused_resolving_in_those_words(tmp_path: Path) -> None:
    cli, number = _setup(tmp_path, "sell", True)
    db = cli.database()
    try:
        cal = users.actor_for(db, "cal", "central")
        with pytest.raises(PermissionDenied) as refused:
            conflicts.resolve(db, cal, number, "accept", None, apply_object)
    finally:
        db.dispose()
    assert refused.value.message == (
        "cal (cashier) may not resolve sync conflicts; that needs the role manager or admin"
    )


def test_bad_choices_are_usage_errors(tmp_path: Path) -> None:
    cli, number = _setup(tmp_path, "sell", True)
    bad_by = cli("--user", "ada", "conflicts", "resolve", str(number), "--by", "bogus", code=2)
    assert "accept, return, write_off" in bad_by.stderr
    bad_status = cli("conflicts", "list", "--status", "bogus", code=2)
    assert "open or resolved" in bad_status.stderr
    assert json.loads(cli("conflicts", "list", "--json").stdout)[0]["status"] == "open"


def test_centrals_serial_card_names_an_open_conflict(tmp_path: Path) -> None:
    cli, number = _setup(tmp_path, "sell", True)
    card = cli("serial", "show", "SN-1").stdout
    assert f"OPEN CONFLICT #{number}" in card and "till-2" in card
    cli("--user", "ada", "conflicts", "resolve", str(number), "--by", "accept")
    assert "CONFLICT" not in cli("serial", "show", "SN-1").stdout


def test_a_resolved_sales_words_say_what_the_resolution_did(tmp_path: Path) -> None:
    """Central's ``conflicts show`` of a till's two-line sale said "the whole sale was not
    recorded" after it was resolved too, as if nothing had been done; now it says what the
    resolution did. ``resolve --json`` (a usage error before) answers the conflict's JSON."""
    cli = Cli(tmp_path)
    db, ada = phone_central(cli)
    try:
        ledger.move(db, ada, Action.RECEIVE, store="S1", sku="PH1", serials=["SN-1", "SN-2"])
        sold = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SN-1", "payment": "card"}
        assert apply_service.apply_object(db, ada, sold)["ok"]
        sale = {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "PH1", "serial": "SN-1"}, {"sku": "PH1", "serial": "SN-2"}],
            "fulfil": True,
            "payments": [{"method": "card", "amount": "200.00"}],
        }
        verdict = _entry(db, "till-2", sale)
    finally:
        db.dispose()
    assert verdict["error"] == "sync_conflict", verdict
    number = int(verdict["conflict"]["id"])
    before = " ".join(cli("conflicts", "show", str(number)).stdout.split())
    assert "NOT RECORDED: the whole sale was not recorded at central" in before, before
    done = cli("--user", "ada", "conflicts", "resolve", str(number), "--by", "return", "--json")
    assert json.loads(done.stdout)["resolution"]["action"] == "return"
    after = " ".join(cli("conflicts", "show", str(number)).stdout.split())
    assert (
        "RESOLVED: SN-1 returned to stock at central by ada; the sale stays unrecorded at "
        "central: 2 lines, 200.00 taken (card 200.00)"
    ) in after, after
    assert "was not recorded" not in after and "NOT RECORDED" not in after, after
    assert "* PH1 SN-1 x1" in after and "- PH1 SN-2 x1" in after
