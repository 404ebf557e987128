"""The console's flows: the menu's entries (sale, returns, receiving, ...) opened by name.

Each flow's screen is imported only when it is first opened, so start-up loads none of them;
a flow a store terminal cannot journal is refused there first (tui/store_link.py)."""

from __future__ import annotations

from serialpos.tui.store_link import StoreLinkApp


class FlowsApp(StoreLinkApp, inherit_bindings=False):
    """The app's part that opens flows (the console's app, tui/app.py, is one)."""

    def open_flow(self, name: str, text: str | None = None) -> None:
        """Open a flow's screen; ``text`` is a serial to look up or a product search."""
        if self.refused_on_terminal(name):
            return
        if name == "lookup":
            self.open_lookup(text)
        elif name == "products":
            from serialpos.tui.screens.products import ProductsScreen

            self.push_screen(ProductsScreen(text))
        elif name == "sale":
            from serialpos.tui.screens.sale import SaleScreen

            self.push_screen(SaleScreen())
        elif name == "returns":
            from serialpos.tui.screens.returns import ReturnsScreen

            self.push_screen(ReturnsScreen(text))
        elif name == "receiving":
            from serialpos.tui.screens.receiving import ReceivingScreen

            self.push_screen(ReceivingScreen())
        elif name == "counts":
            from serialpos.tui.screens.counts import CountsScreen

            self.push_screen(CountsScreen())
        elif name == "transfers":
            from serialpos.tui.screens.transfers import TransfersScreen

            self.push_screen(TransfersScreen())
        elif name == "rtv":
            from serialpos.tui.screens.rtv import RtvScreen

            self.push_screen(RtvScreen())
        elif name == "adjustments":
            from serialpos.tui.screens.adjustments import open_adjustments

            open_adjustments(self)  # pushes AdjustmentsScreen, or says why this user may not
        elif name == "reports":
            from serialpos.tui.screens.reports import open_reports

            open_reports(self)  # pushes ReportsScreen, or says why this user may not
        elif name == "admin":
            from serialpos.tui.screens.admin import open_admin

            open_admin(self)  # pushes AdminScreen, or says why this user may not
        elif name == "shift":
            from serialpos.tui.screens.shift import ShiftScreen

            self.push_screen(ShiftScreen())

    def action_lookup(self) -> None:
        """F2: the serial lookup."""
        self.open_lookup()

    def open_lookup(self, serial: str | None = None) -> None:
        """The serial lookup, brought forward if open already; ``serial`` looked up in it."""
        from serialpos.tui.screens.lookup import LookupScreen

        if self.session is None:
            return
        if isinstance(self.screen, LookupScreen):
            self.screen.focus_serial()
            if serial:
                self.screen.look_up(serial)
        else:
            self.push_screen(LookupScreen(serial))
