"""A journal entry changed after it was made, whose unit a later waiting entry names
(issue 16): terminal/tampered_units.py leaves that unit to the later entry's verdict. After
the sync, the till and central agree on the unit, nothing is lost, and ``db check`` on the
till names only the changed entries (``journal_entry_sealed``)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from terminal_chain import Chain, Terminal


def _central(chain: Chain, serial: str) -> tuple[str, str] | None:
    with chain.server.db.engine.connect() as conn:  # read and closed at once
        row = conn.execute(
            sa.text(
                "SELECT u.state, s.code FROM serial_unit u JOIN store s ON s.id = u.store_id "
                "WHERE u.serial = :s"
            ),
            {"s": serial},
        ).first()
    return None if row is None else (str(row[0]), str(row[1]))


def _here(till: Terminal, serial: str) -> tuple[str, str] | None:
    rows = till.query(
        "SELECT u.state, s.code FROM serial_unit u JOIN store s ON s.id = u.store_id "
        "WHERE u.serial = :s",
        s=serial,
    )
    return None if not rows else (str(rows[0][0]), str(rows[0][1]))


def _findings(till: Terminal) -> list[str]:
    done = till.cli("db", "check", "--json", check=False)
    return [f["rule"] for f in json.loads(done.stdout)["findings"]]


def _sealed_only(till: Terminal, changed: int = 1) -> None:
    """``db check`` on the till names the changed entries and nothing else."""
    assert _findings(till) == ["journal_entry_sealed"] * changed


def test_a_changed_receipt_whose_unit_a_later_sale_names(chain: Chain) -> None:
    """The receipt is refused here unsent; its unit is left to the sale's verdict (the sale
    waits, naming it). Central never had the unit: the sale is a conflict there, recorded
    for a manager with the sale, and its verdict writes the unit off here as central holds
    none — the till sells no unit central does not have."""
    till = chain.terminal("till-tl-receipt")
    line = {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["TL-9"], "vendor": "ACME"}
    [got] = till.apply(line)
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "TL-9"})
    assert got["ok"] and sold["ok"], (got, sold)
    till.change_line(got["entry"], '"ACME"', '"ACNE"')
    done = till.cli("sync", check=False)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and f"journal entry 1 ({got['entry']}" in done.stderr
    assert (report["refused"], report["conflicts"], report["pending"]) == (1, 1, 0)
    states = dict(till.query("SELECT id, state FROM journal_entry"))
    assert states == {got["entry"]: "refused", sold["entry"]: "conflict"}
    assert (_here(till, "TL-9"), _central(chain, "TL-9")) == (("written_off", "S1"), None)
    # Nothing lost: the sale is central's conflict to decide, with its order and serial.
    assert till.status()["conflicts"] == 1
    assert chain.scalar("SELECT count(*) FROM sync_conflict WHERE serial = 'TL-9'") == 1
    _sealed_only(till)
    chain.check_clean()


def test_a_changed_sale_whose_unit_a_later_return_names(chain: Chain) -> None:
    """The sale is refused here unsent (its line made to name TL-2); its unit is left to the
    return's verdict. Central refuses the return (it has no such order) with its state of
    the unit, in stock: the till and central agree, and the unit sells again."""
    serials = ["TL-1", "TL-2"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-tl-return")
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "TL-1"})
    [back] = till.apply({"op": "order_return", "order": sold["order"], "serials": ["TL-1"]})
    assert sold["ok"] and back["ok"], back
    till.change_line(sold["entry"], '"TL-1"', '"TL-2"')
    done = till.cli("sync", check=False)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and (report["refused"], report["pending"]) == (2, 0)
    answers = {
        entry: json.loads(answer)["error"]
        for entry, answer in till.query("SELECT id, answer FROM journal_entry")
    }
    assert answers == {sold["entry"]: "entry_tampered", back["entry"]: "unknown_order"}
    for serial in serials:
        assert _here(till, serial) == _central(chain, serial) == ("in_stock", "S1"), serial
    _sealed_only(till)
    chain.check_clean()
    # Nothing lost: the sale made again goes through at both ends.
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "TL-1"})[0]["ok"]
    assert till.sync()["accepted"] == 1
    assert _here(till, "TL-1") == _central(chain, "TL-1") == ("sold", "S1")


@pytest.mark.parametrize("batch", [500, 1])
def test_a_sale_and_its_return_both_refused_unsent(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """The sale re-sealed after its edit breaks the link to its return: both are refused
    here unsent. The return's state "before" is the sale's work, which central never saw:
    the unit used to be set back to sold here (in stock at central, and not sellable here
    again); it goes back as it was before the sale, in one push or over two (``batch``)."""
    from serialpos.config import ChainConfig
    from serialpos.db.engine import Database
    from serialpos.domain import entry_seal
    from serialpos.terminal import push, sync
    from serialpos.terminal.client import CentralClient

    serial = f"TR-{batch}"
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    till = chain.terminal(f"till-tr-{batch}")
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": serial})
    [back] = till.apply({"op": "order_return", "order": sold["order"], "serials": [serial]})
    assert sold["ok"] and back["ok"], back
    [(line,)] = till.query("SELECT line FROM journal_entry WHERE id = :i", i=sold["entry"])
    data = json.loads(line)
    data["catalogue_price"] = "1.00"  # a price changed, and the seal made again
    resealed = entry_seal.seal(data, data["journal"]["prev"])
    engine = sa.create_engine(till.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE journal_entry SET line = :l WHERE id = :i"),
                {"l": resealed, "i": sold["entry"]},
            )
    finally:
        engine.dispose()

    monkeypatch.setattr(push, "PUSH_BATCH", batch)
    db = Database(till.db_url)
    try:
        config = ChainConfig(chain.server.base, till.token, "S1", till.name)
        with CentralClient(config.server, config.token) as client:
            report = sync.sync_once(db, config, client)
    finally:
        db.dispose()
    assert (report.refused, report.pending, len(report.tampered)) == (2, 0, 2)
    assert f"{serial} on order {sold['order']} (in_stock at S1 before it)" in report.tampered[1]
    assert _here(till, serial) == _central(chain, serial) == ("in_stock", "S1")
    _sealed_only(till, 2)
    chain.check_clean()
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": serial})[0]["ok"]
    assert till.sync()["accepted"] == 1
    assert _here(till, serial) == _central(chain, serial) == ("sold", "S1")
