"""N processes race for the same serials, through the services and through `serialpos
apply`, on SQLite and PostgreSQL: each serial is sold exactly once, every loser gets a
refusal (never an error), and `db check` holds. N=20 service racers and 12 `apply` processes
in CI (each started from tests/cli_fork.py's fork server; ``CHAOS_RACERS`` sets both;
100 by hand)."""

from __future__ import annotations

import json
import multiprocessing
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chaoskit import cli_env, make_shop, serialpos, size, violations

SERIALS = [f"R{i:03d}" for i in range(10)]


def _sell_each(url: str, order: list[str], out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from serialpos.db.engine import Database
    from serialpos.domain.errors import DomainError
    from serialpos.domain.states import Action
    from serialpos.domain.users import Role
    from serialpos.services import ledger
    from serialpos.services.context import Actor

    db = Database(url)
    actor = Actor(user="ada", role=Role.ADMIN, terminal=f"racer-{order[0]}")
    won, refused = [], []
    for serial in order:
        try:
            ledger.move(db, actor, Action.SELL, store="S1", sku="PH1", serials=[serial])
            won.append(serial)
        except DomainError as exc:
            refused.append(exc.code)
    db.dispose()
    out.put((won, refused))


def test_racing_service_calls_sell_each_serial_once(db_url: str) -> None:
    racers = size("CHAOS_RACERS", 20)
    make_shop(db_url, SERIALS)
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    workers = [
        context.Process(
            target=_sell_each,
            args=(db_url, random.Random(n).sample(SERIALS, len(SERIALS)), results),
        )
        for n in range(racers)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    won = sorted(s for w, _ in outcomes for s in w)
    assert won == SERIALS  # each exactly once
    assert {code for _, refused in outcomes for code in refused} <= {"already_sold"}
    assert sum(len(r) for _, r in outcomes) == len(SERIALS) * (racers - 1)
    assert violations(db_url) == []


def test_racing_apply_processes_sell_each_serial_once(db_url: str, tmp_path: Path) -> None:
    racers = size("CHAOS_RACERS", 12)
    make_shop(db_url, SERIALS)
    env = cli_env(tmp_path)
    # Each racer a process of its own, all started at once from the fork server (cli_fork.py:
    # no interpreter start each, which at a load of 20 spread the racers over minutes).
    inputs = [
        "".join(
            json.dumps({"op": "sell", "store": "S1", "sku": "PH1", "serial": s}) + "\n"
            for s in random.Random(n).sample(SERIALS, len(SERIALS))
        )
        for n in range(racers)
    ]
    args = ("--db", db_url, "--user", "ada", "apply", "-")
    with ThreadPoolExecutor(racers) as pool:
        done = list(
            pool.map(lambda lines: serialpos(*args, env=env, stdin=lines, timeout=300), inputs)
        )
    verdicts = []
    for child in done:
        assert child.returncode in (0, 1), child.stderr
        assert "Traceback" not in child.stderr and child.stderr == "", child.stderr
        verdicts += [json.loads(line) for line in child.stdout.splitlines()]
    assert len(verdicts) == racers * len(SERIALS)
    sold = sorted(v["units"][0]["serial"] for v in verdicts if v["ok"])
    assert sold == SERIALS
    assert {v["error"] for v in verdicts if not v["ok"]} <= {"already_sold"}
    assert violations(db_url) == []
