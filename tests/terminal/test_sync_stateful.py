"""Hypothesis stateful test (issue 16): one central server (``serialpos serve`` on
PostgreSQL) and three store terminals (each its own SQLite and the real sync client, two at
S1 and one at S2), each behind its own loopback proxy that a rule cuts, slows or restores.
Random sales, returns of what they sold (``order_return`` of the sale's order), receipts
(the same new serial at both stores too), transfers S1 -> S2 and counts at random
terminals, units sent back to the vendor, written off, found again and received back from
the vendor at S1's tills, sales and returns at S2's till of units S1 shipped there,
sales and returns at central, syncs through the proxies, and
``serialpos sync`` processes killed with SIGKILL mid-sync; cables (a product without
serials) sold with a phone at the counter, on receipts, shipments and their receipt, counted,
and sold at central. After the links return and
everything syncs, the invariants of ../shared/OFFLINE.md hold: every entry reached central
exactly once; every entry whose precondition failed has exactly one conflict; ``db check``
is clean everywhere (central's units equal the fold of their events); each terminal's units
and its on-hand of cables equal central's for its store, and so does its copy of every unit
its store shipped to another store (whichever till shipped it) and the sender's copy of
each transfer it shipped; replaying any prefix of a journal changes nothing.

CI runs a small size; ``SERIALPOS_STATEFUL_EXAMPLES`` / ``SERIALPOS_STATEFUL_STEPS`` run
the documented full size (docs/offline.md)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from link_proxy import LinkProxy
from terminal_chain import Chain

from serialpos.config import ChainConfig
from serialpos.db.engine import Database
from serialpos.services import tokens, users
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.terminal import bootstrap, journaled
from serialpos.terminal.client import CentralClient, Offline
from serialpos.terminal.sync import sync_once

UNITS = 4
EXAMPLES = int(os.environ.get("SERIALPOS_STATEFUL_EXAMPLES", "6"))
STEPS = int(os.environ.get("SERIALPOS_STATEFUL_STEPS", "16"))
#: Seconds a till waits for central before it calls the link down; a slowed link holds
#: each chunk longer, so central may apply an entry whose answer never arrives.
TIMEOUT = 1.5
SLOW = 2.0
#: Shrinking a run of real processes takes minutes; SERIALPOS_STATEFUL_SHRINK=1 allows it.
PHASES = (
    list(Phase)
    if os.environ.get("SERIALPOS_STATEFUL_SHRINK")
    else [Phase.explicit, Phase.reuse, Phase.generate]
)

SENT_SQL = (
    "SELECT t.number, t.status FROM transfer t JOIN store s ON s.id = t.from_store_id "
    "WHERE s.code = :store AND t.number LIKE :p"
)
#: The units central holds on transfers shipped from a store: a till of that store follows
#: them to the other store (services/transfers/sent.py), whichever till shipped them.
SHIPPED_SQL = (
    "SELECT DISTINCT u.serial FROM transfer_unit u JOIN transfer t ON t.id = u.transfer_id "
    "JOIN store s ON s.id = t.from_store_id WHERE s.code = :store AND u.serial LIKE :p"
)
WHERE_SQL = (
    "SELECT u.serial, t.code, u.state FROM serial_unit u JOIN store t ON t.id = u.store_id "
    "WHERE u.serial LIKE :p"
)
#: A store's on-hand of a product without serials (the cables the rules move by quantity).
STOCK_SQL = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = 'CAB'"
)
UNITS_SQL = (
    "SELECT u.serial, u.state FROM serial_unit u JOIN store t ON t.id = u.store_id "
    "WHERE t.code = :store AND u.serial LIKE :p"
)


class _Till:
    def __init__(self, chain: Chain, folder: Path, name: str, store: str) -> None:
        ada = users.actor_for(chain.server.db, "ada", "setup")
        self.token = tokens.create_token(chain.server.db, ada, "mia", name)[0]
        self.config_path = folder / f"{name}.toml"
        bootstrap.init(
            server=chain.server.base,
            token=self.token,
            store=store,
            terminal=name,
            config_path=self.config_path,
            db_path=folder / f"{name}.sqlite",
        )
        self.db = Database(f"sqlite:///{folder / f'{name}.sqlite'}")
        self.actor: Actor = users.actor_for(self.db, "mia", name)
        self.name, self.store = name, store
        self.config = ChainConfig(chain.server.base, self.token, store, name)
        port = int(chain.server.base.rsplit(":", 1)[1])
        self.proxy = LinkProxy(port)
        self.client = CentralClient(self.proxy.base, self.token, timeout=TIMEOUT)
        self.direct = CentralClient(chain.server.base, self.token, timeout=60)
        self.env = {
            k: v
            for k, v in chain.server.env.items()
            if k not in ("SERIALPOS_CONFIG", "SERIALPOS_USER", "SERIALPOS_DB")
        } | {"XDG_DATA_HOME": str(folder), "SERIALPOS_OUTBOX": str(folder / "outbox")}

    def apply(self, line: dict[str, Any]) -> dict[str, Any]:
        body = io.BytesIO((json.dumps(line) + "\n").encode())
        return next(iter(journaled.apply_stream(self.db, self.actor, body, None, self.name)))

    def units(self, prefix: str) -> dict[str, str]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(sa.text(UNITS_SQL), {"store": self.store, "p": prefix + "%"})
            return {str(a): str(b) for a, b in rows}

    def where(self, prefix: str) -> dict[str, tuple[str, str]]:
        """Every unit's store and state here, wherever the till has it."""
        with self.db.engine.connect() as conn:
            rows = conn.execute(sa.text(WHERE_SQL), {"p": prefix + "%"})
            return {str(a): (str(b), str(c)) for a, b, c in rows}

    def cables(self) -> int:
        """The till's on-hand of cables at its own store."""
        with self.db.engine.connect() as conn:
            return int(conn.execute(sa.text(STOCK_SQL), {"store": self.store}).scalar_one())

    def sent(self, prefix: str) -> dict[str, str]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(sa.text(SENT_SQL), {"store": self.store, "p": prefix + "%"})
            return {str(a): str(b) for a, b in rows}

    def journal(self) -> list[tuple[str, str, str]]:
        with self.db.engine.connect() as conn:
            q = sa.text("SELECT id, state, line FROM journal_entry ORDER BY seq")
            return [(str(a), str(b), str(c)) for a, b, c in conn.execute(q)]

    def close(self) -> None:
        self.proxy.close()
        self.client.close()
        self.direct.close()
        self.db.dispose()


