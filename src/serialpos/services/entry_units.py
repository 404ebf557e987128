"""Central's state of the units a store terminal's entry names, carried by the verdicts that
may leave the terminal's copy of them different from central's (issue 16, docs/offline.md).

A terminal applies each entry locally before central sees it. When central records the entry
as a conflict, or refuses it, the terminal's copy of its units keeps a move central never
made; when the unit now sits at another store (the same new serial received at two stores
offline, a unit sold at a till after it was shipped away) the terminal's own store's feed
never moves it back. So such a verdict carries ``central_units``: for each unit the line names (and
the one its conflict names), central's state as read in the transaction that answered
the entry (read after its commit, PostgreSQL gave a different answer depending on how a batch
was cut), a replayed verdict read afresh, never a copy stored with the outcome. The terminal
takes it in the transaction that settles the entry (terminal/central_state.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql, order_units
from serialpos.db.engine import Database
from serialpos.services.stock_lines import item_serials, item_sku

Result = dict[str, Any]
#: Order number -> (sku, serial) of the units its lines hold (db/order_units.py).
OrderUnits = Mapping[str, Sequence[tuple[str, str]]]

#: Verdicts that leave the entry pending at the terminal (it is sent again): no state.
RESENT = frozenset({"database_error", "conflict"})
_SERIAL_KEYS = ("serial", "serials", "add", "remove")


def _serials_of(entry: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key in _SERIAL_KEYS:
        value = entry.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    return found


def order_named(data: Mapping[str, Any]) -> str | None:
    """The order an ``order_*`` line names by number (``order_fulfil``, ``order_return``,
    ``order_void``, ``order_set_serial``), if it does."""
    op, number = data.get("op"), data.get("order")
    if isinstance(op, str) and op.startswith("order_") and isinstance(number, str):
        return number
    return None


def named_units(
    data: Mapping[str, Any], orders: OrderUnits | None = None
) -> list[tuple[str | None, str]]:
    """(sku, serial) of each unit the line ``data`` names, in order, once each: its own
    ``serial``/``serials``/``add``/``remove``, its items' or scans', a count's batches'
    scans, an order's lines', and, for a line naming an order by number, the units that
    order's lines hold as ``orders`` says (the line names no serial, yet moves them). The
    SKU is None when the line does not say which product."""
    sku = data.get("sku") if isinstance(data.get("sku"), str) else None
    found: list[tuple[str | None, str]] = [(sku, s) for s in _serials_of(data)]
    found += [(item_sku(data, s) or sku, s) for s in item_serials(data)]
    given = data.get("decided")
    decided: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    nested = [
        data.get("lines"),
        data.get("handed_over"),  # a till's fulfilment: the units its customer took
        *[b.get("scans") for b in _dicts(data.get("batches"))],
        *[decided.get(kind) for kind in ("missing", "found")],
    ]
    for listed in nested:
        for entry in _dicts(listed):
            own = entry.get("sku") if isinstance(entry.get("sku"), str) else sku
            found += [(own, s) for s in _serials_of(entry)]
    number = order_named(data)
    if number is not None and orders:
        found += [(k, s) for k, s in orders.get(number, ())]
    return list(dict.fromkeys(found))


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _wanted(
    data: Mapping[str, Any], verdict: Result, orders: OrderUnits
) -> list[tuple[str | None, str]]:
    """The units whose state ``verdict`` carries, as (sku, serial). An accepted count of a
    till's carries its decisions and the scans central did not hold in stock at the store
    (``central.not_here``), not every scan: a whole-store count names every unit of the
    store, and a scan central holds in stock there is so on the till too, or was decided."""
    central = verdict.get("central")
    if verdict.get("ok") and isinstance(central, Mapping) and "not_here" in central:
        scans = [x for x in _dicts(central.get("not_here")) if isinstance(x.get("serial"), str)]
        given = data.get("decided")
        decided: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        listed = [*_dicts(decided.get("missing")), *_dicts(decided.get("found")), *scans]
        return list(
            dict.fromkeys(
                (x.get("sku") if isinstance(x.get("sku"), str) else None, str(x["serial"]))
                for x in listed
                if isinstance(x.get("serial"), str)
            )
        )
    units = named_units(data, orders)
    conflict = verdict.get("conflict")
    if isinstance(conflict, Mapping) and isinstance(conflict.get("serial"), str):
        sku = conflict.get("sku") if isinstance(conflict.get("sku"), str) else None
        if not any(serial == conflict["serial"] for _sku, serial in units):
            units.append((sku, conflict["serial"]))
    return units


def needs_units(verdict: Result) -> bool:
    """Whether ``verdict`` may leave the terminal's copy different from central's: a
    conflict or a refusal (the terminal applied the line; central did not), not an entry
    that will be sent again; or an accepted count (central posted the till's decisions
    only where still legal, and a count names units the till judged from its own view)."""
    if "central_units" in verdict:
        return False
    if verdict.get("ok"):
        return verdict.get("op") == "count"
    return verdict.get("error") not in RESENT


def _every_product(data: Mapping[str, Any]) -> bool:
    """Whether the verdict of ``data`` names each serial's units of every product: a count
    (a till cannot know the product of a serial it never held, and may have counted it
    under another product's: it takes central's unit of it, and its own copy under the
    wrong product is written off, central holding none)."""
    return data.get("op") == "count"


def add_units(db: Database, answered: Iterable[tuple[Mapping[str, Any], Result]]) -> None:
    """Add ``central_units`` to each verdict of ``answered`` (entry line, verdict) that
    :func:`needs_units`: one read of central's units for all of them. Each is
    ``{"serial", "sku", "store", "state", "event"}`` (``event``: central's id of the unit's
    last event, the one the feed names too); ``store``, ``state`` and ``event`` are null when
    central holds no such unit (a receipt it refused)."""
    chosen = [(data, verdict) for data, verdict in answered if needs_units(verdict)]
    if not chosen:
        return
    numbers = [n for data, _v in chosen if (n := order_named(data)) is not None]

    def read(conn: Connection) -> None:
        orders = order_units.units_of(conn, numbers)
        wanted = [
            (verdict, _wanted(data, verdict, orders), _every_product(data))
            for data, verdict in chosen
        ]
        serials = [serial for _v, units, _e in wanted for _sku, serial in units]
        _fill(wanted, conflict_sql.unit_states(conn, serials))

    # Plain reads (PostgreSQL's read committed gave each statement its own snapshot anyway):
    # no BEGIN and COMMIT around them, in a push that had a conflict (db/engine.py).
    db.read_each(read)


def add_units_in(conn: Connection, data: Mapping[str, Any], verdict: Result) -> Result:
    """:func:`add_units` for one entry inside the transaction that answered it, right after
    it: its units as that entry left them, whatever the entries after it in the same batch
    do, so a verdict is the same however the batch is cut into transactions."""
    if needs_units(verdict):
        number = order_named(data)
        orders = order_units.units_of(conn, [] if number is None else [number])
        units = _wanted(data, verdict, orders)
        serials = [serial for _sku, serial in units]
        _fill([(verdict, units, _every_product(data))], conflict_sql.unit_states(conn, serials))
    return verdict


def _fill(
    wanted: list[tuple[Result, list[tuple[str | None, str]], bool]],
    rows: Sequence[tuple[str, str, str, str, int]],
) -> None:
    for verdict, units, every in wanted:
        found = [state for sku, serial in units for state in _states(rows, sku, serial, every)]
        verdict["central_units"] = list({(u["sku"], u["serial"]): u for u in found}.values())


def _states(
    rows: Sequence[tuple[str, str, str, str, int]],
    sku: str | None,
    serial: str,
    every: bool = False,
) -> list[Result]:
    """Central's units of ``serial`` (of ``sku`` when given; of every product with
    ``every``, plus a null one for ``sku`` when central holds none of that product)."""
    found = [
        {"serial": s, "sku": k, "store": store, "state": state, "event": event}
        for s, k, store, state, event in rows
        if s == serial and (sku is None or every or k == sku)
    ]
    none = {"serial": serial, "sku": sku, "store": None, "state": None, "event": None}
    if every and sku is not None and not any(u["sku"] == sku for u in found):
        return [*found, none]
    return found or [none]
