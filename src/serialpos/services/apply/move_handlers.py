"""``apply`` handlers for plain ledger moves: receive, sell, return, transfer out and in, RTV and
adjust, each one ledger call whose moved units are reported back in the same shape.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.discounts import parse_price
from serialpos.domain.errors import BadRequest
from serialpos.domain.serial_lists import refuse_added_and_removed
from serialpos.domain.states import Action
from serialpos.services import journal_sink, ledger, quantity_returns
from serialpos.services.apply import items
from serialpos.services.apply.fields import Fields, Handler, Result, _object
from serialpos.services.context import Actor
from serialpos.services.sold_on_order import refuse_sold_on_order
from serialpos.services.transfers.bare_receipts import by_quantity, destination_reason


def _moved(
    result: ledger.LedgerResult, f: Fields, *, gave_serials: bool | None = None, **extra: Any
) -> Result:
    """The line's answer. ``gave_serials``: whether serials went to the ledger (default: the
    line names any). The "serialized inventory is off" warning is said only then: an adjust
    by quantity carrying a stray ``serial`` key was told the store's setting was off when it
    was on (the key was ignored, and said so)."""
    out: Result = {
        "store": result.store,
        "sku": result.sku,
        **extra,
        "quantity": result.quantity,
        "units": [
            {"serial": u.serial, "from": u.from_state, "to": u.to_state} for u in result.units
        ],
    }
    named = f.names_serials() if gave_serials is None else gave_serials
    if not result.serial_tracked and named:
        out["warnings"] = [
            f"serialized inventory is off at {result.store}: the serials were "
            "written on the events, no unit changed state"
        ]
    return out


def _simple(action: Action) -> Handler:
    """Receive and return to vendor: units or a quantity of one product at one store."""

    def handle(db: Database, actor: Actor, f: Fields) -> Result:
        if items.has_items(f):  # a whole document, as a store terminal journals it
            return (items.rtv if action is Action.RTV else items.receipt)(db, actor, f)
        if f.value("number") is not None:
            raise BadRequest("'number' names a document of several products: give 'items'")
        reason = f.reason() if action is Action.RTV else None
        sharer = _shared_by(db, actor, f) if action is Action.RECEIVE else None
        return _moved(
            ledger.move(
                db,
                actor,
                action,
                store=f.code("store"),
                sku=f.code("sku"),
                serials=f.serials(),
                quantity=f.quantity(),
                document=f.document(),
                reason=reason,
                shared_by=sharer,
            ),
            f,
        )

    return handle


def _sell(db: Database, actor: Actor, f: Fields) -> Result:
    """A sale to a customer: the units are sold and an invoice issued, as at the counter."""
    from serialpos.services import host_sale

    done = host_sale.sell(
        db,
        actor,
        store=f.code("store"),
        sku=f.code("sku"),
        serials=f.serials(),
        quantity=f.quantity(),
        document=f.document(),
        payment=f.optional_text("payment", max_length=16),
        catalogue_price=till_price(f),
    )
    return _moved(done.moved, f, order=done.order, invoice=done.invoice)


def till_price(f: Fields) -> Decimal | None:
    """A store terminal's ``sell``: the unit price the till charged (``catalogue_price``,
    written by the terminal into its journal entry; services/orders/till_price.py). A host
    sells at central's price and names none."""
    value = f.value("catalogue_price")
    if value is None:
        return None
    if f.value("journal") is None:
        raise BadRequest(
            "'catalogue_price' is written by a store terminal: a host's sale is at the "
            "catalogue's price"
        )
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequest("'catalogue_price' must be a number or text")
    return parse_price(str(value), "catalogue_price")


def _return(db: Database, actor: Actor, f: Fields) -> Result:
    """A customer's return by the ledger alone: refused ``sold_on_order`` for a unit sold
    on an order, whose return is that order's (services/sold_on_order.py); a package opened
    at the sale, or a quantity beyond what was sold, is refused (services/quantity_returns.py)."""
    action = Action.RETURN_DAMAGED if f.flag("damaged") else Action.RETURN
    store, sku, serials = f.code("store"), f.code("sku"), f.serials()
    quantity = f.quantity()
    db.read(lambda conn: quantity_returns.refuse_package(conn, sku))
    if serials:
        check = refuse_sold_on_order(sku, serials)
    elif action is Action.RETURN and not journal_sink.on_terminal(db):
        # A till's ledger holds its own store's sales only: central checks the entry.
        check = quantity_returns.quantity_check(sku, quantity or 1)
    else:
        check = None
    return _moved(
        ledger.move(
            db,
            actor,
            action,
            store=store,
            sku=sku,
            serials=serials,
            quantity=quantity,
            document=f.document(),
            reason=f.reason(),
            check=check,
        ),
        f,
    )


def _transfer_out(db: Database, actor: Actor, f: Fields) -> Result:
    if items.has_items(f):
        return items.transfer_out(db, actor, f)
    store, sku, to = f.code("store"), f.code("sku"), f.code("to")
    step = ledger.Step(Action.TRANSFER_OUT, store, sku, f.serials(), f.quantity(), to)
    document = f.document("transfer", alias="transfer")
    if document is None and f.flag("create"):
        raise BadRequest("'create' makes the transfer named by 'transfer': give its id")
    if document is not None:
        from serialpos.services import transfers

        kept = transfers.apply_out(db, actor, step, document.id, f.flag("create"), document.line)
        if kept is not None:
            return _transfer_result(*kept, f, to=to)
    quantity_move = not step.serials or by_quantity(db, step)
    return _moved(
        ledger.move(
            db,
            actor,
            Action.TRANSFER_OUT,
            store=store,
            sku=sku,
            serials=step.serials,
            quantity=step.quantity,
            to_store=to,
            document=document,
            # A quantity's destination: a bare transfer_in is held to it (bare_receipts.py);
            # serials shipped from a store keeping the product by quantity are a quantity.
            reason=destination_reason(to) if quantity_move else None,
        ),
        f,
        to=to,
    )


