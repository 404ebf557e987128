"""Issue 10, the sale's auto-prompt race: with auto_prompt_serial on, a product scan followed
5 ms later by its serial scan puts the serial on the line just added (never a new line or a
refusal), whether or not the serial prompt has opened yet."""

from __future__ import annotations

import asyncio

import pytest
from test_sale import AURORA_GTIN, open_sale
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.domain.decoder import decode
from serialpos.services.demo import _imei
from serialpos.tui.messages import ScanRead
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry


def post(app: object, raw: str) -> None:
    app.post_message(ScanRead(raw, "test", decode(raw)))  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("gap", [0.005, 0.0])
@async_test
async def test_a_serial_5_ms_after_its_product_lands_on_that_line(
    make_app: MakeApp, size: tuple[int, int], gap: float
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        for n, serial in enumerate((_imei(3), _imei(4)), start=1):
            post(app, AURORA_GTIN)
            await asyncio.sleep(gap)  # the prompt has not opened yet
            post(app, serial)
            await settle(pilot)
            await settle(pilot)
            assert app.screen is sale, type(app.screen).__name__  # no prompt left open
            assert sale.view is not None
            assert [(ln.sku, ln.serial) for ln in sale.view.lines][-1] == ("PH-AUR15", serial)
            assert len(sale.view.lines) == n  # no extra line
            assert "✗" not in sale.message_line.text, sale.message_line.text


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_after_the_prompt_opened_is_taken_by_the_prompt(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        post(app, AURORA_GTIN)
        await settle(pilot)
        assert isinstance(app.screen, SerialEntry)
        post(app, _imei(5))
        await settle(pilot)
        assert app.screen is sale
        assert sale.view is not None
        assert [(ln.sku, ln.serial) for ln in sale.view.lines] == [("PH-AUR15", _imei(5))]
        # A serial scanned next (no product first) is no longer the filled line's.
        post(app, _imei(1))
        await settle(pilot)
        assert [ln.serial for ln in sale.view.lines] == [_imei(5), _imei(1)], sale.message_line.text


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_prompt_closed_before_it_mounted_is_gone_quietly(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """The race behind the flaky [0.0-*] case above: the serial arrives so close behind its
    product that the prompt opened for the line is closed (its serial recorded) before the
    prompt has mounted. It must leave without a trace, not crash the console as it mounts."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        post(app, AURORA_GTIN)
        await settle(pilot)
        assert isinstance(app.screen, SerialEntry)
        await pilot.press("escape")  # the line waits for its serial, no prompt open
        await settle(pilot)
        assert app.screen is sale and sale.view is not None
        line = sale.view.lines[-1].line
        # Opened and closed in one turn of the screen: the prompt has not mounted yet.
        sale.prompt_serial(line)
        assert isinstance(app.screen, SerialEntry) and not app.screen.is_mounted
        sale._close_prompt_of(line, sale.view)
        await settle(pilot)
        await settle(pilot)
        assert app.screen is sale, type(app.screen).__name__
        assert app.return_code is None  # still running: nothing broke as the prompt mounted
        assert sale.query_one("#scan").has_focus
