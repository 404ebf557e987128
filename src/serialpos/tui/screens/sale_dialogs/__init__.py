"""The small dialogs of the counter, one modal per module: serial entry, tender, sale type and
delivery, customer, open orders, quick create and the order menu.

Each is keyboard-only and shows its own keys inside the box. All but serial entry just gather
values and hand them back. The names are re-exported here so that ``from
serialpos.tui.screens.sale_dialogs import Tender`` keeps working; new code imports from the
module that holds the dialog.
"""

from serialpos.tui.screens.sale_dialogs.customer import CustomerDialog
from serialpos.tui.screens.sale_dialogs.money import money, parse_money
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog, summary_prompt
from serialpos.tui.screens.sale_dialogs.order_menu import ORDER_MENU, OrderMenu
from serialpos.tui.screens.sale_dialogs.quick_create import SERIAL_MODES, NewProduct, QuickCreate
from serialpos.tui.screens.sale_dialogs.sale_type import DELIVERIES, SALE_TYPES, SaleTypeDialog
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.sale_dialogs.tender import METHODS, Tender

__all__ = [
    "DELIVERIES",
    "METHODS",
    "ORDER_MENU",
    "SALE_TYPES",
    "SERIAL_MODES",
    "CustomerDialog",
    "NewProduct",
    "OrderMenu",
    "OrdersDialog",
    "QuickCreate",
    "SaleTypeDialog",
    "SerialEntry",
    "Tender",
    "money",
    "parse_money",
    "summary_prompt",
]
