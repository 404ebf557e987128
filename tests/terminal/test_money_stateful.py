"""Hypothesis stateful test of money across a till and central (issue 16): lay-bys made at
a store terminal (its own SQLite, the real sync client behind a loopback proxy a rule cuts)
and paid in parts at the till and at central (``POST /v1/apply`` as a host system would),
fulfilled at either end, voided at either end, with the link dropping between, and the
conflicts this leaves resolved by a manager at central as offered (``refund``,
``record_sale`` or ``accept``), a surplus given back with ``order_refund``.

A machine of its own, not rules of tests/terminal/test_sync_stateful.py: that one's size is
set by CI's time, and rules of orders would take its steps from the unit flows it checks.

After the link returns and everything syncs:

* every entry of the till is accepted or a conflict (a refusal would leave the till's money
  in no book at central, with nothing to resolve);
* for each order, the money by method at the till (payments less change and refunds) equals
  central's, and so does its status, but for the money of the till's entries on it that are
  conflicts central recorded nothing of (open, or resolved by ``accept``): exactly that, per
  method. A conflict a manager booked (``refund``; ``record_sale`` of a till's fulfilment
  of an order central voided, or of its deposit on that order once central's order owes
  it) leaves nothing apart: its money matches at both ends;
* a till's deposit on an order central closed is offered ``record_sale`` exactly when
  central's order is fulfilled and owes at least the deposit, and never ``refund`` while
  that order is fulfilled and owes anything (the sale needs it);
* each unit's state at the till is central's once no conflict of the till's is open or
  accepted (a resolution that books the till's fulfilment moves the unit at central too);
* the till's drawer (its open shift's X report, ``expected_cash``) holds what the model
  says its cashier took in and paid out in cash, and central's follow-ups (its payments,
  voids, refunds) never move it but for the refund of a deposit, or of a fulfilment's
  balance on an order central fulfilled, a manager resolved by ``refund`` (paid back out of
  the till's drawer, docs/offline.md);
* ``db check`` at central has no violation but ``order_overpaid`` for an order whose
  surplus central warned about on the till's sync (the customer paid twice; a manager gives
  it back with ``order_refund``), and the till's none but ``voided_order_holds_money`` for
  an order with a conflict central recorded nothing of.

CI runs a small size; ``SERIALPOS_MONEY_EXAMPLES`` / ``SERIALPOS_MONEY_STEPS`` run more."""

from __future__ import annotations

import io
import json
import os
import re
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from link_proxy import LinkProxy
from terminal_chain import Chain

from serialpos.config import ChainConfig
from serialpos.db.engine import Database
from serialpos.services import conflicts, products, shifts, tokens, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.terminal import bootstrap, journaled
from serialpos.terminal.client import CentralClient, Offline
from serialpos.terminal.sync import sync_once

UNITS = 3
SKU = "LBY"
PRICE = Decimal("900.00")
FLOAT = Decimal("100.00")
EXAMPLES = int(os.environ.get("SERIALPOS_MONEY_EXAMPLES", "3"))
STEPS = int(os.environ.get("SERIALPOS_MONEY_STEPS", "20"))
TIMEOUT = 1.5
PHASES = (
    list(Phase)
    if os.environ.get("SERIALPOS_STATEFUL_SHRINK")
    else [Phase.explicit, Phase.reuse, Phase.generate]
)

PAYMENTS = (
    "SELECT p.kind, p.method, p.amount FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :n ORDER BY p.id"
)
STATUS = "SELECT status FROM sale_order WHERE number = :n"
METHODS = st.sampled_from(["cash", "card"])
ZERO = Decimal("0.00")


def _rows(db: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _net(db: Database, order: str) -> dict[str, Decimal]:
    """The money an order holds by method: payments less change and refunds (zeros left
    out)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for _kind, method, amount in _rows(db, PAYMENTS, n=order):
        out[str(method)] += Decimal(str(amount))
    return {m: a for m, a in out.items() if a != 0}


def _cents(amount: object) -> Decimal:
    return Decimal(str(amount)).quantize(Decimal("0.01"))


def _booked(db: Database, order: str) -> Counter[tuple[str, str, Decimal]]:
    """An order's payment rows, (kind, method, amount), as a multiset (each end keeps them in
    the order it made them)."""
    return Counter((str(k), str(m), _cents(a)) for k, m, a in _rows(db, PAYMENTS, n=order))


def _total(db: Database, order: str) -> Decimal:
    from serialpos.services.orders.reading import get_order

    return get_order(db, order).totals.total


def _others(detail: str, prefix: str, orders: list[str]) -> bool:
    """Whether a ``db check`` finding names another example's order or unit only."""
    named = re.findall(r"order (\S+)", detail)
    if named:
        return not set(named) & set(orders)
    serials = re.findall(r"serial (\S+)", detail)
    return bool(serials) and not any(s.startswith(prefix) for s in serials)


