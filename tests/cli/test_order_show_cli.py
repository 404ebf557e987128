"""``serialpos order show``: an order's lines and its money row by row and by method, in a
table for a person and as the API's order object with ``--json`` (``GET /v1/orders/{order}``
says the same ``payments`` and ``by_method``)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services import orders, products, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.orders.views import Customer


@pytest.fixture
def layby(tmp_path: Path) -> tuple[str, str]:
    """A lay-by of a 100.00 product: 30.00 by card, then 100.00 cash tendered for the 70.00
    left (30.00 change), fulfilled."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "ada", "admin", "1234")
    products.create_product(db, SYSTEM, sku="BK1", name="Bike", price=Decimal("100"))
    order = orders.open_order(db, SYSTEM, "S1", "layby", customer=Customer("Ann Lee")).order
    orders.add_item(db, SYSTEM, order, sku="BK1")
    orders.add_payment(db, SYSTEM, order, "card", Decimal("30"))
    orders.fulfil(db, SYSTEM, order, payments=[("cash", Decimal("100"))])
    db.dispose()
    return url, order


def _run(tmp_path: Path, url: str, *args: str, columns: int = 200) -> Any:
    env = {
        "SERIALPOS_USER": "ada",
        "SERIALPOS_DB": None,
        "SERIALPOS_CONFIG": None,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "COLUMNS": str(columns),
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", ""),
    }
    result = CliRunner().invoke(app, ["--db", url, *args], env=env)
    assert "Traceback" not in result.output
    return result


def test_order_show_json_has_each_payment_and_the_net_by_method(
    tmp_path: Path, layby: tuple[str, str]
) -> None:
    url, order = layby
    result = _run(tmp_path, url, "order", "show", order, "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["order"], shown["type"], shown["status"]) == (order, "layby", "fulfilled")
    assert (shown["total"], shown["paid"], shown["due"]) == ("100.00", "100.00", "0.00")
    assert [(p["kind"], p["method"], p["amount"]) for p in shown["payments"]] == [
        ("payment", "card", "30.00"),
        ("payment", "cash", "100.00"),
        ("change", "cash", "-30.00"),
    ]
    assert all(p["at"].endswith("Z") for p in shown["payments"])
    assert shown["by_method"] == [
        {
            "method": "cash",
            "payments": "100.00",
            "change": "30.00",
            "refunds": "0.00",
            "net": "70.00",
        },
        {
            "method": "card",
            "payments": "30.00",
            "change": "0.00",
            "refunds": "0.00",
            "net": "30.00",
        },
    ]
    assert [ln["sku"] for ln in shown["lines"]] == ["BK1"]


def test_order_show_for_a_person_names_the_methods(tmp_path: Path, layby: tuple[str, str]) -> None:
    url, order = layby
    result = _run(tmp_path, url, "order", "show", order)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"order {order} at S1: layby, fulfilled, Ann Lee; total 100.00, paid 100.00" in out
    by_method = out[out.index("by method") :]
    cash = next(row for row in by_method.splitlines() if "│ cash" in row)
    assert [c.strip() for c in cash.strip("│ ").split("│")] == [
        "cash",
        "100.00",
        "30.00",
        "0.00",
        "70.00",
    ]
    assert "change" in out and "-30.00" in out


def test_order_show_of_an_unknown_order_says_so(tmp_path: Path, layby: tuple[str, str]) -> None:
    url, _ = layby
    result = _run(tmp_path, url, "order", "show", "S1-999999")
    assert result.exit_code == 1
    assert "S1-999999" in result.stderr
    assert result.stdout == ""


def test_order_show_at_80_columns_keeps_each_amount_whole(tmp_path: Path) -> None:
    """A long SKU and name and a four-digit price at 80 columns: the name wraps, the line's
    total and each payment's amount are shown whole (the total read '1,0…' on main)."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "ada", "admin", "1234")
    products.create_product(
        db,
        SYSTEM,
        sku="PH-AURORA-X15-128GB-BLACK",
        name="Aurora X15 smartphone 128GB",
        price=Decimal("1079.99"),
    )
    order = orders.open_order(db, SYSTEM, "S1", "layby").order
    orders.add_item(db, SYSTEM, order, sku="PH-AURORA-X15-128GB-BLACK")
    orders.add_payment(db, SYSTEM, order, "card", Decimal("1000"))
    db.dispose()
    result = _run(tmp_path, url, "order", "show", order, columns=80)
    assert result.exit_code == 0, result.output
    out = result.stdout
    # The order's heading is left to the terminal to wrap; every table fits the 80 columns.
    assert max(len(row) for row in out.splitlines() if row[:1] in "┏┃┡│└") <= 80
    lines = out[out.index("lines") : out.index("payments")]
    assert "1,079.99" in lines
    payments = out[out.index("payments") : out.index("by method")]
    assert "1,000.00" in payments


def test_order_show_finds_a_number_typed_in_lower_case(
    tmp_path: Path, layby: tuple[str, str]
) -> None:
    url, order = layby
    result = _run(tmp_path, url, "order", "show", order.lower(), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["order"] == order


def test_order_show_of_a_voided_layby_says_nothing_is_owed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, None, "ada", "admin", "1234")
    products.create_product(db, SYSTEM, sku="BK1", name="Bike", price=Decimal("100"))
    order = orders.open_order(db, SYSTEM, "S1", "layby", customer=Customer("Ann Lee")).order
    orders.add_item(db, SYSTEM, order, sku="BK1")
    orders.void(db, SYSTEM, order)
    db.dispose()
    result = _run(tmp_path, url, "order", "show", order)
    assert result.exit_code == 0, result.output
    assert "voided, Ann Lee; total 100.00, paid 0.00, voided: nothing is owed" in result.stdout
    assert "due 100.00" not in result.stdout
