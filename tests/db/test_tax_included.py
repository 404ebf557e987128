"""Tax-inclusive shelf prices on SQLite and PostgreSQL: the chain setting, a product's own
value, the snapshot on the line, and the invoice that shows the tax either way."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.domain.states import Action
from serialpos.services import invoices, ledger, products, settings, users
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order


@pytest.fixture
def cam(db: Database, admin: Actor) -> Actor:
    for sku, price in (("PH9", "799.00"), ("CASE", "0.03")):
        products.create_product(db, admin, sku=sku, name=sku, price=D(price))
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku=sku, quantity=10)
    with db.engine.begin() as conn:
        conn.execute(sa.update(repo.product_t).values(tax_rate=D("20")))
    users.add_user(db, admin, "cam", "cashier", "1111")
    return users.actor_for(db, "cam", "till-1")


def test_off_by_default_tax_is_added(db: Database, admin: Actor, cam: Actor) -> None:
    assert settings.get_chain_settings(db).prices_include_tax is False
    view = add_item(db, cam, open_order(db, cam, "S1").order, sku="PH9").order
    assert (view.totals.net, view.totals.tax, view.totals.total) == (
        D("799.00"),
        D("159.80"),
        D("958.80"),
    )


def test_included_tax_is_extracted_and_invoiced(
    db: Database, admin: Actor, cam: Actor, tmp_path: Path
) -> None:
    settings.set_setting(db, admin, "prices_include_tax", "on")
    settings.set_setting(db, admin, "aggregate_duplicate_items", "off")
    assert settings.get_chain_settings(db).prices_include_tax is True
    order = open_order(db, cam, "S1").order
    add_item(db, cam, order, sku="PH9")
    for _ in range(3):  # three lines of 0.03: 0.01 tax each, rounded per line
        add_item(db, cam, order, sku="CASE")
    view = get_order(db, order)
    assert [(ln.net, ln.tax, ln.total) for ln in view.lines][:2] == [
        (D("665.83"), D("133.17"), D("799.00")),
        (D("0.02"), D("0.01"), D("0.03")),
    ]
    assert (view.totals.net, view.totals.tax, view.totals.total) == (
        D("665.89"),
        D("133.20"),
        D("799.09"),
    )
    done = fulfil(db, cam, order, payments=[("cash", D("800.00"))])
    assert done.change_due == D("0.91")
    doc = invoices.invoice_document(db, done.invoice)
    assert (doc.subtotal, doc.tax, doc.total) == (D("665.89"), D("133.20"), D("799.09"))
    text = "".join(
        p.extract_text()
        for p in PdfReader(invoices.write_invoice_pdf(db, done.invoice, tmp_path / "i.pdf")).pages
    )
    assert "133.20" in text and "799.09" in text and "665.89" in text


def test_the_line_keeps_the_rule_it_was_added_under(db: Database, admin: Actor, cam: Actor) -> None:
    settings.set_setting(db, admin, "prices_include_tax", "yes")
    settings.set_setting(db, admin, "aggregate_duplicate_items", "off")
    order = open_order(db, cam, "S1").order
    add_item(db, cam, order, sku="PH9")
    settings.set_setting(db, admin, "prices_include_tax", "off")
    assert get_order(db, order).totals.total == D("799.00")
    add_item(db, cam, order, sku="PH9")  # 799.00 + 159.80 added
    assert get_order(db, order).totals.total == D("1757.80")


def test_a_products_own_value_wins_over_the_chain(db: Database, admin: Actor, cam: Actor) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(repo.product_t)
            .where(repo.product_t.c.sku == "PH9")
            .values(prices_include_tax=True)
        )
    order = open_order(db, cam, "S1").order
    view = add_item(db, cam, order, sku="PH9").order
    assert view.totals.total == D("799.00") and view.totals.tax == D("133.17")


def test_a_bad_value_is_refused_and_changes_nothing(db: Database, admin: Actor) -> None:
    with pytest.raises(BadValue, match="yes/no"):
        settings.set_setting(db, admin, "prices_include_tax", "sometimes")
    with pytest.raises(BadValue, match="chain setting"):
        settings.set_setting(db, admin, "prices_include_tax", "on", store_code="S1")
    assert settings.get_chain_settings(db).prices_include_tax is False


def test_the_feed_column_sets_and_clears_a_products_rule(
    db: Database, admin: Actor, cam: Actor
) -> None:
    from serialpos.services import product_import

    feed = (
        "SKU,Name,Price,SerialNumberRequired,TaxRate,PricesIncludeTax\r\n"
        "TV1,Television,799.00,false,20,true\r\nTV2,Radio,799.00,false,20,\r\n"
    )
    report = product_import.import_products_text(db, admin, feed)
    assert (report.created, report.updated) == (2, 0)
    assert products.get_product(db, "TV1").prices_include_tax is True
    assert products.get_product(db, "TV2").prices_include_tax is None
    for sku in ("TV1", "TV2"):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku=sku, quantity=1)
    order = open_order(db, cam, "S1").order
    add_item(db, cam, order, sku="TV1")
    add_item(db, cam, order, sku="TV2")  # follows the chain: tax added
    assert [ln.total for ln in get_order(db, order).lines] == [D("799.00"), D("958.80")]
    again = product_import.import_products_text(db, admin, feed)
    assert (again.updated, again.unchanged) == (0, 2)


def test_a_bad_feed_cell_is_named_and_nothing_changes(db: Database, admin: Actor) -> None:
    from serialpos.services import product_import
    from serialpos.services.product_import import ImportRefused

    feed = (
        "SKU,Name,Price,SerialNumberRequired,PricesIncludeTax\r\n"
        "TV3,Television,799.00,false,maybe\r\n"
    )
    with pytest.raises(ImportRefused) as refused:
        product_import.import_products_text(db, admin, feed)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (2, "PricesIncludeTax")
    assert "'maybe' is not a yes/no value" in problem.reason
    with pytest.raises(Exception, match="TV3"):
        products.get_product(db, "TV3")