def _status(db: Database, order: str) -> str | None:
    found = _rows(db, STATUS, n=order)
    return str(found[0][0]) if found else None


def _cash(tenders: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(t["amount"]) for t in tenders if t["method"] == "cash"), ZERO)


def _has_orders(machine: MoneyMachine) -> bool:
    return bool(machine.orders)


class MoneyMachine(RuleBasedStateMachine):
    chain: Chain
    folder: Path

    @initialize()
    def setup(self) -> None:
        self.prefix = f"M{uuid.uuid4().hex[:6]}-"
        self.serials = [f"{self.prefix}{i}" for i in range(UNITS)]
        db = self.chain.server.db
        ada = users.actor_for(db, "ada", "setup")
        if not _rows(db, "SELECT id FROM product WHERE sku = :s", s=SKU):
            products.create_product(
                db, ada, sku=SKU, name="Layby TV", price=PRICE, serial_mode="required"
            )
        received = self.chain.post(
            {"op": "receive", "store": "S1", "sku": SKU, "serials": self.serials}
        )
        assert all(r["ok"] for r in received), received
        folder = self.folder / self.prefix
        folder.mkdir()
        name = f"{self.prefix}t"
        token = tokens.create_token(db, ada, "mia", name)[0]
        bootstrap.init(
            server=self.chain.server.base,
            token=token,
            store="S1",
            terminal=name,
            config_path=folder / "till.toml",
            db_path=folder / "till.sqlite",
        )
        self.db = Database(f"sqlite:///{folder / 'till.sqlite'}")
        self.actor: Actor = users.actor_for(self.db, "mia", name)
        self.name = name
        self.config = ChainConfig(self.chain.server.base, token, "S1", name)
        port = int(self.chain.server.base.rsplit(":", 1)[1])
        self.proxy = LinkProxy(port)
        self.client = CentralClient(self.proxy.base, token, timeout=TIMEOUT)
        self.direct = CentralClient(self.chain.server.base, token, timeout=60)
        shifts.open_shift(self.db, self.actor, "S1", str(FLOAT))
        #: The cash the till's cashier took in less what they paid out, by the model.
        self.drawer = FLOAT
        #: Orders made at the till, in order, and by the entry that made each.
        self.orders: list[str] = []
        self.made: dict[str, str] = {}
        #: Orders whose surplus central warned about on a sync (the customer paid twice).
        self.warned: set[str] = set()
        #: conflict id -> how a manager resolved it.
        self.resolved: dict[int, str] = {}
        #: "op:resolution" of each conflict resolved, for the trace.
        self.booked: list[str] = []
        #: A deposit a manager resolved by ``refund``, or the cash a fulfilment kept on an
        #: order central fulfilled meanwhile so resolved: paid back out of the till's drawer
        #: when the till takes central's rows (docs/offline.md).
        self.deposits_refunded: Decimal = ZERO

    # -- helpers ---------------------------------------------------------------------------

    def _apply(self, line: dict[str, Any]) -> dict[str, Any]:
        body = io.BytesIO((json.dumps(line) + "\n").encode())
        return next(iter(journaled.apply_stream(self.db, self.actor, body, None, self.name)))

    def _order(self, k: int) -> str | None:
        return self.orders[k % len(self.orders)] if self.orders else None

    def _owed(self, db: Database, order: str) -> Decimal | None:
        """What ``order`` owes at that end (its total less the money it holds), or None when
        that end has no open or parked copy of it."""
        if _status(db, order) not in ("open", "parked"):
            return None
        from serialpos.services.orders.reading import get_order

        total = get_order(db, order).totals.total
        return total - sum(_net(db, order).values(), ZERO)

    def _journal(self) -> list[tuple[str, str, dict[str, Any]]]:
        rows = _rows(self.db, "SELECT id, state, line FROM journal_entry ORDER BY seq")
        return [(str(i), str(s), json.loads(line)) for i, s, line in rows]

    # -- rules -----------------------------------------------------------------------------

    @rule(unit=st.integers(0, UNITS - 1), method=METHODS, deposit=st.sampled_from([0, 200]))
    def layby_at_till(self, unit: int, method: str, deposit: int) -> None:
        made = self._apply(
            {
                "op": "order_create",
                "store": "S1",
                "type": "layby",
                "lines": [{"sku": SKU, "serial": self.serials[unit]}],
            }
        )
        if not made["ok"]:
            return
        order = str(made["order"])
        self.orders.append(order)
        self.made[str(made["entry"])] = order
        if deposit:
            self._pay_here(order, method, Decimal(deposit))

    def _pay_here(self, order: str, method: str, amount: Decimal) -> None:
        tenders = [{"method": method, "amount": f"{amount:.2f}"}]
        paid = self._apply({"op": "order_pay", "order": order, "payments": tenders})
        if paid["ok"]:
            self.drawer += _cash(tenders)

    @precondition(_has_orders)
    @rule(k=st.integers(0, 3), method=METHODS, amount=st.sampled_from([100, 300]))
    def pay_at_till(self, k: int, method: str, amount: int) -> None:
        order = self._order(k)
        if order is not None:
            self._pay_here(order, method, Decimal(amount))

    @precondition(_has_orders)
    @rule(k=st.integers(0, 3), method=METHODS, amount=st.sampled_from([100, 300]))
    def pay_at_central(self, k: int, method: str, amount: int) -> None:
        order = self._order(k)
        if order is None:
            return
        tenders = [{"method": method, "amount": f"{amount}.00"}]
        self.chain.post({"op": "order_pay", "order": order, "payments": tenders})

    @precondition(_has_orders)
    @rule(k=st.integers(0, 3), method=METHODS, over=st.sampled_from([0, 0, 50]))
    def fulfil_at_till(self, k: int, method: str, over: int) -> None:
        """The balance the till's copy shows, maybe cash over it (change given)."""
        order = self._order(k)
        owed = None if order is None else self._owed(self.db, order)
        if order is None or owed is None:
            return
        tendered = max(owed, ZERO) + (over if method == "cash" else 0)
        tenders = [{"method": method, "amount": f"{tendered:.2f}"}] if tendered > 0 else []
        done = self._apply({"op": "order_fulfil", "order": order, "payments": tenders})
        if done["ok"]:
            self.drawer += _cash(tenders) - Decimal(str(done.get("change_due") or "0"))

    @precondition(_has_orders)
    @rule(k=st.integers(0, 3), method=METHODS, over=st.sampled_from([0, 0, 50]))
    def fulfil_at_central(self, k: int, method: str, over: int) -> None:
        order = self._order(k)
        owed = None if order is None else self._owed(self.chain.server.db, order)
        if order is None or owed is None:
            return
        tendered = max(owed, ZERO) + (over if method == "cash" else 0)
        tenders = [{"method": method, "amount": f"{tendered:.2f}"}] if tendered > 0 else []
        self.chain.post({"op": "order_fulfil", "order": order, "payments": tenders})

    @precondition(_has_orders)
    @rule(
        k=st.integers(0, 3),
        close=st.sampled_from(["void", "fulfil"]),
        method=METHODS,
        over=st.sampled_from([0, 50]),
        deposit=st.sampled_from([0, 100, 300]),
    )
    def collect_at_till_while_central_closes(
        self, k: int, close: str, method: str, over: int, deposit: int = 0
    ) -> None:
        """The race of issue 16's fulfilment conflicts as one rule (its two steps drawn
        apart, with no sync between, were seldom in a run): central voids or fulfils the
        layby, and the till, not knowing, takes a deposit (maybe), then the balance its copy
        shows and hands the unit over."""
        if close == "void":
            self.void_at_central(k)
        else:
            self.fulfil_at_central(k, "card", 0)
        order = self._order(k)
        if deposit and order is not None:
            self._pay_here(order, method, Decimal(deposit))
        self.fulfil_at_till(k, method, over)

    @precondition(_has_orders)
    @rule(k=st.integers(0, 3))
    def void_at_till(self, k: int) -> None:
        order = self._order(k)
        if order is None:
            return
        done = self._apply({"op": "order_void", "order": order})
        if done["ok"]:
            self.drawer -= _cash(done.get("refunds") or [])

    @precondition(_has_orders)
    @rule(k=st.integers(0, 3))
    def void_at_central(self, k: int) -> None:
        order = self._order(k)
        if order is not None:
            self.chain.post({"op": "order_void", "order": order})

    @rule(k=st.integers(0, 3), by=st.sampled_from(["refund", "record_sale", "accept"]))
    def resolve_at_central(
        self, k: int, by: str, among: list[dict[str, Any]] | None = None
    ) -> None:
        """A manager at central resolves a conflict of this till's: ``refund`` or
        ``record_sale`` when offered and drawn (a till's fulfilment of an order central
        closed meanwhile: ``record_sale`` after central's void, ``refund`` after its
        fulfilment), else ``accept``."""
        db = self.chain.server.db
        mine = among or [
            c for c in conflicts.list_conflicts(db, status="open") if c.get("terminal") == self.name
        ]
        if not mine:
            return
        found = mine[k % len(mine)]
        self._deposit_offers(found)
        action = by if by in found["resolutions"] else "accept"
        if action not in found["resolutions"]:
            return
        manager = users.actor_for(db, "ada", "central")
        conflicts.resolve(db, manager, int(found["id"]), action, None, apply_object)
        self.resolved[int(found["id"])] = action
        line = found["entry"]["line"]
        self.booked.append(f"{line.get('op')}:{action}")
        if action == "refund" and line.get("op") == "order_pay":
            # The deposit is handed back out of the till's drawer, where it is.
            self.deposits_refunded += _cash(line.get("payments") or [])
        if action == "refund" and line.get("op") == "order_fulfil":
            # The balance the till took on an order central fulfilled: what its drawer kept
            # (the cash less the change it gave) is handed back out of it.
            change = Decimal(str(line.get("change_due") or "0"))
            self.deposits_refunded += max(_cash(line.get("payments") or []) - change, ZERO)

    def _deposit_offers(self, found: dict[str, Any]) -> None:
        """A till's deposit on an order central closed is paid back (``refund``) only where
        the order needs none of it, and booked as taken (``record_sale``) only where
        central's order is fulfilled and owes at least the deposit
        (services/conflict_closed_deposit.py)."""
        line = found["entry"]["line"]
        if found.get("error") != "order_closed" or line.get("op") != "order_pay":
            return
        db = self.chain.server.db
        order = str(line.get("order"))
        deposit = sum((_cents(t["amount"]) for t in line.get("payments") or []), ZERO)
        fulfilled = _status(db, order) == "fulfilled"
        owes = _total(db, order) - sum(_net(db, order).values(), ZERO) if fulfilled else ZERO
        offered = set(found["resolutions"])
        assert ("record_sale" in offered) == (fulfilled and 0 < deposit <= owes), (found, owes)
        if fulfilled and owes > 0:
            assert "refund" not in offered, (found, owes)

    @rule(k=st.integers(0, 3), every=st.booleans())
    def book_at_central(self, k: int, every: bool = False) -> None:
        """A manager who books what a resolution can book (a second rule: the conflicts
        that ``refund`` or ``record_sale`` settle come late in a run, and one rule drawn
        after them was seldom): the first offered of ``record_sale`` and ``refund``, else
        nothing; with ``every``, again until none is offered (a deposit's ``record_sale``
        is offered once its till's fulfilment is booked, and a third rule drawn after was
        seldom)."""
        for _turn in range(8 if every else 1):
            db = self.chain.server.db
            mine = [
                c
                for c in conflicts.list_conflicts(db, status="open")
                if c.get("terminal") == self.name
                and {"record_sale", "refund"} & set(c.get("resolutions") or ())
            ]
            if not mine:
                return
            found = mine[k % len(mine)]
            by = next(a for a in ("record_sale", "refund") if a in found["resolutions"])
            self.resolve_at_central(k=mine.index(found), by=by, among=mine)

    @precondition(_has_orders)
    @rule(k=st.integers(0, 3))
    def refund_surplus_at_central(self, k: int) -> None:
        """A manager gives back what a fulfilled order holds over its total (``order_refund``
        at central), by the method it holds most of."""
        order = self._order(k)
        db = self.chain.server.db
        if order is None or _status(db, order) != "fulfilled":
            return
        from serialpos.services.orders.reading import get_order

        held = _net(db, order)
        over = sum(held.values(), ZERO) - get_order(db, order).totals.total
        if over <= 0:
            return
        method = max(held, key=lambda m: held[m])
        amount = min(over, held[method])
        self.chain.post(
            {
                "op": "order_refund",
                "order": order,
                "refunds": [{"method": method, "amount": f"{amount:.2f}"}],
            }
        )

    @rule(mode=st.sampled_from(["up", "down"]))
    def link(self, mode: str) -> None:
        {"up": self.proxy.up, "down": self.proxy.down}[mode]()

    @rule(one_off=st.booleans())
    def sync(self, one_off: bool) -> None:
        try:
            report = sync_once(self.db, self.config, self.client, one_off=one_off)
        except Offline:
            assert self.proxy.mode != "up", "a sync through a working line must succeed"
            return
        self._warned(report.warnings)

    @rule()
    def background_round(self) -> None:
        """A console's round (a second rule: conflicts must come before the run ends for a
        manager to resolve them, so syncs are drawn twice as often)."""
        self.sync(one_off=False)

    def _warned(self, warnings: list[str]) -> None:
        for said in warnings:
            self.warned |= set(re.findall(r"order (\S+) holds", said))

    # -- the check -------------------------------------------------------------------------

    def teardown(self) -> None:
        if not hasattr(self, "db"):
            return
        try:
            self._check()
        finally:
            self.proxy.close()
            self.client.close()
            self.direct.close()
            self.db.dispose()

    def _check(self) -> None:
        self.proxy.up()
        for _round in range(2):
            report = sync_once(self.db, self.config, self.direct, one_off=True)
            assert report.pending == 0, report
            self._warned(report.warnings)
        central = self.chain.server.db
        # Each conflict of this till's entries at central, by entry.
        mine = {
            c["entry"]["id"]: c
            for c in conflicts.list_conflicts(central)
            if c.get("terminal") == self.name
        }
        #: order -> the payment rows of its entries central recorded nothing of, as the
        #: till books them: (kind, method, amount); an order with such an entry is here
        #: even when the entry moved no money.
        unbooked: dict[str, Counter[tuple[str, str, Decimal]]] = defaultdict(Counter)
        for entry_id, state, line in self._journal():
            assert state in ("accepted", "conflict"), (entry_id, state, line)
            if state != "conflict":
                continue
            found = mine[entry_id]
            if found["status"] == "resolved" and found["resolution"]["action"] != "accept":
                continue
            order = line.get("order") or self.made.get(entry_id)
            assert order, line
            rows = unbooked[order]  # named even by an entry that moved no money
            for t in line.get("payments") or []:
                rows[("payment", t["method"], _cents(t["amount"]))] += 1
            for t in line.get("refunds") or []:
                rows[("refund", t["method"], -_cents(t["amount"]))] += 1
            if _cents(line.get("change_due") or 0):
                rows[("change", "cash", -_cents(line["change_due"]))] += 1
        for order in self.orders:
            # Without a conflict the order's money by method is the same at both ends (the
            # rows may be cut differently: central's void refunds a tender the till took
            # and one of its own in one row), and so is its status.
            here, there = _net(self.db, order), _net(central, order)
            if order in self.warned and order not in unbooked:
                # The customer paid central's part twice: the till's copy holds what it
                # took (the total), central the total and the surplus it warned of, which
                # its check names until a manager gives it back (``order_refund``, by any
                # method): exactly that much more, and nothing else differs.
                total = _total(central, order)
                assert sum(here.values(), ZERO) == total, (order, here, total)
                over = sum(there.values(), ZERO) - total
                assert over >= 0, (order, there, total)
                named = [f for f in check_ledger(central) if f"order {order} " in f.detail]
                assert [f.rule for f in named] == (["order_overpaid"] if over else []), named
                assert all(f"holds {over:.2f} paid beyond" in f.detail for f in named), named
                assert _status(self.db, order) == _status(central, order), order
                continue
            if order not in unbooked:
                assert here == there, (order, _booked(self.db, order), _booked(central, order))
                assert _status(self.db, order) == _status(central, order), order
                continue
            # With one, a row only the till holds is money of its entries central recorded
            # nothing of; what central holds beyond (its refund of an order both ends
            # voided, which no book of the till's takes: docs/offline.md; its fulfilment of
            # an order the till voided) the conflict says.
            extra = _booked(self.db, order) - _booked(central, order)
            assert not extra - unbooked[order], (order, extra, unbooked[order])
        if not unbooked:
            # No conflict's act stands apart: each unit is where central has it (a unit a
            # booked fulfilment handed over is sold at both ends).
            units = "SELECT serial, state FROM serial_unit WHERE serial LIKE :p ORDER BY serial"
            pattern = f"{self.prefix}%"
            assert _rows(self.db, units, p=pattern) == _rows(central, units, p=pattern)
        if os.environ.get("SERIALPOS_MONEY_TRACE"):  # what the runs met, for tuning
            states = [s for _i, s, _l in self._journal()]
            print(
                "TRACE",
                json.dumps(
                    {
                        "orders": [_status(self.db, o) for o in self.orders],
                        "entries": len(states),
                        "conflicts": sorted(c["error"] for c in mine.values()),
                        "resolved": sorted(self.booked),
                        "warned": len(self.warned),
                        "unbooked": len(unbooked),
                        "drawer": str(self.drawer),
                    }
                ),
            )
        # The drawer holds what its cashier took in and paid out.
        x = shifts.x_report(self.db, self.actor, "S1")
        assert x.expected_cash == self.drawer - self.deposits_refunded, (
            x.expected_cash,
            self.drawer,
            self.deposits_refunded,
        )
        # db check: only what a manager is told to settle.
        for f in check_ledger(central):
            if not f.violation or _others(f.detail, self.prefix, self.orders):
                continue  # an earlier example's (central is the module's)
            named = re.findall(r"order (\S+)", f.detail)
            assert f.rule == "order_overpaid" and named and named[0] in self.warned, f
        for f in check_ledger(self.db):
            if not f.violation:
                continue
            named = re.findall(r"order (\S+)", f.detail)
            assert f.rule == "voided_order_holds_money" and named and named[0] in unbooked, f
            assert any(unbooked[named[0]].values()), f  # money central has no row of


