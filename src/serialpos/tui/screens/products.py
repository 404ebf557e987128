"""Products: search by SKU, name or barcode, see one in full, and (managers, admins) change
the serial mode of one product or of every selected search result at once.

A scan searches: a product barcode (or the product part of a GS1 product+serial barcode) by
its GTIN, anything else by the text scanned (a shelf label may carry the SKU).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input

from serialpos.domain.text import clip, visible
from serialpos.tui.backend import describe, one_at_a_time, post_read, still_running
from serialpos.tui.messages import ActionFailed, ProductsFound, ScanRead, SerialModeChanged
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.product_details import ProductDetails
from serialpos.tui.screens.serial_mode import ChooseSerialMode, Confirm
from serialpos.tui.widgets.data_grid import DataGrid
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.domain.products import Product
    from serialpos.services.context import Actor

SELECTED = "✓"
NAME_WIDTH = 30


def product_cells(product: Product, selected: bool) -> list[Text]:
    """One table row; ``Text`` cells, so names with ``[brackets]`` are not read as markup."""
    return [
        Text(SELECTED if selected else " "),
        Text(visible(product.sku)),
        Text(visible(product.name), overflow="ellipsis", no_wrap=True),
        Text(product.serial_mode.value),
        Text(f"{product.price:.2f}", justify="right"),
        Text(visible(product.serial_format or "")),
        Text(visible(", ".join(product.barcodes))),
        Text(visible(product.bin or "")),
        Text(package_summary(product)),
    ]


def package_summary(product: Product) -> str:
    """The Package column: the package type and how many items the package holds."""
    if product.package_type is None:
        return ""
    items = sum(qty for _sku, qty in product.components)
    return f"{product.package_type} ({items} item{'s' * (items != 1)})"


def listing(skus: list[str], limit: int = 3) -> str:
    shown = ", ".join(clip(s) for s in skus[:limit])
    return shown + (f" and {len(skus) - limit} more" if len(skus) > limit else "")


class ProductsScreen(ConsoleScreen):
    """The catalogue. Enter in the search field searches; Enter on a row shows the product."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Search/Details"), ("Space", "Select"))
    TAKES_SCANS: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f3", "search", "Search"),
        Binding("space", "select_row", "Select", show=False),
        Binding("asterisk", "select_all", "All", key_display="*"),
        Binding("m", "serial_mode", "Serial mode"),
        Binding("down", "results", "Go to the results", show=False),
    ]

    def __init__(self, search: str | None = None) -> None:
        super().__init__()
        self.initial = search or ""
        self.products: dict[str, Product] = {}
        self.selected: set[str] = set()

    def compose(self) -> ComposeResult:
        yield StatusLine("Products", self.session)
        yield ScanInput(id="search", placeholder="SKU, name or barcode, then Enter")
        yield MessageLine(id="message")
        yield DataGrid(id="products")
        yield KeyFooter()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.table
        table.add_column(SELECTED, key="sel", width=1)
        table.add_column("SKU", key="sku")
        # On a 40-column handheld the name gives way, so that the serial mode stays in view.
        width = self.app.size.width
        table.add_column(
            "Name", key="name", width=NAME_WIDTH if width >= 60 else max(8, width - 30)
        )
        table.add_column("Serial", key="mode")
        table.add_column("Price", key="price")
        table.add_column("Format", key="format")
        table.add_column("Barcodes", key="barcodes")
        table.add_column("Bin", key="bin")
        table.add_column("Package", key="package")
        field = self.query_one("#search", Input)
        if self.initial:  # shown, not left in the field for the next scan to land behind
            field.placeholder = f"{self.initial} (searched): type or scan to search again"
        field.focus()
        self.search(self.initial)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#products", DataTable)

    def action_back(self) -> None:
        self.dismiss()

    def action_search(self) -> None:
        field = self.query_one("#search", Input)
        field.focus()
        field.select_all()

    def action_results(self) -> None:
        if self.table.row_count:
            self.table.focus()

    # -- searching -------------------------------------------------------------------------
    @on(ScanInput.Entered, "#search")
    def submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        if not event.value.strip():
            self.search(event.value)  # Enter on an empty field lists every product
            return
        self.take_scan(self.entered_scan(event.value))  # typed or scanned: the same keys

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        text = decoded.gtin if decoded.kind in ("product", "product_serial") else decoded.text
        if not text:
            return
        field = self.query_one("#search", Input)
        # What is searched stays in view, but not in the field: the next scan must not land
        # behind it.
        field.placeholder = f"{text} (searched): type or scan to search again"
        field.focus()
        self.search(text)

    def search(self, text: str) -> None:
        self.message_line.note("searching…")
        self.find(text)

    @work(thread=True, exclusive=True, group="products")
    def find(self, text: str) -> None:
        try:
            from serialpos.services.products import SEARCH_LIMIT, search_products

            found = search_products(self.console.database(), text, SEARCH_LIMIT)
        except Exception as exc:  # said on the message line, never a traceback
            post_read(self, ActionFailed(describe(exc)))
            return
        post_read(self, ProductsFound(text, tuple(found), SEARCH_LIMIT))  # unless searched again

    def on_products_found(self, message: ProductsFound) -> None:
        table = self.table
        table.clear()
        self.products = {p.sku: p for p in message.products}
        self.selected &= set(self.products)
        for product in message.products:
            table.add_row(*product_cells(product, product.sku in self.selected), key=product.sku)
        count = len(message.products)
        if not count:
            what = f" matching '{clip(message.text.strip())}'" if message.text.strip() else ""
            self.show_error(f"no products{what}")
            return
        more = "; showing the first ones, narrow the search" if count >= message.limit else ""
        self.message_line.ok(f"{count} product{'s' * (count != 1)}{more}")
        if self.query_one("#search", Input).has_focus and message.text.strip():
            table.focus()

    # -- selecting and viewing ----------------------------------------------------------
    def current_sku(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    def _mark(self, sku: str, selected: bool) -> None:
        if selected:
            self.selected.add(sku)
        else:
            self.selected.discard(sku)
        self.table.update_cell(sku, "sel", Text(SELECTED if selected else " "))

    def action_select_row(self) -> None:
        sku = self.current_sku()
        if sku is None:
            return
        self._mark(sku, sku not in self.selected)
        self.message_line.note(f"{len(self.selected)} selected")
        if self.table.cursor_row < self.table.row_count - 1:
            self.table.action_cursor_down()

    def action_select_all(self) -> None:
        every = set(self.products)
        select = not every <= self.selected
        for sku in self.products:
            self._mark(sku, select)
        self.message_line.note(f"{len(self.selected)} selected")

    @on(DataTable.RowSelected, "#products")
    def row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        product = self.products.get(str(event.row_key.value))
        if product is not None:
            self.app.push_screen(ProductDetails(product))

    # -- changing serial modes --------------------------------------------------------------
    def action_serial_mode(self) -> None:
        from serialpos.domain.errors import PermissionDenied
        from serialpos.domain.users import Permission

        try:
            self.session.actor.require(Permission.MANAGE_PRODUCTS)
        except PermissionDenied as exc:
            self.show_error(exc.message)
            return
        if still_running(self, "serial-mode"):  # the change asked before is on its way
            return
        skus = [str(key.value) for key in self.table.rows if str(key.value) in self.selected]
        if not skus:
            current = self.current_sku()
            skus = [current] if current is not None else []
        if not skus:
            self.show_error("no product to change: search, then select with Space")
            return
        what = f"{clip(skus[0])}" if len(skus) == 1 else f"{len(skus)} selected products"

        def chosen(mode: str | None) -> None:
            if mode is None:
                self.message_line.note("serial mode not changed")
                return

            def confirmed(yes: bool | None) -> None:
                if not yes:
                    self.message_line.note("serial mode not changed")
                    return
                self.message_line.note(f"setting serial mode {mode}…")
                self.change_modes(self.session.actor, skus, mode)

            named = what if len(skus) == 1 else f"{what} ({listing(skus)})"
            self.app.push_screen(Confirm(f"Set the serial mode of {named} to {mode}?"), confirmed)

        self.app.push_screen(ChooseSerialMode(what), chosen)

    @one_at_a_time("serial-mode")
    def change_modes(self, actor: Actor, skus: list[str], mode: str) -> None:
        try:
            from serialpos.services.products import set_serial_mode

            changed = set_serial_mode(self.console.database(), actor, skus, mode)
        except Exception as exc:  # the service's refusal (role, unknown SKU) is shown as is
            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(SerialModeChanged(mode, tuple(changed)))

    def on_serial_mode_changed(self, message: SerialModeChanged) -> None:
        table = self.table
        for product in message.products:
            if product.sku in self.products:
                self.products[product.sku] = product
                table.update_cell(product.sku, "mode", Text(product.serial_mode.value))
            if product.sku in self.selected:
                self._mark(product.sku, False)
        skus = [p.sku for p in message.products]
        count = len(skus)
        self.message_line.ok(
            f"serial mode is now {message.mode} for {count} product{'s' * (count != 1)}: "
            f"{listing(skus)}"
        )
