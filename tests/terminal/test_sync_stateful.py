"""Hypothesis stateful test (issue 16): one central server (``serialpos serve`` on
PostgreSQL) and two store terminals (each its own SQLite, the real sync client), random
sales, returns and receipts at random terminals and at central, random syncs with the link
up or down. After the links return and everything syncs, the invariants of
../shared/OFFLINE.md hold: every entry reached central exactly once; every entry whose
precondition failed has exactly one conflict; ``db check`` is clean everywhere; each
terminal's units equal central's for its store; replaying a journal changes nothing.
(Terminals killed with SIGKILL mid-sync are test_sync_faults.py's subject.)"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from api_serving import free_port
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
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


class _Till:
    def __init__(self, chain: Chain, folder: Path, name: str) -> None:
        ada = users.actor_for(chain.server.db, "ada", "setup")
        self.token = tokens.create_token(chain.server.db, ada, "mia", name)[0]
        bootstrap.init(
            server=chain.server.base,
            token=self.token,
            store="S1",
            terminal=name,
            config_path=folder / f"{name}.toml",
            db_path=folder / f"{name}.sqlite",
        )
        self.db = Database(f"sqlite:///{folder / f'{name}.sqlite'}")
        self.actor: Actor = users.actor_for(self.db, "mia", name)
        self.name = name
        self.config = ChainConfig(chain.server.base, self.token, "S1", name)
        self.online = CentralClient(chain.server.base, self.token, timeout=30)
        self.offline = CentralClient(f"http://127.0.0.1:{free_port()}", self.token, timeout=1)

    def apply(self, line: dict[str, Any]) -> None:
        body = io.BytesIO((json.dumps(line) + "\n").encode())
        list(journaled.apply_stream(self.db, self.actor, body, None, self.name))

    def units(self, serials: list[str]) -> dict[str, str]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT serial, state FROM serial_unit"))
            return {s: state for s, state in rows if s in serials}

    def journal(self) -> list[tuple[str, str, str]]:
        with self.db.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    sa.text("SELECT id, state, line FROM journal_entry ORDER BY seq")
                )
            ]  # type: ignore[misc]

    def close(self) -> None:
        self.online.close()
        self.offline.close()
        self.db.dispose()


class SyncMachine(RuleBasedStateMachine):
    chain: Chain
    folder: Path

    @initialize()
    def setup(self) -> None:
        self.prefix = f"H{uuid.uuid4().hex[:6]}-"
        self.serials = [f"{self.prefix}{i}" for i in range(UNITS)]
        self.new = [f"{self.prefix}N{i}" for i in range(2)]
        assert self.chain.post(
            {"op": "receive", "store": "S1", "sku": "PH1", "serials": self.serials}
        )[0]["ok"]
        folder = self.folder / self.prefix
        folder.mkdir()
        self.tills = [_Till(self.chain, folder, f"{self.prefix}t{n}") for n in range(2)]

    def _line(self, op: str, serial: str) -> dict[str, Any]:
        return {"op": op, "store": "S1", "sku": "PH1", "serial": serial}

    @rule(
        till=st.integers(0, 1),
        unit=st.integers(0, UNITS - 1),
        op=st.sampled_from(["sell", "return"]),
    )
    def at_till(self, till: int, unit: int, op: str) -> None:
        self.tills[till].apply(self._line(op, self.serials[unit]))

    @rule(till=st.integers(0, 1), unit=st.integers(0, 1))
    def receive_new(self, till: int, unit: int) -> None:
        self.tills[till].apply(self._line("receive", self.new[unit]))

    @rule(unit=st.integers(0, UNITS - 1), op=st.sampled_from(["sell", "return"]))
    def at_central(self, unit: int, op: str) -> None:
        self.chain.post(self._line(op, self.serials[unit]))

    @rule(till=st.integers(0, 1), link_up=st.booleans())
    def sync(self, till: int, link_up: bool) -> None:
        t = self.tills[till]
        if link_up:
            sync_once(t.db, t.config, t.online)
            return
        before = t.journal()
        try:
            sync_once(t.db, t.config, t.offline)
            raise AssertionError("a sync with the link down cannot succeed")
        except Offline:
            pass
        assert t.journal() == before  # nothing settled, nothing lost

    def teardown(self) -> None:
        if not hasattr(self, "tills"):
            return
        try:
            self._check()
        finally:
            for t in self.tills:
                t.close()

    def _check(self) -> None:
        for t in self.tills * 2:  # twice round: each sees what the other pushed
            report = sync_once(t.db, t.config, t.online)
            assert report.pending == 0, report
        ids: list[str] = []
        for t in self.tills:
            for entry_id, state, _line in t.journal():
                assert state in ("accepted", "conflict"), (entry_id, state)
                ids.append(entry_id)
                conflicts = self.chain.scalar(
                    "SELECT count(*) FROM sync_conflict WHERE entry_id = :e", e=entry_id
                )
                assert conflicts == (1 if state == "conflict" else 0)
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
        every = self.serials + self.new
        with self.chain.server.db.engine.connect() as conn:
            central = {
                s: state
                for s, state in conn.execute(
                    sa.text(
                        "SELECT u.serial, u.state FROM serial_unit u "
                        "JOIN store t ON t.id = u.store_id WHERE t.code = 'S1' AND u.serial LIKE :p"
                    ),
                    {"p": self.prefix + "%"},
                )
            }
        for t in self.tills:
            assert [f for f in check_ledger(t.db) if f.violation] == []
            assert t.units(every) == central, (t.name, t.units(every), central)
        # Replaying a whole journal changes nothing at central.
        t = self.tills[0]
        lines = [line for _id, _state, line in t.journal()]
        if lines:
            events = self.chain.scalar("SELECT count(*) FROM ledger_event")
            verdicts = t.online.post_lines(lines)
            assert all(v.get("replayed") for v in verdicts), verdicts
            assert self.chain.scalar("SELECT count(*) FROM ledger_event") == events


def test_terminals_converge(chain: Chain, tmp_path: Path) -> None:
    SyncMachine.chain = chain
    SyncMachine.folder = tmp_path
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=14,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