def test_money_converges(chain: Chain, tmp_path: Path) -> None:
    MoneyMachine.chain = chain
    MoneyMachine.folder = tmp_path
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=PHASES,
        ),
    )


def _steps(chain: Chain, tmp_path: Path) -> MoneyMachine:
    MoneyMachine.chain = chain
    MoneyMachine.folder = tmp_path
    machine = MoneyMachine()
    machine.setup()
    return machine


def test_the_check_allows_the_surplus_central_warned_of(chain: Chain, tmp_path: Path) -> None:
    """The machine's steps for the surplus the random runs seldom order: central takes 300
    on the till's layby, the till (not synced since) takes the balance its copy shows; the
    sync warns, central's ``db check`` says ``order_overpaid``, which the check allows for
    the order warned of only; a manager's ``order_refund`` then clears it."""
    machine = _steps(chain, tmp_path)
    try:
        machine.layby_at_till(unit=0, method="cash", deposit=200)
        machine.sync(one_off=True)
        machine.pay_at_central(k=0, method="cash", amount=300)
        machine.fulfil_at_till(k=0, method="card", over=0)
        machine.sync(one_off=False)
        [order] = machine.orders
        assert machine.warned == {order}
        rules = [f.rule for f in check_ledger(chain.server.db) if order in f.detail]
        assert rules == ["order_overpaid"]
    finally:
        machine.teardown()
    machine = _steps(chain, tmp_path)
    try:
        machine.layby_at_till(unit=1, method="cash", deposit=200)
        machine.sync(one_off=True)
        machine.pay_at_central(k=0, method="card", amount=300)
        machine.fulfil_at_till(k=0, method="cash", over=50)
        machine.sync(one_off=False)
        machine.refund_surplus_at_central(k=0)
        [order] = machine.orders
        assert [f for f in check_ledger(chain.server.db) if order in f.detail] == []
    finally:
        machine.teardown()


