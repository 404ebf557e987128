"""A store terminal's pull on a long ledger (issue 16): the store's events after its cursor.

Every push of a store terminal is followed by a pull of its store's feed after its cursor
(services/feed.py ``events_after`` with a store). Until migration 0028 the store was found on
the event, through ``ix_ledger_event_product_store`` (product first), and the pull's cost grew
with the ledger; with the store on the feed row (``ix_event_feed_store_seq``) it is one index
range as long as the page. This bench writes ``--stores`` stores of ``--units`` received units
each on PostgreSQL (bench/scale_setup.py: events and feed in bulk, interleaved by store so a
store's events are spread over the whole ledger), then, for one store, prints the plan
(EXPLAIN ANALYZE, BUFFERS) of two pulls and times ``--pulls`` of each (wall, this process's
CPU, PostgreSQL's): after a push (the cursor one round of all stores back) and a terminal a
day behind (half the ledger after its cursor, a page of 100).

    .venv/bin/python bench/feed_pull_bench.py [--stores 200] [--units 1000] [--pulls 500]
    PYTHONPATH=/work/old/src .venv/bin/python bench/feed_pull_bench.py   # another tree
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa

import scale_setup
from benchkit import PgCpu, pg_schema, uptime
from serialpos.db import feed as feed_sql
from serialpos.db import migrate, snapshot_sql
from serialpos.services import feed, products, stores, users
from serialpos.services.context import SYSTEM

#: Units received per store in one go: the ledger interleaves stores in rounds of this.
ROUND = 20


#: run.py's sizes (its ``run`` takes them as arguments; the command line's defaults are these).
RUN_KWARGS: dict[str, int] = {"stores_n": 200, "units": 1000, "pulls": 500}
QUICK_KWARGS: dict[str, object] = {"stores_n": 20, "units": 100, "pulls": 50}


def run(stores_n: int, units: int, pulls: int) -> None:
    with pg_schema() as central:
        migrate.upgrade(central)
        users.add_user(central, SYSTEM, "mia", "manager", "1234")
        mia = users.actor_for(central, "mia", "bench")
        products.create_product(central, mia, sku="PH1", name="Phone", serial_mode="required")
        codes = [f"S{n:04d}" for n in range(stores_n)]
        for code in codes:
            stores.add_store(central, SYSTEM, code, code)
        began = time.perf_counter()
        for start in range(0, units, ROUND):
            batch = {
                c: [f"{c}-{i:06d}" for i in range(start, min(units, start + ROUND))] for c in codes
            }
            scale_setup.receive(central, "PH1", "mia", batch)
        last = central.read(snapshot_sql.last_seq)
        central.write(lambda c: c.exec_driver_sql("ANALYZE"))
        print(
            f"ledger: {last:,} events ({stores_n} stores x {units} units, interleaved by "
            f"{ROUND}), written in {time.perf_counter() - began:.0f} s; load {uptime()}"
        )
        store = codes[stores_n // 2]
        store_id = central.read(
            lambda c: c.execute(sa.text("SELECT id FROM store WHERE code = :c"), {"c": store})
        ).scalar_one()
        compiled = feed_sql._STORE_PAGE.compile(dialect=central.engine.dialect)
        # After a push: the last round, ROUND of this store's events after the cursor; a
        # terminal a day behind: half the ledger after it, a page of 100 of its events.
        for after, limit in ((last - stores_n * ROUND, 1000), (last // 2, 100)):
            params = {**compiled.params, "after": after, "limit": limit, "store_id": store_id}
            plan = central.read(
                lambda c, params=params: (
                    c.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), params)
                    .scalars()
                    .all()
                )
            )
            print(f"-- the plan of a pull after {after:,}, at most {limit}:")
            print("\n".join(plan))
            pg = PgCpu(central).start()
            cpu = time.process_time()
            began = time.perf_counter()
            got = 0
            for _ in range(pulls):
                got += len(feed.events_after(central, after, limit, store).events)
            wall = time.perf_counter() - began
            cpu = time.process_time() - cpu
            pg_cpu = pg.stop()
            print(
                f"{pulls} pulls of store {store} after {after:,} ({got // pulls} events each): "
                f"{1000 * wall / pulls:.2f} ms wall, {1000 * cpu / pulls:.2f} ms CPU here, "
                f"{1000 * pg_cpu / pulls:.2f} ms PostgreSQL's, per pull; load {uptime()}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=RUN_KWARGS["stores_n"])
    parser.add_argument("--units", type=int, default=RUN_KWARGS["units"], help="per store")
    parser.add_argument("--pulls", type=int, default=RUN_KWARGS["pulls"])
    args = parser.parse_args()
    run(args.stores, args.units, args.pulls)


if __name__ == "__main__":
    main()
