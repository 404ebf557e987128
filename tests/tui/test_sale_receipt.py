"""The receipt at the counter, at 80x24 and 40x16, with a TCP printer stand-in as the terminal's
receipt printer: a cash sale prints its receipt and opens the drawer, a card sale prints
without opening it; a printer that fails leaves the sale recorded, says so, and F8/^G prints
the receipt again (with the PDF). Without a printer the PDF path stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import SIZES, MakeApp, async_test, log_in, said, settle

from escpos_standin import PAPER_OUT, TcpPrinter, decode
from serialpos.db.engine import Database
from serialpos.services import orders
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.tender import Tender


def _config(tmp_path: Path, port: int) -> str:
    path = tmp_path / "terminal.toml"
    path.write_text(
        f'[receipt_printer]\nconnection = "network"\nhost = "127.0.0.1"\nport = {port}\n'
        "timeout = 2\n"
    )
    return str(path)


async def _sell(pilot: Pilot[object], sku: str, down: int = 0) -> SaleScreen:
    screen = pilot.app.screen
    if not isinstance(screen, SaleScreen):
        await pilot.press("3")
        await settle(pilot)
        screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    field = screen.query_one("#scan", Input)
    field.focus()
    field.value = sku
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, Tender)
    await pilot.press(*(["down"] * down), "enter")  # cash is first; down once: card
    await settle(pilot)
    return screen


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_cash_opens_the_drawer_card_does_not(
    make_app: MakeApp, tmp_path: Path, size: tuple[int, int]
) -> None:
    with TcpPrinter() as printer:
        app = make_app(config_path=_config(tmp_path, printer.port))
        async with app.run_test(size=size) as pilot:
            await log_in(pilot, "cashier")
            sale = await _sell(pilot, "AC-CASE15")
            cash_invoice = sale.last_invoice
            assert cash_invoice is not None
            assert "receipt printed; drawer open" in said(pilot), said(pilot)
            await _sell(pilot, "AC-USBC1", down=1)
            card_invoice = sale.last_invoice
            assert card_invoice not in (None, cash_invoice)
            assert "receipt printed" in said(pilot) and "drawer" not in said(pilot)
    got = decode(bytes(printer.received))
    assert got.barcodes == [
        (73, b"{B" + cash_invoice.encode()),
        (73, b"{B" + str(card_invoice).encode()),
    ]
    assert len(got.drawer_kicks) == 1 and got.cuts == 2
    assert f"Invoice {cash_invoice}" in got.lines and "Cashier: cashier" in got.lines


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_failed_printer_keeps_the_sale_and_f8_prints_again(
    make_app: MakeApp, demo_db: Database, tmp_path: Path, size: tuple[int, int]
) -> None:
    with TcpPrinter(paper=PAPER_OUT) as printer:
        app = make_app(config_path=_config(tmp_path, printer.port))
        async with app.run_test(size=size) as pilot:
            await log_in(pilot, "cashier")
            sale = await _sell(pilot, "AC-CASE15")
            invoice = sale.last_invoice
            assert invoice is not None
            assert "RECEIPT NOT PRINTED" in said(pilot) and "out of paper" in said(pilot)
            view = sale.view
            assert view is not None
            assert str(orders.get_order(demo_db, view.order).status) == "fulfilled"
            printer.paper = 0x12  # paper loaded
            await pilot.press("f8")
            await settle(pilot)
            assert "receipt printed" in said(pilot), said(pilot)
    got = decode(bytes(printer.received))
    assert "** REPRINT **" in got.lines and got.barcodes == [(73, b"{B" + invoice.encode())]
    assert len(got.drawer_kicks) == 1  # the kick alone at the sale (for the change), none after


@async_test
async def test_without_a_printer_the_pdf_path_stays(make_app: MakeApp, outbox_folder: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        sale = await _sell(pilot, "AC-CASE15")
        assert sale.last_invoice is not None and "receipt" not in said(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert (outbox_folder / f"{sale.last_invoice}.pdf").exists()


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_cash_refund_prints_the_refund_note_and_opens_the_drawer(
    make_app: MakeApp, demo_db: Database, tmp_path: Path, size: tuple[int, int]
) -> None:
    from serialpos.domain.users import Role
    from serialpos.services.context import Actor
    from serialpos.tui.screens.returns import ReturnsScreen

    actor = Actor("cashier", Role.CASHIER, "T1")
    sale, _ = orders.create_order(demo_db, actor, "S01", lines=[orders.NewLine("AC-CASE15")])
    invoice = orders.fulfil(demo_db, actor, sale.order, settle_in="card").invoice
    with TcpPrinter() as printer:
        app = make_app(config_path=_config(tmp_path, printer.port))
        async with app.run_test(size=size) as pilot:
            await log_in(pilot, "cashier")
            await pilot.press("4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ReturnsScreen)
            field = screen.query_one("#find", Input)
            field.focus()
            field.value = invoice
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("space", "ctrl+y")  # choose the line; refund (cash, the default)
            await settle(pilot)
            await pilot.press("y")  # the refund's confirmation
            await settle(pilot)
            assert "refund RF-S01-" in said(pilot) and "receipt printed; drawer open" in said(
                pilot
            ), said(pilot)
    got = decode(bytes(printer.received))
    assert got.drawer_kicks == [(0, 50, 50)]
    assert any(line.startswith("Refund note RF-S01-") for line in got.lines), got.lines
    assert any(line.startswith("REFUND TOTAL") and "-" in line for line in got.lines)