def test_the_check_follows_a_deposit_refunded_by_a_resolution(chain: Chain, tmp_path: Path) -> None:
    """The machine's steps for a deposit the till took offline on a layby central voided,
    resolved by ``refund``: the drawer pays it back when the till takes central's rows, and
    the model says so (its expected cash the float and the deposits kept)."""
    machine = _steps(chain, tmp_path)
    try:
        machine.layby_at_till(unit=2, method="cash", deposit=200)
        machine.sync(one_off=True)
        machine.void_at_central(k=0)
        machine.pay_at_till(k=0, method="cash", amount=300)
        machine.sync(one_off=False)
        assert [
            c["error"]
            for c in conflicts.list_conflicts(chain.server.db, status="open")
            if c.get("terminal") == machine.name
        ] == ["order_closed"]
        machine.resolve_at_central(k=0, by="refund")
        assert list(machine.resolved.values()) == ["refund"]
        assert machine.deposits_refunded == Decimal(300)
    finally:
        machine.teardown()


def _open_errors(chain: Chain, machine: MoneyMachine) -> list[str]:
    return [
        str(c["error"])
        for c in conflicts.list_conflicts(chain.server.db, status="open")
        if c.get("terminal") == machine.name
    ]


def test_the_check_follows_a_fulfilment_booked_by_a_resolution(
    chain: Chain, tmp_path: Path
) -> None:
    """The machine's steps for a till's fulfilment of a layby central closed meanwhile:
    after central's void it is booked by ``record_sale`` (the unit sold at central, the
    drawer keeps the balance), after central's fulfilment by ``refund`` (the balance the
    drawer kept paid back out of it); the check then finds the same money, status and unit
    at both ends."""
    machine = _steps(chain, tmp_path)
    try:
        machine.layby_at_till(unit=0, method="cash", deposit=200)
        machine.sync(one_off=True)
        machine.void_at_central(k=0)
        machine.fulfil_at_till(k=0, method="cash", over=50)
        machine.sync(one_off=False)
        assert _open_errors(chain, machine) == ["order_closed"]
        machine.resolve_at_central(k=0, by="record_sale")
        assert list(machine.resolved.values()) == ["record_sale"]
        assert machine.deposits_refunded == ZERO
    finally:
        machine.teardown()
    machine = _steps(chain, tmp_path)
    try:
        machine.layby_at_till(unit=1, method="cash", deposit=200)
        machine.sync(one_off=True)
        machine.fulfil_at_central(k=0, method="card", over=0)
        machine.fulfil_at_till(k=0, method="cash", over=50)
        machine.sync(one_off=False)
        assert _open_errors(chain, machine) == ["order_closed"]
        machine.resolve_at_central(k=0, by="refund")
        assert list(machine.resolved.values()) == ["refund"]
        assert machine.deposits_refunded == Decimal(700)
    finally:
        machine.teardown()


