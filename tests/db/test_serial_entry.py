"""A wrong serial never enters the ledger, whichever way it comes (``apply``, blind receiving,
adjustments, ASN and product imports), on the demo store, on SQLite and PostgreSQL: another
product's unit in any state (the bike returned to the vendor, the sold ZenBook and Aurora),
a product barcode, two labels run together, invisible characters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_apply import run1

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.asn_rows import AsnFileRefused
from serialpos.domain.errors import BadSerial, DomainError, DuplicateSerial
from serialpos.domain.product_columns import ImportRefused
from serialpos.services import adjustments, lookup, returns, users
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.blind_receiving import open_blind_receipt
from serialpos.services.context import Actor
from serialpos.services.demo import build_demo
from serialpos.services.integrity import check_ledger
from serialpos.services.product_import import import_products_text

BIKE = "WTU123456789A"  # BK-CITY7 at S01
ZENBOOK = "ZB24000104"  # LT-ZEN14, sold on the demo's delivery order
AURORA = "356938030000096"  # PH-AUR15, sold at the demo's counter
GONE_BIKE = (
    f"{BIKE} is the serial of BK-CITY7 City bike 7-speed (returned to vendor): receive it "
    "under BK-CITY7, or check the label"
)


@pytest.fixture
def demo(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    try:
        build_demo(db)
        yield db
    finally:
        db.dispose()


@pytest.fixture
def manager(demo: Database) -> Actor:
    return users.actor_for(demo, "manager", "test")


def states(db: Database, serial: str) -> list[tuple[str, str]]:
    return [(card.sku, card.state) for card in lookup.lookup_serial(db, serial)]


def rtv_the_bike(db: Database, actor: Actor) -> None:
    done = run1(
        db,
        actor,
        {"op": "rtv", "store": "S01", "sku": "BK-CITY7", "serial": BIKE, "reason": "faulty"},
    )
    assert done["ok"] is True, done


def receive(sku: str, serial: str, **extra: Any) -> dict[str, Any]:
    return {"op": "receive", "store": "S01", "sku": sku, "serial": serial, **extra}


def adjust_add(sku: str, serial: str) -> dict[str, Any]:
    return {"op": "adjust", "store": "S01", "sku": sku, "reason": "found", "add": [serial]}


def order_of(db: Database, sku: str, serial: str) -> str:
    found = db.read(lambda conn: returns.sale_of_unit(conn, sku, serial))
    assert found is not None
    return found[0]


def test_apply_receive_of_a_returned_bikes_serial_under_a_drill_is_refused(
    demo: Database, manager: Actor
) -> None:
    rtv_the_bike(demo, manager)
    refused = run1(demo, manager, receive("TL-DRL18", BIKE))
    assert (refused["error"], refused["message"]) == ("duplicate_serial", GONE_BIKE)
    assert states(demo, BIKE) == [("BK-CITY7", "returned_to_vendor")]  # no drill made
    # Under its own product it comes back from the vendor as before.
    assert run1(demo, manager, receive("BK-CITY7", BIKE))["ok"] is True
    assert states(demo, BIKE) == [("BK-CITY7", "in_stock")]


def test_apply_adjust_add_of_a_sold_laptop_leaves_its_return_free(
    demo: Database, manager: Actor
) -> None:
    refused = run1(demo, manager, adjust_add("TL-DRL18", ZENBOOK))
    assert refused["error"] == "duplicate_serial"
    assert refused["message"] == (
        f"{ZENBOOK} is the serial of LT-ZEN14 ZenBook 14 laptop (sold): take it back as a "
        "return of LT-ZEN14, or check the label"
    )
    order = order_of(demo, "LT-ZEN14", ZENBOOK)
    back = run1(demo, manager, {"op": "order_return", "order": order, "serials": [ZENBOOK]})
    assert back["ok"] is True, back  # it was refused duplicate_serial behind the phantom
    assert states(demo, ZENBOOK) == [("LT-ZEN14", "in_stock")]


def test_apply_receive_of_a_sold_imei_under_another_phone_leaves_its_return_free(
    demo: Database, manager: Actor
) -> None:
    refused = run1(demo, manager, receive("PH-NOVA7", AURORA))
    assert refused["error"] == "duplicate_serial"
    assert refused["message"].startswith(f"{AURORA} is the serial of PH-AUR15 Aurora X15")
    order = order_of(demo, "PH-AUR15", AURORA)
    back = run1(demo, manager, {"op": "order_return", "order": order, "serials": [AURORA]})
    assert back["ok"] is True, back
    assert states(demo, AURORA) == [("PH-AUR15", "in_stock")]


@pytest.mark.parametrize(
    ("serial", "code", "said"),
    [
        ("05012345000053", "bad_serial_format", "is the barcode of TL-DRL18, not a serial"),
        ("4006381333931", "bad_serial_format", "is a product barcode (a valid EAN/UPC)"),
        ("FR-300-1015-FR-300-1017", "merged_scan", "(FR-300-1015 and FR-300-1017)"),
    ],
)
def test_apply_receive_and_adjust_add_take_no_barcode_and_no_two_labels(
    demo: Database, manager: Actor, serial: str, code: str, said: str
) -> None:
    for line in (receive("TL-DRL18", serial), adjust_add("TL-DRL18", serial)):
        refused = run1(demo, manager, line)
        assert refused["error"] == code, refused
        assert said in refused["message"]
    assert states(demo, serial) == []


def test_a_manager_may_still_share_a_gone_units_serial_but_never_an_imei(
    demo: Database, manager: Actor
) -> None:
    rtv_the_bike(demo, manager)
    sharing = {"user": "manager", "pin": "2222"}
    done = run1(demo, manager, receive("TL-DRL18", BIKE, shared_by=sharing))
    assert done["ok"] is True, done
    assert states(demo, BIKE) == [("BK-CITY7", "returned_to_vendor"), ("TL-DRL18", "in_stock")]
    refused = run1(demo, manager, receive("PH-NOVA7", AURORA, shared_by=sharing))
    assert refused["error"] == "duplicate_serial"
    assert "it is an IMEI" in refused["message"]


def test_the_console_services_refuse_what_apply_refuses(
    demo: Database, manager: Actor, outbox_folder: Path
) -> None:
    """The blind receipt's scan and the adjustment's scan (what the screens call)."""
    rtv_the_bike(demo, manager)
    session = open_blind_receipt(demo, manager, "S01", "Acme", "PS-1", outbox_folder)
    session.add_product("TL-DRL18")
    with pytest.raises(DuplicateSerial) as err:
        session.scan("TL-DRL18", BIKE)
    assert str(err.value) == GONE_BIKE
    with pytest.raises(BadSerial, match="is the barcode of TL-DRL18, not a serial"):
        session.scan("TL-DRL18", "05012345000053")
    assert session.checklist.lines["TL-DRL18"].scanned == []
    with pytest.raises(DuplicateSerial, match=f"{ZENBOOK} is the serial of LT-ZEN14"):
        adjustments.check_unit(demo, "S01", ZENBOOK, "TL-DRL18", add=True)
    with pytest.raises(DomainError, match="two labels run together") as merged:
        adjustments.check_unit(demo, "S01", "FR-300-1015-FR-300-1017", "AP-FRG300", add=True)
    assert merged.value.code == "merged_scan"


ASN_HEADER = "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"


def asn_problems(db: Database, actor: Actor, name: str, text: str) -> list[str]:
    with pytest.raises(AsnFileRefused) as err:
        import_asn_data(db, actor, name, text.encode(), "S01")
    return [str(p) for p in err.value.problems]


def test_asn_import_refuses_what_receiving_refuses(demo: Database, manager: Actor) -> None:
    rtv_the_bike(demo, manager)
    text = (
        ASN_HEADER
        + "ASN-77,Acme,TL-DRL18,1,DRL18-X\u200b1,\n"
        + f"ASN-77,Acme,TL-DRL18,1,{BIKE},\n"
        + "ASN-77,Acme,TL-DRL18,1,05012345000053,\n"
        + "ASN-77,Acme,TL-DRL18,1,FR-300-1015-FR-300-1017,\n"
        + "ASN-77,Acme,PH-NOVA7,1,356938030002001,\n"
        + "ASN-77,Acme,PH-AUR15,1,356938030002001,\n"
        + f"ASN-78,Acme,PH-NOVA7,1,{AURORA},\n"
    )
    assert asn_problems(demo, manager, "a.csv", text) == [
        "line 2: serial 1 of the list, 'DRL18-X<U+200B>1', holds an invisible character "
        "(U+200B at position 8): no label carries it, so the unit could never be received; "
        "correct the file",
        f"line 3: listed for TL-DRL18: {GONE_BIKE}",
        "line 4: '05012345000053' is the barcode of TL-DRL18, not a serial: scan the serial label",
        "line 5: serial 'FR-300-1015-FR-300-1017' looks like two serials run together "
        "(FR-300-1015 and FR-300-1017): list one serial per unit",
        "line 7: serial 356938030002001 is listed for PH-AUR15 here and for PH-NOVA7 at "
        "line 6: a serial is one unit of one product",
        f"line 8: listed for PH-NOVA7: {AURORA} is the serial of PH-AUR15 Aurora X15 "
        "smartphone 128GB (sold): take it back as a return of PH-AUR15, or check the label",
    ]


def test_asn_import_of_an_asn_in_other_letter_case_names_the_one_imported(
    demo: Database, manager: Actor
) -> None:
    """The demo imported ASN-DEMO-1; ``asn-demo-1`` would expect its packs twice."""
    text = ASN_HEADER + "asn-demo-1,Aurora Devices Ltd,AC-USBC1,20,,CP-DEMO-1\n"
    assert asn_problems(demo, manager, "a.csv", text) == [
        "line 2: ASN asn-demo-1 was already imported as ASN-DEMO-1 (ASN ids ignore letter case)"
    ]


def test_asn_json_with_invisible_characters_is_refused(demo: Database, manager: Actor) -> None:
    text = (
        '{"asn": "J-1", "vendor": "Acme", "lines": [{"sku": "TL-DRL18", "quantity": 3, '
        '"serials": ["DRL18-J\\u200b1", "\\ufeffDRL18-J2", "DRL18-J\\u202e3"]}]}'
    )
    found = asn_problems(demo, manager, "a.json", text)
    assert [p.split("(U+")[1].split(")")[0] for p in found] == [
        "200B at position 8",
        "FEFF at position 1",
        "202E at position 8",
    ]
    assert all(p.startswith("ASN J-1 line 1: serial ") for p in found)


def test_products_import_refuses_an_invisible_sku_and_an_exponent_price(
    demo: Database, manager: Actor
) -> None:
    admin = users.actor_for(demo, "admin", "test")
    text = (
        "SKU,Name,Price,Serial Number Option\n"
        "WK\u200b-2,Widget,5.00,Disabled\n"
        "WK-3,Widget three,1e3,Disabled\n"
    )
    with pytest.raises(ImportRefused) as err:
        import_products_text(demo, admin, text)
    said = " ".join(str(p) for p in err.value.problems)
    assert "holds an invisible character (U+200B at position 3)" in said, said
    assert "price '1e3' is written with an exponent" in said, said


def test_db_check_names_wrong_serials_the_old_code_let_in(demo: Database, manager: Actor) -> None:
    """What the old code recorded (a phantom drill with the returned bike's serial, a drill
    whose serial is its own barcode, an ASN unit with U+200B) is put in as it left it."""
    rtv_the_bike(demo, manager)

    def old_code(conn: sa.Connection) -> None:
        pid = {
            sku: conn.execute(
                sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == sku)
            ).scalar_one()
            for sku in ("TL-DRL18",)
        }
        store = conn.execute(
            sa.select(repo.store_t.c.id).where(repo.store_t.c.code == "S01")
        ).scalar_one()
        for serial, state in (
            (BIKE, "in_stock"),
            ("05012345000053", "in_stock"),
            ("DRL18-X\u200b1", "expected"),
        ):
            conn.execute(
                sa.insert(repo.unit_t).values(
                    product_id=pid["TL-DRL18"],
                    serial=serial,
                    state=state,
                    store_id=store,
                    version=1,
                    updated_at=utcnow(),
                )
            )

    assert [f for f in check_ledger(demo) if f.rule.startswith("serial_")] == []
    demo.write(old_code)
    found = {(f.rule, f.sku, f.detail) for f in check_ledger(demo) if f.violation}
    assert {
        (
            "serial_of_a_gone_unit",
            "TL-DRL18",
            f"unit {BIKE} (in stock) has the serial of a BK-CITY7 unit (returned to vendor): "
            "one label, two products; it blocks the BK-CITY7's return",
        ),
        (
            "serial_is_a_barcode",
            "TL-DRL18",
            "unit 05012345000053 (in stock) has the barcode of TL-DRL18 as its serial: no "
            "scan can find it",
        ),
        (
            "serial_not_plain",
            "TL-DRL18",
            "unit 'DRL18-X<U+200B>1' (expected) has a character no label carries in its "
            "serial (U+200B at position 8)",
        ),
    } <= found


def test_apply_count_takes_no_gone_units_serial_under_another_product(
    demo: Database, manager: Actor
) -> None:
    """Counted as a drill, the returned bike's serial would be a found drill at approval."""
    rtv_the_bike(demo, manager)
    batches = [{"counter": "Ann", "scans": [{"sku": "TL-DRL18", "serial": BIKE}]}]
    refused = run1(demo, manager, {"op": "count", "store": "S01", "batches": batches})
    assert (refused["error"], refused["message"]) == (
        "duplicate_serial",
        f"batch 1, scan 1: {GONE_BIKE}",
    )
    assert states(demo, BIKE) == [("BK-CITY7", "returned_to_vendor")]
