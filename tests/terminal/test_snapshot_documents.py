"""A store terminal's snapshot holds the store's open documents (issue 16): an ASN announced
to the store and a transfer shipped to it are received on the terminal **offline**, against
its own copy, and central takes the entries as if they were made there; documents of other
stores, and closed ones, are not copied. Settings and products changed at central after
the snapshot reach the terminal with its next sync."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from terminal_chain import Chain

from serialpos.services import products, users


def test_open_documents_travel_with_the_snapshot_and_work_offline(chain: Chain) -> None:
    asn_file = chain.folder / "asn-snap.csv"
    asn_file.write_text(
        "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"
        "ASN-SNAP-1,Aurora,PH1,2,SA-1|SA-2,\n"
        "ASN-SNAP-1,Aurora,CAB,3,,\n"
    )
    chain.central("asn", "import", str(asn_file), "--store", "S1", user="ada")
    other_file = chain.folder / "asn-other.csv"
    other_file.write_text("ASN,Vendor,SKU,Quantity,Serials,CasePack\nASN-S2-1,Aurora,PH1,1,SB-1,\n")
    chain.central("asn", "import", str(other_file), "--store", "S2", user="ada")
    assert chain.post(
        {"op": "receive", "store": "S2", "sku": "PH1", "serials": ["ST-1", "ST-2"]},
        {
            "op": "transfer_out",
            "store": "S2",
            "to": "S1",
            "sku": "PH1",
            "serials": ["ST-1", "ST-2"],
            "transfer": "TR-SNAP-1",
            "create": True,
        },
    )[1]["ok"]

    till = chain.terminal("snap-docs")
    asns = till.query("SELECT asn, status FROM asn ORDER BY asn")
    assert asns == [("ASN-SNAP-1", "open")]  # the other store's ASN stays at central
    assert till.query("SELECT sku, quantity, listed FROM asn_line ORDER BY sku") == [
        ("CAB", 3, 0),
        ("PH1", 2, 2),
    ]
    assert till.query("SELECT number, status FROM transfer") == [("TR-SNAP-1", "shipped")]
    assert sorted(till.query("SELECT serial FROM transfer_unit")) == [("ST-1",), ("ST-2",)]
    assert till.unit_state("SA-1") == "expected" and till.unit_state("ST-1") == "in_transit"
    # The stockroom reads the notice it receives against on the till (it was refused there).
    listed = till.cli("asn", "list", "--json")
    assert [a["asn"] for a in json.loads(listed.stdout)] == ["ASN-SNAP-1"]
    shown = till.cli("asn", "show", "ASN-SNAP-1")
    assert "ASN-SNAP-1 from Aurora at S1: open, 0 of 5 scanned" in shown.stdout, shown.stdout
    till.check_clean()

    # Offline (no sync): the ASN and the transfer are received against the local copies.
    received, taken_in = till.apply(
        {
            "op": "asn_receive",
            "asn": "ASN-SNAP-1",
            "store": "S1",
            "scans": [
                {"sku": "PH1", "serial": "SA-1"},
                {"sku": "PH1", "serial": "SA-2"},
                *([{"sku": "CAB"}] * 3),
            ],
        },
        {
            "op": "transfer_in",
            "store": "S1",
            "sku": "PH1",
            "serial": "ST-1",
            "transfer": "TR-SNAP-1",
        },
    )
    assert received["ok"], received
    assert taken_in["ok"] and taken_in["in_transit"] == [
        {"sku": "PH1", "quantity": 1, "serials": ["ST-2"]}
    ]
    assert till.unit_state("SA-1") == "in_stock" and till.unit_state("ST-1") == "in_stock"
    # A serial the ASN does not list is refused offline exactly as at central.
    [refused] = till.apply(
        {
            "op": "transfer_in",
            "store": "S1",
            "sku": "PH1",
            "serial": "SA-2",
            "transfer": "TR-SNAP-1",
        },
        check=False,
    )
    assert not refused["ok"] and "not on transfer TR-SNAP-1" in refused["message"]

    pushed = till.sync()
    assert (pushed["accepted"], pushed["conflicts"], pushed["refused"]) == (2, 0, 0)
    assert chain.scalar("SELECT status FROM asn WHERE asn = 'ASN-SNAP-1'") == "received"
    for serial in ("SA-1", "SA-2", "ST-1"):
        assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial) == (
            "in_stock"
        )
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'ST-2'") == "in_transit"
    for db in (till, chain):
        db.check_clean()


def test_settings_and_new_products_reach_the_terminal_with_the_sync(chain: Chain) -> None:
    till = chain.terminal("snap-refresh")
    assert till.query("SELECT count(*) FROM product WHERE sku = 'NEW-1'") == [(0,)]
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="NEW-1", name="New phone", price=Decimal("199.00")
    )
    chain.central("settings", "set", "require_shift", "yes", "--store", "S1", user="ada")
    assert till.status()["refreshed_at"] is None
    done = till.sync()
    assert done["refreshed"] is True
    assert till.query("SELECT name, price FROM product WHERE sku = 'NEW-1'") == [("New phone", 199)]
    setting = till.query(
        "SELECT s.value FROM store_setting s JOIN store ON store.id = s.store_id "
        "WHERE store.code = 'S1' AND s.key = 'require_shift'"
    )
    assert setting == [("true",)]
    refreshed = till.status()["refreshed_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", refreshed), refreshed  # as link_since
    assert till.sync()["refreshed"] is False  # not again until REFRESH_SECONDS have passed
    till.check_clean()


def test_an_asn_received_at_two_tills_is_a_conflict_not_a_jam(chain: Chain) -> None:
    """Two tills of one store receive the same ASN offline. Central takes the first; the
    second is refused ``conflict`` (the ASN was received meanwhile), which lasts however
    often it is sent: it is recorded as a conflict for a manager, its units and cables take
    central's state, and the till's sync goes on (it stayed pending for good, and the till
    never pulled again)."""
    asn_file = chain.folder / "asn-twice.csv"
    asn_file.write_text(
        "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"
        "ASN-TWICE,Aurora,PH1,2,TW-1|TW-2,\n"
        "ASN-TWICE,Aurora,CAB,5,,\n"
    )
    chain.central("asn", "import", str(asn_file), "--store", "S1", user="ada")
    first, second = chain.terminal("twice-a"), chain.terminal("twice-b")
    for till, scans in (
        (first, [{"sku": "PH1", "serial": "TW-1"}, {"sku": "PH1", "serial": "TW-2"}]),
        (second, [{"sku": "PH1", "serial": "TW-1"}]),
    ):
        line = {"op": "asn_receive", "asn": "ASN-TWICE", "store": "S1", "complete": True}
        cables = [{"sku": "CAB"}] * (5 if till is first else 4)
        [done] = till.apply(line | {"scans": scans + cables})
        assert done["ok"], done
    assert first.sync()["accepted"] == 1
    report = second.sync()
    assert report["conflicts"] == 1 and report["pending"] == 0, report
    [conflict] = json.loads(second.cli("conflicts", "list", "--json").stdout)
    assert conflict["status"] == "open" and conflict["serial"] == "TW-1", conflict
    assert "already received" in conflict["message"] or "received meanwhile" in conflict["message"]
    assert second.sync()["pending"] == 0
    for serial in ("TW-1", "TW-2"):
        assert second.unit_state(serial) == first.unit_state(serial) == "in_stock"
    cab = "SELECT quantity FROM stock_level k JOIN product p ON p.id = k.product_id "
    cab += "JOIN store s ON s.id = k.store_id WHERE p.sku = 'CAB' AND s.code = 'S1'"
    assert second.query(cab) == first.query(cab) == [(chain.scalar(cab),)]
    for db in (first, second, chain):
        db.check_clean()