def _transfer_in(db: Database, actor: Actor, f: Fields) -> Result:
    if items.has_items(f):
        return items.transfer_in(db, actor, f)
    if f.flag("complete"):
        raise BadRequest("'complete' closes a transfer received by 'items': give them")
    store, sku = f.code("store"), f.code("sku")
    step = ledger.Step(Action.TRANSFER_IN, store, sku, f.serials(), f.quantity())
    document = f.document("transfer", alias="transfer")
    if document is not None:
        from serialpos.services import transfers

        kept = transfers.apply_in(db, actor, step, document.id, document.line)
        if kept is not None:
            return _transfer_result(*kept, f)
    from serialpos.services.transfers import bare_receipts as bare

    if document is None:
        number = bare.kept_transfer_of(db, step)
        if number is not None:  # shipped on a kept transfer: received on it, never beside it
            from serialpos.services import transfers

            kept = transfers.apply_in(db, actor, step, number, None)
            if kept is not None:
                return _transfer_result(*kept, f)
    if not step.serials or bare.by_quantity(db, step):
        return _moved(bare.receive_quantity(db, actor, step, document), f)
    return _moved(
        ledger.move(
            db,
            actor,
            Action.TRANSFER_IN,
            store=store,
            sku=sku,
            serials=step.serials,
            quantity=step.quantity,
            document=document,
        ),
        f,
    )


def _transfer_result(result: ledger.LedgerResult, view: Any, f: Fields, **extra: Any) -> Result:
    """A move on a kept transfer (services/transfers.py): the move, then the transfer's
    ``status`` and its ``shipped``, ``received`` and ``in_transit`` units per SKU."""
    return {
        **_moved(result, f, **extra),
        "transfer": view.number,
        "status": view.status,
        **view.report(),
    }


def _shared_by(db: Database, actor: Actor, f: Fields) -> Actor | None:
    """``"shared_by": {"user": ..., "pin": ...}``: a manager accepts that the serials created
    here are also live under another product (two makers using one string). Checked like a
    console log-in (a wrong PIN counts toward the lock-out); refused for IMEI-format serials
    by the ledger; the manager is recorded on the event and the unit."""
    raw = f.value("shared_by")
    if raw is None:
        return None
    data = _object(raw, "shared_by")
    extra = sorted(set(data) - {"user", "pin"})
    if extra:
        raise BadRequest(f"shared_by takes 'user' and 'pin' only, not {', '.join(extra)}")
    user, pin = data.get("user"), data.get("pin")
    if not isinstance(user, str) or not user.strip() or not isinstance(pin, str):
        raise BadRequest("shared_by needs the manager's 'user' and 'pin' as text")
    from serialpos.domain.errors import PermissionDenied
    from serialpos.domain.users import Permission
    from serialpos.services.users import login

    manager = login(db, user.strip(), pin, actor.terminal)
    try:
        manager.require(Permission.ADJUST)
    except PermissionDenied:
        raise PermissionDenied(
            f"{manager.user} is not a manager or admin; only one may accept a shared serial"
        ) from None
    return manager


def _adjust(db: Database, actor: Actor, f: Fields) -> Result:
    if items.has_items(f):
        return items.adjustment(db, actor, f)
    if f.value("number") is not None or f.value("note") is not None:
        raise BadRequest("'number' and 'note' go with an adjustment's 'items'")
    store, sku = f.code("store"), f.code("sku")
    sharer = _shared_by(db, actor, f)
    add, remove, quantity = f.serial_list("add"), f.serial_list("remove"), f.quantity(signed=True)
    reason, document = f.reason(required=True), f.document()
    if quantity is not None and (add is not None or remove is not None):
        raise BadRequest("an adjust takes 'add'/'remove' serials or a signed 'quantity', not both")
    if quantity is not None:
        action = Action.ADJUST_ADD if quantity > 0 else Action.ADJUST_REMOVE
        result = ledger.move(
            db,
            actor,
            action,
            store=store,
            sku=sku,
            quantity=abs(quantity),
            document=document,
            reason=reason,
        )
    elif add or remove:
        refuse_added_and_removed(
            [(sku, s) for s in add or () if isinstance(s, str)],
            [(sku, s) for s in remove or () if isinstance(s, str)],
        )
        # Removals first, then additions, in one transaction: all of it, or none.
        steps = [
            ledger.Step(
                action,
                store,
                sku,
                serials,
                shared_by=sharer.user if sharer and action is Action.ADJUST_ADD else None,
            )
            for action, serials in ((Action.ADJUST_REMOVE, remove), (Action.ADJUST_ADD, add))
            if serials
        ]
        results = ledger.move_many(db, actor, steps, document=document, reason=reason)
        result = replace(
            results[0],
            action="adjust",
            quantity=sum(r.quantity for r in results),
            units=tuple(u for r in results for u in r.units),
        )
    else:
        raise BadRequest("an adjust needs 'add' or 'remove' serials, or a signed 'quantity'")
    return _moved(result, f, gave_serials=quantity is None)
