"""Issue 10 through the screens: what the scan resolver decides reaches the message line with
the bell — a serial live under another product refused naming that product (blind receipt,
sale serial entry), a bare serial counted under its own product (counts), and an over-scan
said as a warning with the bell, never as a quiet success (ASN receiving)."""

from __future__ import annotations

import pytest

from test_blind_receiving_screen import (  # isort: skip
    bells,
    data_home,  # noqa: F401 - the autouse fixture: drafts in the test's own folder
    enter,
    open_blind,
)
from test_counts_screen import enter as count_enter
from test_counts_screen import message as count_message
from test_counts_screen import open_counts
from test_receiving_screen import import_asn, open_asn
from test_sale import open_sale, set_auto_prompt
from tui_helpers import SIZES, MakeApp, async_test, settle
from tui_helpers import device_scan as sale_scan

from serialpos.db.engine import Database
from serialpos.services.demo import _imei
from serialpos.services.lookup import lookup_serial
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.widgets.message_line import MessageLine

AURORA = _imei(2)  # a PH-AUR15 in stock at S01 in the demo
NOVA = [_imei(101), _imei(102), _imei(103)]  # PH-NOVA7 units in stock at S01
NOVA_BARCODE = "5012345000022"
AURORA_WORDS = f"serial {AURORA} is already PH-AUR15 Aurora X15 smartphone 128GB, in stock at S01"


def said(app: SerialposApp) -> str:
    return app.screen.query_one(MessageLine).text


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_over_scan_is_a_warning_with_the_bell(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_asn(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        rung = bells(app, monkeypatch)
        await enter(pilot, screen, "AP-FRG300")  # the ASN lists two, without serials
        await enter(pilot, screen, "FR-300-9001")
        await enter(pilot, screen, "FR-300-9002")
        assert said(app) == "✓ AP-FRG300 FR-300-9002: 2 of 2 ✓ AP-FRG300 complete"
        assert rung == []
        await enter(pilot, screen, "FR-300-9003")
        assert said(app).startswith("⚠ AP-FRG300 FR-300-9003: 3 of 2: 1 over what ASN ASN-T1 lists")
        assert rung == [1]
        assert screen.query_one(MessageLine).has_class("-warn")
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "AC-USBC1")  # five listed, counted by quantity
        await enter(pilot, screen, "6")
        assert said(app) == "⚠ AC-USBC1: 6 of 5: 1 over what ASN ASN-T1 lists"
        assert rung == [1, 1]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_blind_receipt_refuses_another_products_unit_naming_it(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_blind(pilot, "Northwind", "PS-78")
        await enter(pilot, screen, "PH-NOVA7")
        await enter(pilot, screen, AURORA)
        assert said(app) == (f"✗ {AURORA_WORDS}: a serial is never live under two products")
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "AP-FRG300")
        await enter(pilot, screen, "DRL18-A001")
        assert said(app).startswith("✗ serial DRL18-A001 is already TL-DRL18 Cordless drill")
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "05099999000011")
        assert said(app).startswith("✗ 05099999000011 is a product barcode, not a serial")
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "FR-300-1011-FR-300-1013")
        assert "two labels run together" in said(app)
        await enter(pilot, screen, "")  # seen (kept until then: kept_refusals.py)
        await enter(pilot, screen, "LOOK\u200b1")
        assert "U+200B at position 5" in said(app)
        assert len(rung) == 5
        assert all(line.received == 0 for line in screen.receiving.checklist.lines.values())
    assert [c.sku for c in lookup_serial(demo_db, AURORA)] == ["PH-AUR15"]


@async_test
async def test_a_count_files_bare_serials_under_their_own_product(
    make_app: MakeApp, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_counts(pilot, "stockroom")
        await count_enter(pilot, screen, "")
        await count_enter(pilot, screen, "Ann")
        await count_enter(pilot, screen, AURORA)  # a bare serial: PH-AUR15
        assert screen.current == "PH-AUR15"
        for serial in NOVA:  # Nova 7 IMEIs without the Nova 7 barcode first
            await count_enter(pilot, screen, serial)
            assert count_message(screen) == (
                f"✓ {serial} counted as PH-NOVA7; PH-AUR15 stays selected"
            )
        assert screen.current == "PH-AUR15"  # a serial of another product keeps the selection
        assert rung == []
        listing = screen.listing.visible_text()
        assert all(f"PH-NOVA7 {serial}" in listing for serial in NOVA)


@async_test
async def test_the_sale_serial_entry_refuses_another_products_unit_and_the_field_follows_it(
    make_app: MakeApp, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        rung = bells(app, monkeypatch)
        await sale_scan(pilot, NOVA_BARCODE)
        assert isinstance(app.screen, SerialEntry)
        await sale_scan(pilot, AURORA)  # an Aurora's IMEI where the Nova 7's serial goes
        assert isinstance(app.screen, SerialEntry)
        assert AURORA_WORDS in app.screen.message_line.text
        assert "not known" not in app.screen.message_line.text  # no override is offered
        assert rung
        await pilot.press("escape")
        await settle(pilot)
        assert sale.view is not None and [ln.serial for ln in sale.view.lines] == [None]

    set_auto_prompt(demo_db, False)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        await sale_scan(pilot, NOVA_BARCODE)  # a Nova 7 line waits for its serial
        await sale_scan(pilot, AURORA)  # the field: the serial finds its own product
        assert sale.view is not None
        assert [(ln.sku, ln.serial) for ln in sale.view.lines] == [
            ("PH-NOVA7", None),
            ("PH-AUR15", AURORA),
        ]
    assert [(c.sku, c.state) for c in lookup_serial(demo_db, AURORA)] == [("PH-AUR15", "reserved")]
