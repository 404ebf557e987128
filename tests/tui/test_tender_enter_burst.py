"""Two Enters in one burst on a dialog (a bouncing key, a scanner's CR LF, a terminal that
sends both in one read) close it once: the tender takes the payment once and leaves the cashier
on the sale; the blind receipt's dialog opens its checklist.

Both Enters reached the tender before it was gone: each submitted, each dismissed it. The
second dismiss ran the sale's callback again and popped the screen on top, the sale itself:
the console fell back to Home with the sale paid, its answer (the invoice, the change to
give) never shown, and the receipt's printing failed in the job ("no active app")."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sale import enter, message, open_sale
from textual import events
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.receiving import BlindReceiptDialog, ReceivingScreen
from serialpos.tui.screens.sale_dialogs.tender import Tender


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_two_enters_at_once_on_the_tender_pay_once_and_stay_on_the_sale(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        order = sale.order_no
        assert order is not None and sale.view is not None
        total = sale.view.totals.total
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        app.screen.query_one("#tender-amount").focus()
        # Both keys queued before either is handled, as a terminal delivers "\r\r".
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.screen is sale, type(app.screen).__name__
        [invoice] = get_order(demo_db, order).invoices
        assert message(app).startswith(f"✓ invoice {invoice}"), message(app)
    view = get_order(demo_db, order)
    assert [p.amount for p in view.payments] == [total]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_two_enters_at_once_on_the_blind_receipt_dialog_open_its_checklist(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same burst on the blind receipt's reference: the second close popped Receiving
    under the dialog, and the console showed Home instead of the receipt's checklist."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # drafts: this test's own
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, ReceivingScreen)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BlindReceiptDialog)
        await pilot.press(*"Acme", "enter")
        await settle(pilot)
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen), type(app.screen).__name__
        assert [type(s).__name__ for s in app.screen_stack][-2:] == [
            "ReceivingScreen",
            "ChecklistScreen",
        ], app.screen_stack


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_two_enters_at_once_on_the_export_dialog_write_one_file_and_stay(
    make_app: MakeApp, demo_db: Database, outbox_folder: Path, size: tuple[int, int]
) -> None:
    """The same burst on a report's export dialog: the second close popped the Fulfilment
    report under it (Home showed) while its export ran."""
    from test_fulfilment_screen import open_fulfilment, waiting_orders

    from serialpos.tui.widgets.report_dialogs import ExportDialog

    waiting_orders(demo_db)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_fulfilment(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.screen is screen, type(app.screen).__name__
        [written] = outbox_folder.iterdir()
        assert message(app) == f"✓ 5 rows written to {written}", message(app)


def test_every_dialog_closes_once() -> None:
    """Every modal dialog of the console is a :class:`ClosesOnce`: a dialog dismissed twice
    pops the screen under it, whichever dialog it is."""
    import importlib
    import pkgutil

    from textual.screen import ModalScreen

    import serialpos.tui
    from serialpos.tui.screens.closes_once import ClosesOnce

    for module in pkgutil.walk_packages(serialpos.tui.__path__, "serialpos.tui."):
        importlib.import_module(module.name)

    def below(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in below(sub))]

    dialogs = [c for c in below(ModalScreen) if c.__module__.startswith("serialpos.")]
    assert len(dialogs) > 15, [c.__name__ for c in dialogs]
    assert [c.__qualname__ for c in dialogs if not issubclass(c, ClosesOnce)] == []