class SyncMachine(RuleBasedStateMachine):
    chain: Chain
    folder: Path

    @initialize()
    def setup(self) -> None:
        self.prefix = f"H{uuid.uuid4().hex[:6]}-"
        self.serials = [f"{self.prefix}{i}" for i in range(UNITS)]
        self.new = [f"{self.prefix}N{i}" for i in range(2)]
        self.transfers = 0
        #: serial -> the transfer id it was last shipped on from a till.
        self.shipped: dict[str, str] = {}
        #: transfer id -> the cables shipped on it with the unit.
        self.cables: dict[str, int] = {}
        #: (where, serial) -> the order the unit was sold on there (a till's index, or
        #: "central"): its return is that order's ``order_return``, as a shop takes it back.
        self.sold_on: dict[tuple[int | str, str], str] = {}
        received = self.chain.post(
            {"op": "receive", "store": "S1", "sku": "PH1", "serials": self.serials},
            {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 20},
            {"op": "receive", "store": "S2", "sku": "CAB", "quantity": 10},
        )
        assert all(r["ok"] for r in received), received
        folder = self.folder / self.prefix
        folder.mkdir()
        stores = ["S1", "S1", "S2"]
        self.tills = [
            _Till(self.chain, folder, f"{self.prefix}t{n}", store) for n, store in enumerate(stores)
        ]

    def _line(self, op: str, serial: str, store: str = "S1") -> dict[str, Any]:
        return {"op": op, "store": store, "sku": "PH1", "serial": serial}

    def _sold(self, where: int | str, serial: str, result: dict[str, Any]) -> None:
        """A sale made: its order kept for the unit's return there."""
        if result.get("ok"):
            assert result.get("order"), result  # every sale is an order
            self.sold_on[(where, serial)] = str(result["order"])

    def _sell_or_return(self, where: int | str, serial: str, store: str, op: str) -> None:
        """A sale of the unit (``sell``: an order and its invoice), or the return of it on the
        order it was sold on here (``order_return``). A bare ``return`` of a unit sold on an
        order is always refused ``sold_on_order`` (services/sold_on_order.py): the model drew
        returns that never took place. A unit not sold here: another unit sold here comes
        back instead (the draw names a unit, the model returns what it sold); none, nothing."""
        if op == "return":
            if (where, serial) not in self.sold_on:
                mine = [s for w, s in self.sold_on if w == where]
                if not mine:
                    return
                serial = mine[0]
            order = self.sold_on[(where, serial)]
            line = {"op": "order_return", "order": order, "serials": [serial]}
        else:
            line = self._line("sell", serial, store)
        if where == "central":
            (result,) = self.chain.post(line)
        else:
            assert isinstance(where, int)
            result = self.tills[where].apply(line)
        if op == "sell":
            self._sold(where, serial, result)
        elif result.get("ok"):
            del self.sold_on[(where, serial)]

    @rule(
        till=st.integers(0, 1),
        unit=st.integers(0, UNITS - 1),
        op=st.sampled_from(["sell", "return"]),
    )
    def at_till(self, till: int, unit: int, op: str) -> None:
        self._sell_or_return(till, self.serials[unit], "S1", op)

    @rule(till=st.integers(0, 1), unit=st.integers(0, UNITS - 1))
    def sell_with_cable(self, till: int, unit: int) -> None:
        """A counter sale of a phone and a cable: when the phone was sold elsewhere first the
        whole sale is a conflict, and the till's cable goes back (terminal/quantities.py)."""
        lines = [{"sku": "PH1", "serial": self.serials[unit]}, {"sku": "CAB", "quantity": 1}]
        sold = self.tills[till].apply(
            {
                "op": "order_create",
                "store": "S1",
                "lines": lines,
                "fulfil": True,
                "payments": [{"method": "cash", "amount": "5000.00"}],
            }
        )
        self._sold(till, self.serials[unit], sold)

    @rule(till=st.integers(0, 2), unit=st.integers(0, 1), cables=st.integers(0, 2))
    def receive_new(self, till: int, unit: int, cables: int = 0) -> None:
        """New units at any till, the same serials at every one: received at both S1 tills,
        or at S1 and at S2 offline, only the first to reach central stands; the others are
        conflicts, and a till whose store lost the unit gives it up to the store central has
        it at (terminal/central_state.py). Cables on the same receipt leave the losing
        till's stock again (terminal/quantities.py)."""
        t = self.tills[till]
        if not cables:
            t.apply(self._line("receive", self.new[unit], t.store))
            return
        items = [{"sku": "PH1", "serials": [self.new[unit]]}, {"sku": "CAB", "quantity": cables}]
        t.apply({"op": "receive", "store": t.store, "vendor": "Acme", "items": items})

    @rule(till=st.integers(0, 1), unit=st.integers(0, UNITS - 1), cables=st.integers(0, 2))
    def ship_to_s2(self, till: int, unit: int, cables: int = 0) -> None:
        self.transfers += 1
        transfer = f"{self.prefix}TR{self.transfers}"
        line = self._line("transfer_out", self.serials[unit]) | {
            "to": "S2",
            "transfer": transfer,
            "create": True,
        }
        if cables:
            line = {k: v for k, v in line.items() if k not in ("sku", "serial")} | {
                "items": [
                    {"sku": "PH1", "serials": [self.serials[unit]]},
                    {"sku": "CAB", "quantity": cables},
                ]
            }
        if self.tills[till].apply(line)["ok"]:
            self.shipped[self.serials[unit]] = transfer
            self.cables[transfer] = cables

    @rule(unit=st.integers(0, UNITS - 1))
    def receive_at_s2(self, unit: int) -> None:
        serial = self.serials[unit]
        transfer = self.shipped.get(serial)
        if transfer is None:
            return
        line = self._line("transfer_in", serial, "S2") | {"transfer": transfer}
        cables = self.cables.get(transfer, 0)
        if cables:
            line = {
                "op": "transfer_in",
                "store": "S2",
                "transfer": transfer,
                "items": [
                    {"sku": "PH1", "serials": [serial]},
                    {"sku": "CAB", "quantity": cables},
                ],
            }
        self.tills[2].apply(line)

    @rule(unit=st.integers(0, UNITS + 1), op=st.sampled_from(["sell", "return"]))
    def at_s2(self, unit: int, op: str) -> None:
        """A unit S1 shipped, or a new one S2 won, sold or returned at S2's till: none of it
        is in S1's feed, yet each S1 till's copy must end as central's
        (services/transfers/away.py)."""
        self._sell_or_return(2, (self.serials + self.new)[unit], "S2", op)

    @rule(
        till=st.integers(0, 1),
        seen=st.sets(st.integers(0, UNITS - 1)),
        cables=st.none() | st.integers(0, 25),
    )
    def count_s1(self, till: int, seen: set[int], cables: int | None = None) -> None:
        """A count approved at a till, of the phones and maybe of the cables: a count is
        absolute, so central moves the cables by its own on-hand's difference, and the till
        ends as central (terminal/quantities.py ``follow_count``)."""
        scans: list[dict[str, Any]] = [
            {"sku": "PH1", "serial": self.serials[i]} for i in sorted(seen)
        ]
        products = ["PH1"]
        if cables is not None:
            scans.append({"sku": "CAB", "quantity": cables})
            products.append("CAB")
        self.tills[till].apply(
            {
                "op": "count",
                "store": "S1",
                "products": products,
                "approve": True,
                "batches": [{"counter": "mia", "scans": scans}],
            }
        )

    @rule(
        till=st.integers(0, 1),
        unit=st.integers(0, UNITS - 1),
        op=st.sampled_from(["rtv", "remove", "add", "back"]),
        cables=st.integers(0, 2),
    )
    def out_and_back(self, till: int, unit: int, op: str, cables: int) -> None:
        """A unit leaving stock other than by a sale, and coming back, at an S1 till: sent
        back to the vendor (``rtv``), written off (``adjust`` remove), found again
        (``adjust`` add) or received back from the vendor (``receive``), maybe with cables.
        Offline, another till or central may have sold, shipped or written off the same
        unit meanwhile: central takes the first, the others are conflicts, and the till's
        unit and cables end as central's."""
        serial = self.serials[unit]
        phone: dict[str, Any] = {"sku": "PH1"}
        line: dict[str, Any] = {"store": "S1"}
        if op == "rtv":
            phone["serials"] = [serial]
            line |= {"op": "rtv", "vendor": "Acme", "reason": "faulty"}
        elif op == "back":
            phone["serials"] = [serial]
            line |= {"op": "receive", "vendor": "Acme"}
        else:
            phone["remove" if op == "remove" else "add"] = [serial]
            line |= {"op": "adjust", "reason": "damaged" if op == "remove" else "found"}
        items = [phone]
        if cables:
            sign = -1 if op in ("rtv", "remove") else 1
            items.append({"sku": "CAB", "quantity": sign * cables if op != "rtv" else cables})
        self.tills[till].apply(line | {"items": items})

    @rule(unit=st.integers(0, UNITS - 1), op=st.sampled_from(["sell", "return"]))
    def at_central(self, unit: int, op: str) -> None:
        self._sell_or_return("central", self.serials[unit], "S1", op)

    @rule(store=st.sampled_from(["S1", "S2"]), quantity=st.integers(1, 2))
    def cables_at_central(self, store: str, quantity: int) -> None:
        """Cables sold at central: the tills' stock of them moves by the feed, and a count a
        till approved meanwhile meets central's on-hand, not its own."""
        self.chain.post({"op": "sell", "store": store, "sku": "CAB", "quantity": quantity})

    @rule(till=st.integers(0, 2), mode=st.sampled_from(["up", "up", "down", "slow"]))
    def link(self, till: int, mode: str) -> None:
        proxy = self.tills[till].proxy
        {"up": proxy.up, "down": proxy.down, "slow": lambda: proxy.slow(SLOW)}[mode]()

    @rule(till=st.integers(0, 2))
    def sync(self, till: int) -> None:
        t = self.tills[till]
        before = t.journal()
        try:
            sync_once(t.db, t.config, t.client)
            assert t.proxy.mode != "down", "a sync through a cut line cannot succeed"
        except Offline:
            assert t.proxy.mode != "up", "a sync through a working line must succeed"
        _kept(before, t.journal())

    @rule(till=st.integers(0, 2), after=st.floats(0.0, 0.8))
    def killed_mid_sync(self, till: int, after: float) -> None:
        """``serialpos sync`` (straight to central) killed with SIGKILL part way."""
        t = self.tills[till]
        before = t.journal()
        process = subprocess.Popen(
            [sys.executable, "-m", "serialpos", "--config", str(t.config_path), "sync"],
            env=t.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(after)
        process.send_signal(signal.SIGKILL)
        process.wait()
        _kept(before, t.journal())

    def teardown(self) -> None:
        if not hasattr(self, "tills"):
            return
        try:
            self._check()
        finally:
            for t in self.tills:
                t.close()

    def _check(self) -> None:
        for t in self.tills * 2:  # twice round: each sees what the others pushed
            t.proxy.up()
            report = sync_once(t.db, t.config, t.direct)
            assert report.pending == 0, report
        ids: list[str] = []
        for t in self.tills:
            for entry_id, state, _line in t.journal():
                assert state in ("accepted", "conflict"), (t.name, entry_id, state)
                ids.append(entry_id)
                conflicts = self.chain.scalar(
                    "SELECT count(*) FROM sync_conflict WHERE entry_id = :e", e=entry_id
                )
                assert conflicts == (1 if state == "conflict" else 0), (entry_id, state)
        if ids:  # every entry reached central exactly once
            with self.chain.server.db.engine.connect() as conn:
                found = (
                    conn.execute(
                        sa.text(
                            "SELECT id FROM apply_outcome WHERE id IN "
                            "(SELECT unnest(CAST(:ids AS text[])))"
                        ),
                        {"ids": ids},
                    )
                    .scalars()
                    .all()
                )
            assert sorted(found) == sorted(ids)
        assert [f for f in check_ledger(self.chain.server.db) if f.violation] == []
        for t in self.tills:
            assert [f for f in check_ledger(t.db) if f.violation] == [], t.name
            with self.chain.server.db.engine.connect() as conn:
                rows = conn.execute(sa.text(UNITS_SQL), {"store": t.store, "p": self.prefix + "%"})
                central = {str(a): str(b) for a, b in rows}
            assert t.units(self.prefix) == central, (t.name, t.units(self.prefix), central)
            # Quantities too (a product without serials): the till's on-hand of cables at
            # its store is central's, whatever central did not take or took differently.
            cables = int(self.chain.scalar(STOCK_SQL, store=t.store))
            assert t.cables() == cables, (t.name, t.cables(), cables)
            # The units its store shipped, wherever they are now: whichever till shipped
            # them, each till's copy follows them to the other store; and so does every unit
            # it holds at another store (a conflict gave it up there), sold there or not.
            held = t.where(self.prefix)
            with self.chain.server.db.engine.connect() as conn:
                p = {"store": t.store, "p": self.prefix + "%"}
                shipped = set(conn.execute(sa.text(SHIPPED_SQL), p).scalars())
                shipped |= {k for k, (store, _state) in held.items() if store != t.store}
                rows = conn.execute(sa.text(WHERE_SQL), p)
                central_at = {str(a): (str(b), str(c)) for a, b, c in rows if a in shipped}
            here_at = {k: v for k, v in held.items() if k in shipped}
            assert here_at == central_at, (t.name, here_at, central_at)
            # The sender's copy of each transfer central holds is central's (received at S2
            # or still shipped); a shipment central refused (a conflict) has none there.
            with self.chain.server.db.engine.connect() as conn:
                rows = conn.execute(sa.text(SENT_SQL), {"store": t.store, "p": self.prefix + "%"})
                sent = {str(a): str(b) for a, b in rows}
            mine = {n: st for n, st in t.sent(self.prefix).items() if n in sent}
            assert mine == {n: sent[n] for n in mine}, (t.name, mine, sent)
            # A shipment central did not take is marked refused there, never left shipped.
            gone = {n: st for n, st in t.sent(self.prefix).items() if n not in sent}
            assert set(gone.values()) <= {"refused"}, (t.name, gone)
        # Replaying a prefix of each journal changes nothing at central.
        for t in self.tills:
            lines = [line for _id, _state, line in t.journal()]
            if not lines:
                continue
            prefix = lines[: max(1, len(lines) // 2)] * 2  # the prefix, twice
            events = self.chain.scalar("SELECT count(*) FROM ledger_event")
            verdicts = t.direct.post_lines(prefix)
            assert all(v.get("replayed") for v in verdicts), verdicts
            assert self.chain.scalar("SELECT count(*) FROM ledger_event") == events


def _kept(before: list[tuple[str, str, str]], after: list[tuple[str, str, str]]) -> None:
    """Nothing made is lost or changed: the same entries, in order, with the same lines;
    an entry only ever moves from pending to settled."""
    assert [(i, line) for i, _s, line in after[: len(before)]] == [
        (i, line) for i, _s, line in before
    ]
    for (_i, was, _l), (_j, now, _m) in zip(before, after, strict=False):
        assert was == now or was == "pending", (was, now)


def test_terminals_converge(chain: Chain, tmp_path: Path) -> None:
    SyncMachine.chain = chain
    SyncMachine.folder = tmp_path
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=PHASES,
        ),
    )


def test_the_check_follows_a_unit_another_till_shipped(chain: Chain, tmp_path: Path) -> None:
    """The machine's own steps, written out, for the case the random runs meet only now and
    then: till 0 ships a unit to S2, S2 receives it, and till 1 (same store, no copy of the
    transfer) must end with central's state of it; the final check compares it."""
    SyncMachine.chain = chain
    SyncMachine.folder = tmp_path
    machine = SyncMachine()
    machine.setup()
    try:
        machine.sync(1)  # till 1 holds the unit in stock at S1
        machine.ship_to_s2(0, 0)
        machine.sync(0)
        machine.sync(1)  # the feed: in transit to S2 at till 1
        machine.sync(2)  # S2 keeps the incoming transfer
        machine.receive_at_s2(0)
        machine.sync(2)
        serial = machine.serials[0]
        assert machine.tills[1].where(machine.prefix)[serial] == ("S2", "in_transit")
    finally:
        machine.teardown()  # everything syncs, then the invariants are checked
    assert machine.tills[1].where(machine.prefix)[serial] == ("S2", "in_stock")


def test_the_check_follows_a_unit_sold_at_the_other_store(chain: Chain, tmp_path: Path) -> None:
    """The machine's steps for a unit S1 shipped that S2 then sells, after both S1 tills
    followed its receipt (the random runs seldom order it so): the final check compares each
    S1 till's copy with central's, sold at S2."""
    SyncMachine.chain = chain
    SyncMachine.folder = tmp_path
    machine = SyncMachine()
    machine.setup()
    try:
        machine.ship_to_s2(0, 0)
        for till in (0, 1, 2):
            machine.sync(till)
        machine.receive_at_s2(0)
        for till in (2, 0, 1):
            machine.sync(till)
        serial = machine.serials[0]
        assert machine.tills[1].where(machine.prefix)[serial] == ("S2", "in_stock")
        machine.at_s2(0, "sell")
        machine.sync(2)
    finally:
        machine.teardown()  # everything syncs, then the invariants are checked
    assert machine.tills[0].where(machine.prefix)[serial] == ("S2", "sold")
    assert machine.tills[1].where(machine.prefix)[serial] == ("S2", "sold")
