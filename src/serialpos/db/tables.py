"""SQLModel tables: the schema that Alembic migrations build and repositories query.

Rules that must hold under concurrency are declared here so the database enforces them:
(product, serial) is unique, a unit's state is one of the known states, and quantities are
keyed by (product, store).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

UNIT_STATES = (
    "expected",
    "in_stock",
    "reserved",
    "sold",
    "in_transit",
    "returned_to_vendor",
    "written_off",
)
SERIAL_MODES = ("required", "optional", "disabled")
PACKAGE_TYPES = ("consolidated", "exploded")
ROLES = ("cashier", "stockroom", "manager", "admin")


def utcnow() -> datetime:
    """Now in UTC, naive (as stored). ``combine`` of the date and the naive time is the
    same value as ``replace(tzinfo=None)`` at a third of its cost (every write stamps it)."""
    now = datetime.now(UTC)
    return datetime.combine(now.date(), now.time())


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Store(SQLModel, table=True):
    __tablename__ = "store"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class ChainSetting(SQLModel, table=True):
    """A setting's value for every store that has none of its own."""

    __tablename__ = "chain_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)  # widened by migration 0021, as store_setting


class StoreSetting(SQLModel, table=True):
    __tablename__ = "store_setting"

    store_id: int = Field(foreign_key="store.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=64)
    #: On/off switches, and text such as the store address (migration 0018 widened it).
    value: str = Field(max_length=200)


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    __table_args__ = (sa.CheckConstraint(_in("role", ROLES), name="ck_user_role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=32, sa_column_kwargs={"unique": True}, nullable=False)
    #: ``name.casefold()``: names are unique regardless of case (``Ada`` is ``ada``).
    name_key: str | None = Field(default=None, max_length=32, sa_column_kwargs={"unique": True})
    role: str = Field(max_length=16)
    pin_hash: str = Field(max_length=200)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class Product(SQLModel, table=True):
    __tablename__ = "product"
    __table_args__ = (
        sa.CheckConstraint(_in("serial_mode", SERIAL_MODES), name="ck_product_serial_mode"),
        sa.CheckConstraint(
            f"package_type IS NULL OR {_in('package_type', PACKAGE_TYPES)}",
            name="ck_product_package_type",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200)
    price: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(12, 2))
    serial_mode: str = Field(default="disabled", max_length=16)
    serial_format: str | None = Field(default=None, max_length=200)
    tax_rate: Decimal | None = Field(default=None, sa_type=sa.Numeric(6, 3))
    #: The feed's ``PricesIncludeTax`` (None: the chain's ``prices_include_tax``). 0017.
    prices_include_tax: bool | None = None
    warranty_months: int | None = None
    bin: str | None = Field(default=None, max_length=64)
    package_type: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class ProductBarcode(SQLModel, table=True):
    """A product's barcodes, kept as 14-digit GTINs so every label form finds the product."""

    __tablename__ = "product_barcode"

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    gtin: str = Field(max_length=14, sa_column_kwargs={"unique": True}, nullable=False)


#: ``shared_by`` of the later duplicates migration 0016 found live (made before the guard):
#: left out of the index so it could be built, but never accepted by anyone; db check names them.
UNACCEPTED_BEFORE_0016 = "before 0016"

_LIVE_UNSHARED = "state IN ('in_stock', 'reserved', 'in_transit', 'expected') AND shared_by IS NULL"
#: The same test as SQLite stores it since migration 0030: ``=`` terms, which SQLite compares in
#: place, where a list of more than two values is built into a temporary B-tree for every row
#: written. (``ck_serial_unit_state`` is rewritten likewise on SQLite by that migration.)
_LIVE_UNSHARED_SQLITE = (
    "(state = 'in_stock' OR state = 'reserved' OR state = 'in_transit' OR state = 'expected') "
    "AND shared_by IS NULL"
)


class SerialUnit(SQLModel, table=True):
    """One physical unit: its serial, its one current state and its one store."""

    __tablename__ = "serial_unit"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "serial", name="uq_serial_unit_product_serial"),
        sa.CheckConstraint(_in("state", UNIT_STATES), name="ck_serial_unit_state"),
        sa.Index("ix_serial_unit_serial", "serial"),
        # Also ix_serial_unit_serial_folded on the serial ignoring letter case (migration 0037,
        # its expression differs by database: db/serial_case_sql.py).
        sa.Index("ix_serial_unit_store_product_state", "store_id", "product_id", "state"),
        # No index on reserved_line_id (dropped by migration 0036): no query looks a unit up
        # by the line holding it, and a reservation and its sale each wrote a page of it.
        # A serial is live under one product only, unless a manager accepted it as shared
        # (migration 0016): the database's own guard against two terminals at one instant.
        sa.Index(
            "uq_serial_unit_live_serial",
            "serial",
            unique=True,
            sqlite_where=sa.text(_LIVE_UNSHARED_SQLITE),
            postgresql_where=sa.text(_LIVE_UNSHARED),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    serial: str = Field(max_length=64)
    state: str = Field(max_length=24)
    store_id: int = Field(foreign_key="store.id")
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    #: The order line a reserved unit is reserved to (NULL in every other state): a
    #: reservation belongs to one line, and only that line may sell or release the unit.
    reserved_line_id: int | None = Field(default=None)
    #: The manager who accepted that this unit shares its serial with another product's live
    #: unit (never an IMEI); such a unit is left out of the live-serial unique index.
    shared_by: str | None = Field(default=None, max_length=64)


class StockLevel(SQLModel, table=True):
    """On-hand quantity per product and store. For serial-required products it equals the
    count of in-stock units; ``serialpos db check`` proves it."""

    __tablename__ = "stock_level"

    product_id: int = Field(foreign_key="product.id", primary_key=True)
    store_id: int = Field(foreign_key="store.id", primary_key=True)
    quantity: int = Field(default=0)


class LedgerEvent(SQLModel, table=True):
    """Append-only: one row per change of a unit or a quantity. Never updated or deleted
    (triggers in the migration refuse it)."""

    __tablename__ = "ledger_event"
    __table_args__ = (
        sa.Index("ix_ledger_event_unit", "unit_id"),
        sa.Index("ix_ledger_event_document", "document_type", "document_id"),
        # Moves by quantity (no unit) by product and action: the limits of a bare
        # transfer_in and of a quantity return sum them (migration 0039).
        sa.Index(
            "ix_ledger_event_quantity_moves",
            "product_id",
            "action",
            sqlite_where=sa.text("unit_id IS NULL"),
            postgresql_where=sa.text("unit_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    action: str = Field(max_length=24)
    user_name: str = Field(max_length=32)
    terminal: str = Field(max_length=64)
    store_id: int = Field(foreign_key="store.id")
    product_id: int = Field(foreign_key="product.id")
    unit_id: int | None = Field(default=None, foreign_key="serial_unit.id")
    serial: str | None = Field(default=None, max_length=64)
    from_state: str | None = Field(default=None, max_length=24)
    to_state: str | None = Field(default=None, max_length=24)
    quantity: int = Field(default=0)
    document_type: str | None = Field(default=None, max_length=24)
    document_id: str | None = Field(default=None, max_length=64)
    document_line: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=200)
    #: Tamper evidence (see domain/ledger_chain.py): the event's chain, its place in it and
    #: the SHA-256 over its content and the previous event's hash.
    chain_id: int | None = Field(default=None)
    chain_seq: int | None = Field(default=None, sa_type=sa.BigInteger())
    hash: str | None = Field(default=None, max_length=64)


class LedgerChain(SQLModel, table=True):
    """The head of one hash chain of ledger events: one per (store, terminal)."""

    __tablename__ = "ledger_chain"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "terminal", name="uq_ledger_chain_store_terminal"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id")
    terminal: str = Field(max_length=64)
    seq: int = Field(default=0, sa_type=sa.BigInteger())
    hash: str = Field(max_length=64)


class ProductComponent(SQLModel, table=True):
    """One component of a package product (``Product.package_type`` set): which product, how
    many. Components are ordinary products, never packages themselves (checked on import)."""

    __tablename__ = "product_component"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="ck_product_component_quantity"),
        sa.CheckConstraint("package_id <> component_id", name="ck_product_component_not_self"),
        sa.Index("ix_product_component_component_id", "component_id"),
    )

    package_id: int = Field(foreign_key="product.id", primary_key=True)
    component_id: int = Field(foreign_key="product.id", primary_key=True)
    quantity: int = Field(default=1)
