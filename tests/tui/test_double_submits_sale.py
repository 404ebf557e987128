"""The sale's other keys, pressed again while the first one's job still runs (the audit of
tests/tui/test_double_submits.py carried past pay, park and void): a line removed (Delete) or
its quantity changed (+/-), the invoice PDF and receipt again (F8), the open orders (F6 o).
Each was sent to the service a second time.

How each test is made: tests/tui/double_submits.py."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from tui_helpers import SIZES, HeldRead, MakeApp, async_test, said, settle

from serialpos.db.engine import Database
from serialpos.services import invoices, orders
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog
from serialpos.tui.screens.sale_dialogs.tender import Tender

from double_submits import pressed_again, settle_keys  # isort: skip
from test_sale import enter, open_sale  # isort: skip


async def two_lines_on_the_lines(pilot: Pilot[object]) -> SaleScreen:
    """A sale of a cable and a charger, the cursor on the lines (the charger's)."""
    sale = await open_sale(pilot)
    await enter(pilot, "AC-USBC1")
    await enter(pilot, "AC-CHG65")
    await pilot.press("up")
    await settle_keys(pilot)
    assert sale.lines.has_focus
    return sale


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_delete_again_while_a_line_is_removed_removes_it_once(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second Delete removed the same line again: refused "order … has no line 7" (its
    id, not its number) with the bell, over "line 2 removed"."""
    held = HeldRead(orders.remove_line)
    monkeypatch.setattr(orders, "remove_line", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await two_lines_on_the_lines(pilot)
        order = sale.order_no
        assert order is not None
        await pilot.press("delete")
        await pressed_again(pilot, held, "delete")
        assert said(pilot).startswith("✓ line "), said(pilot)
        assert "removed" in said(pilot), said(pilot)
    assert [line.sku for line in get_order(demo_db, order).lines] == ["AC-USBC1"]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_plus_again_while_a_quantity_is_set_is_said_not_lost(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """+ and + again while the first runs: both asked for the quantity the screen showed
    plus one, so the second wrote the same quantity again and the press was lost unsaid."""
    held = HeldRead(orders.set_quantity)
    monkeypatch.setattr(orders, "set_quantity", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await two_lines_on_the_lines(pilot)
        order = sale.order_no
        assert order is not None
        await pilot.press("plus")
        await pressed_again(pilot, held, "plus")
        assert said(pilot).endswith("quantity 2"), said(pilot)
    assert [line.quantity for line in get_order(demo_db, order).lines] == [1, 2]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_f8_again_while_the_invoice_is_written_writes_it_once(
    make_app: MakeApp,
    demo_db: Database,
    outbox_folder: object,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """F8 (the invoice PDF and the receipt again) pressed again while it runs: written, and
    reprinted, twice."""
    held = HeldRead(invoices.write_invoice_pdf)
    monkeypatch.setattr(invoices, "write_invoice_pdf", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-CASE15")
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await pilot.press("enter")
        await settle(pilot)
        assert sale.last_invoice is not None, said(pilot)
        await pilot.press("f8")
        await pressed_again(pilot, held, "f8")
        assert said(pilot).startswith("✓ invoice PDF written"), said(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_open_orders_asked_again_while_they_are_found_opens_one_list(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """F6 o, and F6 o again while the orders are found: two lists, one over the other."""
    held = HeldRead(orders.list_orders)
    monkeypatch.setattr(orders, "list_orders", held)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_sale(pilot)
        await pilot.press("f6")
        await settle_keys(pilot)
        await pilot.press("o")
        await held.held(pilot)
        await settle_keys(pilot)
        await pilot.press("f6")
        await settle_keys(pilot)
        await pilot.press("o")
        await settle_keys(pilot)
        from double_submits import second_handled

        await second_handled(pilot, held)
        await held.let_go(pilot)
        assert held.calls == 1
        assert [type(s) for s in app.screen_stack].count(OrdersDialog) <= 1, app.screen_stack


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_unknown_barcode_scanned_twice_offers_one_new_product_form(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same unknown barcode scanned again before its answer (the scanner's beep not
    heard): each refusal opened a New product form, the second under the first."""
    import threading

    from textual.widgets import Input

    from serialpos.services import counter_scan
    from serialpos.tui.screens.sale_dialogs.quick_create import QuickCreate

    real = counter_scan.scan_at_counter
    go = threading.Event()

    def slow(*args: object, **kwargs: object) -> object:
        go.wait(10)  # the first scan's answer comes once the second is on its way
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(counter_scan, "scan_at_counter", slow)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        field = sale.query_one("#scan", Input)
        for _ in range(2):
            field.value = "4006381333931"
            await pilot.press("enter")
        go.set()
        await settle(pilot)
        forms = [s for s in app.screen_stack if isinstance(s, QuickCreate)]
        assert len(forms) == 1, app.screen_stack
