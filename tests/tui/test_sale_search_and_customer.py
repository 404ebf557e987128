"""The sale field's search and the customer find-or-create dialog, with Pilot at 80x24 and
40x16 on the demo database: a SKU in lower case, a name matching several products (a list with
price and stock here), a sold serial explained, an invoice number in lower case; a customer
found by phone with what they bought, a new one created, markup in a name shown literally and
an escape sequence refused."""

from __future__ import annotations

import pytest
from test_sale import enter, message, open_sale
from textual.widgets import Input, OptionList
from tui_helpers import SIZES, MakeApp, async_test, bells, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.customers import CustomerFields
from serialpos.services import customers
from serialpos.services.context import SYSTEM
from serialpos.services.demo import _imei
from serialpos.services.orders import fulfil
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.report_filter import ReportFilter
from serialpos.services.reports import sales_report
from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog
from serialpos.tui.screens.sale_dialogs.product_pick import ProductPick
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_search_by_sku_name_serial_and_invoice(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    made, _ = create_order(demo_db, SYSTEM, "S01", lines=[NewLine("PH-AUR15", _imei(5))])
    fulfil(demo_db, SYSTEM, made.order, settle_in="cash")
    (sold,) = sales_report(demo_db, ReportFilter(serial=_imei(5))).rows
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "ph-aur15")  # lower case: the phone, and its serial prompt
        assert isinstance(app.screen, SerialEntry)
        await pilot.press("escape")
        await settle(pilot)
        await enter(pilot, "aurora")  # the phone, its case and the bundle
        assert isinstance(app.screen, ProductPick)
        shown = screen_text(app)
        assert "3 products match 'aurora'" in shown
        assert "Case for Aurora X15 · 19.99 · " in shown.replace("\n", " ") or size[0] < 60
        listed = app.screen.query_one(OptionList)
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert any(p.startswith("AC-CASE15 Case for Aurora X15 · 19.99 · ") for p in prompts)
        assert all(" in stock" in p for p in prompts)
        case_at = next(i for i, p in enumerate(prompts) if p.startswith("AC-CASE15"))
        listed.highlighted = case_at
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale and sale.view is not None
        assert [ln.sku for ln in sale.view.lines] == ["PH-AUR15", "AC-CASE15"]
        rung = bells(app, monkeypatch)
        await enter(pilot, _imei(5))  # sold: explained, not "nothing matches"
        assert rung and "already sold; a return brings it back" in message(app)
        await enter(pilot, sold.invoice.lower())
        assert sold.invoice in message(app) and "fulfilled" in message(app)
        assert sale.last_invoice == sold.invoice  # F8 writes its PDF
        assert len(sale.view.lines) == 2  # nothing added by any of these


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_customer_found_with_purchases_and_created(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    dana = customers.add_customer(
        demo_db, SYSTEM, CustomerFields("[bold]Dana[/bold] Whitfield", "+44 20 7946 0123")
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-USBC1")
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, CustomerDialog)
        await enter(pilot, "7946 0123", "#customer-find")  # the phone, with its space
        listed = app.screen.query_one("#customer-found", OptionList)
        assert str(listed.get_option_at_index(0).prompt).startswith("[bold]Dana[/bold] Whitfield")
        assert "[bold]Dana[/bold]" in screen_text(app)  # literal, not bold
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale and sale.view is not None and sale.view.customer is not None
        assert sale.view.customer.name == "[bold]Dana[/bold] Whitfield"
        assert "customer set: [bold]Dana[/bold] Whitfield" in message(app)
        order = sale.view.order
        assert [b.order for b in customers.show_customer(demo_db, SYSTEM, dana.id).bought] == [
            order
        ]

        # Found again from another sale, the dialog lists what she bought.
        await pilot.press("f4")
        await settle(pilot)
        await enter(pilot, "WHITFIELD", "#customer-find")
        assert "AC-USBC1" in str(app.screen.query_one("#customer-bought").render())

        # A new customer: no name is refused and nothing is made; an escape sequence typed
        # is made visible by the field (\x1b), never sent to the terminal.
        listed = app.screen.query_one("#customer-found", OptionList)
        listed.highlighted = listed.option_count - 1
        await pilot.press("enter")
        await settle(pilot)
        rung = bells(app, monkeypatch)
        app.screen.query_one("#customer-name", Input).value = ""
        app.screen.query_one("#customer-address", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerDialog) and rung
        assert "a customer needs a name" in app.screen.message_line.text
        assert customers.find_customers(demo_db, SYSTEM, "whitfield").customers == (dana,)
        app.screen.query_one("#customer-name", Input).value = "Eve\x1b[2J Ng"
        app.screen.query_one("#customer-address", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale and sale.view is not None and sale.view.customer is not None
        assert sale.view.customer.name == "Eve\\x1b[2J Ng"
        (eve,) = customers.find_customers(demo_db, SYSTEM, "eve").customers
        assert "\x1b" not in eve.name
        assert [b.order for b in customers.show_customer(demo_db, SYSTEM, eve.id).bought] == [order]