def test_the_check_follows_a_deposit_booked_on_a_recorded_fulfilment(
    chain: Chain, tmp_path: Path
) -> None:
    """The machine's steps for a deposit the till took offline on a layby central voided,
    then its fulfilment of it: once the fulfilment is booked by ``record_sale`` the deposit
    is too (taken on central's order, nothing paid back out of the drawer); the check then
    finds the same money and status at both ends."""
    machine = _steps(chain, tmp_path)
    try:
        machine.layby_at_till(unit=2, method="cash", deposit=200)
        machine.sync(one_off=True)
        machine.collect_at_till_while_central_closes(
            k=0, close="void", method="cash", over=0, deposit=300
        )
        machine.sync(one_off=False)
        assert _open_errors(chain, machine) == ["order_closed", "order_closed"]
        machine.book_at_central(k=1)  # the fulfilment: the deposit offers accept only
        assert machine.booked == ["order_fulfil:record_sale"]
        machine.book_at_central(k=0)  # the deposit, on the order owing 500
        assert sorted(machine.booked) == ["order_fulfil:record_sale", "order_pay:record_sale"]
        assert machine.deposits_refunded == ZERO
        [order] = machine.orders
        central = chain.server.db
        assert _total(central, order) - sum(_net(central, order).values(), ZERO) == 200
    finally:
        machine.teardown()
