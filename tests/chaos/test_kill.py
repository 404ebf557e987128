"""A `serialpos apply` child is killed with SIGKILL at a random moment, K times (K=6 in CI,
``CHAOS_KILLS`` by hand), on SQLite and PostgreSQL: every verdict it printed before dying
holds in the database, no line is half-applied, and `db check` (hash chains included)
passes after every kill."""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from chaoskit import cli_env, make_shop, popen, size, violations

from serialpos.db.engine import Database


def _ops(round_no: int, in_stock: list[str], rng: random.Random) -> tuple[str, list[list[str]]]:
    """A round's lines: receipts of three new serials, sales of serials in stock, quantity
    moves of CB1. Returns the text and the serials of each receipt line."""
    lines, receipts = [], []
    to_sell = rng.sample(in_stock, min(len(in_stock), 40))
    for n in range(60):
        serials = [f"K{round_no:02d}-{n:03d}-{k}" for k in range(3)]
        receipts.append(serials)
        lines.append({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})
        if to_sell:
            lines.append({"op": "sell", "store": "S1", "sku": "PH1", "serial": to_sell.pop()})
        lines.append(
            {
                "op": rng.choice(["receive", "sell"]),
                "store": "S1",
                "sku": "CB1",
                "quantity": rng.randint(1, 3),
            }
        )
    return "".join(json.dumps(line) + "\n" for line in lines), receipts


def _states(url: str) -> dict[str, str]:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return dict(conn.execute(sa.text("SELECT serial, state FROM serial_unit")).all())
    finally:
        db.dispose()


def test_killed_apply_runs_lose_and_half_apply_nothing(db_url: str, tmp_path: Path) -> None:
    kills = size("CHAOS_KILLS", 6)
    make_shop(db_url, [f"K-{i:03d}" for i in range(40)])
    env = cli_env(tmp_path)
    rng = random.Random(11)
    in_stock = [f"K-{i:03d}" for i in range(40)]
    cut_short = 0  # rounds the kill really interrupted (some lines printed, not all)
    for round_no in range(kills):
        text, receipts = _ops(round_no, in_stock, rng)
        child = popen("--db", db_url, "--user", "ada", "apply", "-", env=env)
        assert child.stdin is not None and child.stdout is not None
        printed: list[str] = []

        def read(stream: IO[str], into: list[str]) -> None:
            into.extend(stream)

        reader = threading.Thread(target=read, args=(child.stdout, printed))
        reader.start()
        try:
            child.stdin.write(text)
            child.stdin.flush()
        except BrokenPipeError:
            pass
        # The kill lands at a random moment while lines are applied, whatever the machine's
        # speed: after the first verdict is out (a fixed delay either missed the whole run on
        # a quiet machine, or fell before the child had started under load).
        started = time.monotonic()
        while not printed and child.poll() is None and time.monotonic() - started < 60:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.2))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        reader.join(timeout=60)
        verdicts = [json.loads(line) for line in printed if line.endswith("\n")]
        cut_short += 0 < len(verdicts) < text.count("\n")
        states = _states(db_url)
        for verdict in verdicts:
            if not verdict["ok"]:
                continue
            for unit in verdict.get("units", []):
                assert states[unit["serial"]] in ("in_stock", "sold"), verdict
                if verdict["op"] == "sell":
                    assert states[unit["serial"]] == "sold", verdict
        for serials in receipts:  # all or nothing, printed or not
            present = [s in states for s in serials]
            assert all(present) or not any(present), serials
        assert violations(db_url) == [], f"round {round_no}"
        in_stock = [s for s, state in states.items() if state == "in_stock"]
    assert cut_short >= min(kills, 3) // 2, "the kills must land while lines are applied"
