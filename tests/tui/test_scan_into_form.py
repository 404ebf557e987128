"""A burst of scans never fills in a form (issue 15/16 trust: nothing recorded that a person
did not enter). A blind receipt's unknown barcode opens the quick-create form; the next scans
(serials, an IMEI of digits) made while it was up were typed into its SKU, name and price
fields with Enter after each, and created a product named after two serials, priced by the
third, the serials themselves lost. Now the form takes no scan: each rings
the bell and is said on the form (scan it again once the form is done), and nothing is
created until a person fills it in.

The scans arrive as a scanner sends them: every key in one read of the terminal, typed 2 ms
apart (the wedge's clock)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, bells, settle

from serialpos.db.engine import Database
from serialpos.services import products
from serialpos.tui.screens.sale_dialogs.quick_create import QuickCreate
from serialpos.tui.widgets.message_line import MessageLine

from test_blind_receiving_screen import open_blind  # isort: skip
from test_burst_refusals import burst  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_scans_after_an_unknown_barcode_do_not_fill_in_the_new_product(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: Path,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await open_blind(pilot, "Acme", "")
        rung = bells(app, monkeypatch)
        await burst(pilot, clock, "4006381333931")
        form = app.screen
        assert isinstance(form, QuickCreate), form
        # The next units scanned while the form is up, as a stockroom does without looking.
        await burst(pilot, clock, "DN-0001", "DN-0002", "356938035643809")
        assert isinstance(form, QuickCreate), form
        for field in ("#new-sku", "#new-name", "#new-price"):
            assert form.query_one(field).value == "", field  # type: ignore[attr-defined]
        said = form.query_one(MessageLine).text
        assert "3 scans not used" in said and "356938035643809" in said, said
        assert len(rung) >= 4  # the unknown barcode's, then one per scan not used
        skus = {p.sku for p in products.search_products(demo_db, "", 1000)}
        assert not {"DN-0001", "DN-0002"} & skus
        # A person fills it in: created as typed.
        await pilot.press(*"DR-NEW2", "enter", *"New drill", "enter", *"99", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, QuickCreate)
    assert "DR-NEW2" in {p.sku for p in products.search_products(demo_db, "", 1000)}
