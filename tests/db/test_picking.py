"""Pick lists and run sheets on SQLite and PostgreSQL, from orders made through the services,
read back from the PDF with pypdf: every order, serial, bin and customer on the page, walking
order, the filters, the refusals, and a long list flowing over pages with its header."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, BadValue, PermissionDenied, UnknownStore
from serialpos.domain.products import SerialMode
from serialpos.domain.states import Action
from serialpos.printing.picklist import picklist_pdf
from serialpos.printing.runsheet import runsheet_pdf
from serialpos.services import ledger, users
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order, park, set_customer, void
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.orders.views import Customer, UnknownOrder
from serialpos.services.picking import day_bounds, parse_day, pick_list, run_sheet
from serialpos.services.product_import import import_products_text

IMEI = [
    "356938035643809",
    "490154203237518",
    "867530012345672",
    "352099001761481",
    "353325091234561",
]
CATALOGUE = (
    "SKU,Name,Price,Serial Number Option,Barcode,TaxRate,SerialFormat,WarrantyMonths,Bin,"
    "PackageType,Components\n"
    "PH1,Phone,100.00,Required,,20,imei,24,B10,,\n"
    "PH2,Phone mini,80.00,Required,,20,,24,B2,,\n"
    "LT1,Laptop,900.00,Optional,,20,,24,A1,,\n"
    "CB1,Cable,5.00,Disabled,,20,,,,,\n"
    "BT1,Drill bits,10.00,Disabled,,20,,,C3,,\n"
    "KIT,Drill kit,50.00,Disabled,,20,,,C1,exploded,BT1*1|PH2*1\n"
)
ANN = Customer("Ann <b>Lee</b> & Co", "555-0100", "Flat 4, 12 Quay Street, Harbourtown")
BOB = Customer("Bob Stone", "555-0199", "7 Mill Lane")


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def mentions(page: str, order: str) -> bool:
    """The order number itself, not inside an invoice number (INV-S1-000002)."""
    return re.search(rf"(?<![\w-]){re.escape(order)}\b", page) is not None


def opened_day(db: Database, order: str) -> date:
    """The local day an order was opened, as the documents count it."""
    created = get_order(db, order).created_at
    return created.replace(tzinfo=UTC).astimezone().date()


@pytest.fixture
def staff(db: Database, admin: Actor) -> dict[str, Actor]:
    import_products_text(db, admin, CATALOGUE)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=IMEI[:3])
    ledger.move(
        db, admin, Action.RECEIVE, store="S1", sku="PH2", serials=["MINI-O0-1", "MINI-O0-2"]
    )
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH1", serials=[IMEI[3]])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT1", serials=["LT-A"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB1", quantity=20)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BT1", quantity=5)
    users.add_user(db, admin, "cam", "cashier", "1111")
    users.add_user(db, admin, "sam", "stockroom", "2222")
    users.add_user(db, admin, "max", "manager", "3333")
    return {name: users.actor_for(db, name, "t1") for name in ("cam", "sam", "max")}


@pytest.fixture
def shop(db: Database, staff: dict[str, Actor]) -> dict[str, str]:
    """Orders in every state that matters, made at the counter through the services."""
    cam = staff["cam"]
    # 1: a delivery, one phone with its serial, three cables, a laptop without serial
    one, _ = create_order(
        db,
        cam,
        "S1",
        "special_order",
        "delivery",
        ANN,
        [NewLine("PH1", IMEI[0]), NewLine("CB1", quantity=3), NewLine("LT1")],
    )
    # 2: a pickup with a phone still to scan and a kit opened at the sale
    two = open_order(db, cam, "S1", "special_order", "pickup").order
    add_item(db, cam, two, sku="PH1")
    add_item(db, cam, two, sku="KIT")
    # 3: fulfilled at the counter: nothing left to pick
    three, _ = create_order(db, cam, "S1", lines=[NewLine("PH1", IMEI[2])])
    fulfil(db, cam, three.order, settle_in="cash")
    # 4: another store
    four, _ = create_order(db, cam, "S2", lines=[NewLine("PH1", IMEI[3])])
    # 5: parked at the counter
    five, _ = create_order(db, cam, "S1", lines=[NewLine("CB1")])
    park(db, cam, five.order)
    # 6: a delivery paid and fulfilled (on the run sheet, not on the pick list)
    six = open_order(db, cam, "S1", "sale", "delivery").order
    line = add_item(db, cam, six, sku="PH2").line
    set_serial(db, cam, six, line, "MINI-O0-1")
    set_customer(db, cam, six, BOB)
    six_invoice = fulfil(db, cam, six, settle_in="card").invoice
    return {
        "one": one.order,
        "two": two,
        "three": three.order,
        "four": four.order,
        "five": five.order,
        "six": six,
        "six_invoice": six_invoice,
    }


def test_pick_list_in_walking_order(
    db: Database, staff: dict[str, Actor], shop: dict[str, str]
) -> None:
    doc = pick_list(db, staff["sam"], "S1", now=datetime(2026, 11, 23, 9, 15))
    got = [(ln.bin, ln.sku, ln.order, ln.line, ln.quantity, ln.serial) for ln in doc.lines]
    one, two = shop["one"], shop["two"]
    assert got == [
        ("A1", "LT1", one, 3, 1, None),
        ("B2", "PH2", two, 4, 1, None),  # the kit's phone, line 4 under package line 2
        ("B10", "PH1", one, 1, 1, IMEI[0]),  # B10 after B2: bins sort as shelves do
        ("B10", "PH1", two, 1, 1, None),
        ("C3", "BT1", two, 3, 1, None),
        (None, "CB1", one, 2, 3, None),  # no bin: last
    ]
    kit_parts = [ln for ln in doc.lines if ln.order == two and ln.line in (3, 4)]
    assert {ln.package_line for ln in kit_parts} == {2}
    assert [ln.serial_to_scan for ln in doc.lines] == [False, True, False, True, False, False]
    assert (doc.store_code, doc.store_name, doc.printed_by) == ("S1", "Main Street", "sam")

    [page] = text_of(picklist_pdf(doc))
    for expected in (
        "Pick list",
        "S1 Main Street",
        "printed 2026-11-23 09:15",
        "by sam",
        "page 1 of 1",
        one,
        two,
        IMEI[0],
        "A1",
        "B2",
        "B10",
        "C3",
        "no bin",
        "Drill bits",
        "in package line 2",
        "serial optional",
        "6 lines, 8 units from 2 orders; 2 serials to scan",
        "all open orders",
    ):
        assert expected in page, expected
    assert page.count("serial to scan") == 2
    for absent in (shop["three"], shop["four"], shop["five"], shop["six"]):
        assert not mentions(page, absent), absent
    assert "Drill kit" not in page
    # walking order on paper too: the bins appear top to bottom as sorted
    assert [m for m in re.findall(r"^(A1|B2|B10|C3|no bin)$", page, re.M)] == [
        "A1",
        "B2",
        "B10",
        "B10",
        "C3",
        "no bin",
    ]


def test_pick_list_filters(db: Database, staff: dict[str, Actor], shop: dict[str, str]) -> None:
    sam, one, two = staff["sam"], shop["one"], shop["two"]
    only_two = pick_list(db, sam, "S1", orders=[f" {two} ", two])
    assert {ln.order for ln in only_two.lines} == {two} and len(only_two.lines) == 3
    assert only_two.filters == (f"order {two}",)
    both = pick_list(db, sam, "S1", orders=[one, two])
    assert len(both.lines) == 6 and both.filters == (f"orders {one}, {two}",)

    deliveries = pick_list(db, sam, "S1", delivery="delivery")
    assert {ln.order for ln in deliveries.lines} == {one}
    assert "delivery mode Delivery" in deliveries.filters

    today = opened_day(db, one)
    assert len(pick_list(db, sam, "S1", on=today).lines) == 6
    # an order opened the day before (no service back-dates an order, so the test does)
    earlier = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1, hours=1)
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(orepo.order_t).where(orepo.order_t.c.number == one).values(created_at=earlier)
        )
    on_day = pick_list(db, sam, "S1", on=today)
    assert {ln.order for ln in on_day.lines} == {two}
    day_before = earlier.replace(tzinfo=UTC).astimezone().date()
    assert {ln.order for ln in pick_list(db, sam, "S1", on=day_before).lines} == {one}

    nothing = pick_list(db, sam, "S1", on=today + timedelta(days=3))
    assert nothing.lines == ()
    [page] = text_of(picklist_pdf(nothing))
    assert "Nothing to pick" in page and f"opened on {today + timedelta(days=3)}" in page


def test_pick_list_refusals(db: Database, staff: dict[str, Actor], shop: dict[str, str]) -> None:
    sam = staff["sam"]
    with pytest.raises(UnknownOrder, match="no order 'S1-999999'"):
        pick_list(db, sam, "S1", orders=["S1-999999"])
    with pytest.raises(BadRequest, match=f"order {shop['four']} is at store S2, not S1"):
        pick_list(db, sam, "S1", orders=[shop["four"]])
    with pytest.raises(BadRequest, match=f"order {shop['three']} is fulfilled") as closed:
        pick_list(db, sam, "S1", orders=[shop["three"]])
    assert closed.value.code == "order_not_open"
    with pytest.raises(BadRequest, match="is parked"):
        pick_list(db, sam, "S1", orders=[shop["five"]])
    with pytest.raises(BadValue, match="delivery mode 'truck'"):
        pick_list(db, sam, "S1", delivery="truck")
    with pytest.raises(UnknownStore, match="no store 'S9'"):
        pick_list(db, sam, "S9")
    with pytest.raises(PermissionDenied, match="cam \\(cashier\\) may not receive"):
        pick_list(db, staff["cam"], "S1")
    assert len(pick_list(db, staff["max"], "S1").lines) == 6  # a manager may pick too


def test_run_sheet(db: Database, staff: dict[str, Actor], shop: dict[str, str]) -> None:
    day = opened_day(db, shop["one"])
    doc = run_sheet(db, staff["max"], "S1", day, now=datetime(2026, 11, 23, 7, 0))
    assert [s.order for s in doc.stops] == [shop["one"], shop["six"]]  # pickups are not driven
    first, second = doc.stops
    assert first.customer_name == ANN.name and first.customer_address == ANN.address
    assert [(i.line, i.sku, i.quantity, i.serial) for i in first.items] == [
        (1, "PH1", 1, IMEI[0]),
        (2, "CB1", 3, None),
        (3, "LT1", 1, None),
    ]
    assert first.to_collect == Decimal("120.00") + Decimal("18.00") + Decimal("1080.00")
    assert first.status == "open: not yet fulfilled"
    assert second.to_collect == 0 and second.status == f"fulfilled on {shop['six_invoice']}"

    [page] = text_of(runsheet_pdf(doc))
    for expected in (
        "Run sheet",
        "S1 Main Street",
        f"{day:%Y-%m-%d}",
        "by max",
        "page 1 of 1",
        shop["one"],
        shop["six"],
        "Ann <b>Lee</b> & Co",
        "555-0100",
        "Flat 4, 12 Quay Street, Harbourtown",
        "Bob Stone",
        "555-0199",
        "7 Mill Lane",
        IMEI[0],
        "MINI-O0-1",
        "To collect: 1,218.00",
        "Paid in full",
        shop["six_invoice"],
        "Received by (name)",
        "Signature",
        "Deliveries on",
        "2 stops, 6 units",
        "opened",
    ):
        assert expected in page, expected
    assert page.count("Received by (name)") == 2
    assert not mentions(page, shop["two"]) and not mentions(page, shop["three"])


def test_run_sheet_marks_missing_customer_details_and_empty_days(
    db: Database, staff: dict[str, Actor], shop: dict[str, str]
) -> None:
    cam = staff["cam"]
    bare, _ = create_order(
        db, cam, "S1", "special_order", "delivery", Customer(name="Cy"), [NewLine("CB1")]
    )
    day = opened_day(db, bare.order)
    doc = run_sheet(db, staff["max"], "S1", day)
    stop = next(s for s in doc.stops if s.order == bare.order)
    assert (stop.customer_phone, stop.customer_address) == (None, None)
    [page] = text_of(runsheet_pdf(doc))
    assert page.count("not recorded") == 2

    void(db, cam, bare.order)
    assert bare.order not in [s.order for s in run_sheet(db, staff["max"], "S1", day).stops]

    empty = run_sheet(db, staff["max"], "S2", day)
    assert empty.stops == ()
    [page] = text_of(runsheet_pdf(empty))
    assert "Nothing to deliver: no delivery orders at S2" in page
    with pytest.raises(PermissionDenied, match="sam \\(stockroom\\) may not run reports"):
        run_sheet(db, staff["sam"], "S1", day)


def test_long_pick_list_flows_over_pages(
    db: Database, admin: Actor, staff: dict[str, Actor]
) -> None:
    serials = [f"LONG{i:05d}O0" for i in range(200)]
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH2", serials=serials)
    numbers = []
    for start in range(0, 200, 50):
        view, _ = create_order(
            db,
            staff["cam"],
            "S1",
            "special_order",
            "pickup",
            lines=[NewLine("PH2", s) for s in serials[start : start + 50]],
        )
        numbers.append(view.order)
    doc = pick_list(db, staff["sam"], "S1", orders=numbers)
    assert len(doc.lines) == 200
    pages = text_of(picklist_pdf(doc))
    assert len(pages) >= 4
    whole = "\n".join(pages)
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
        assert "Pick list" in page and "S1 Main Street" in page
        # the table's header row repeats at the top of every page
        assert re.search(r"^Bin\nSKU\nProduct\nQty\nSerial\nOrder\nLine\nGot$", page, re.M), number
    for serial in serials:
        assert whole.count(serial) == 1, serial
    for order in numbers:
        assert order in whole


def test_parse_day_and_bounds() -> None:
    assert parse_day(" 2026-03-31 ") == date(2026, 3, 31)
    for bad in ("2026-02-30", "31/03/2026", "20260331", "tomorrow", ""):
        with pytest.raises(BadValue, match="is not a date: write it as YYYY-MM-DD"):
            parse_day(bad)
    start, end = day_bounds(date(2026, 3, 31))
    assert start.tzinfo is None and timedelta(hours=23) <= end - start <= timedelta(hours=25)
    local_start = start.replace(tzinfo=UTC).astimezone()
    assert (local_start.date(), local_start.hour, local_start.minute) == (date(2026, 3, 31), 0, 0)


def test_serial_modes_on_paper() -> None:
    """The printed cell follows the serial mode: a recorded serial, a box to write the
    serial to scan, a hint for an optional serial, a dash for none."""
    from serialpos.printing.picklist import PickLine, PickListDocument

    lines = tuple(
        PickLine("S1-000001", n, f"SKU{n}", "Thing", 1, "A1", serial, mode)
        for n, (serial, mode) in enumerate(
            [
                ("SN-0O0O", SerialMode.REQUIRED),
                (None, SerialMode.REQUIRED),
                (None, SerialMode.OPTIONAL),
                (None, SerialMode.DISABLED),
            ],
            start=1,
        )
    )
    [page] = text_of(
        picklist_pdf(PickListDocument("S1", "Main", datetime(2026, 1, 2), "sam", lines))
    )
    assert "SN-0O0O" in page and "serial to scan" in page and "serial optional" in page
    assert "—" in page and "1 serial to scan" in page
