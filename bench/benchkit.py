"""What the bench cases share: where their files go, which PostgreSQL they use (in a schema of
their own, dropped after), percentiles, call-by-call alternation with a floor or a peer, and
one command line for every case.

Not a case itself (``bench/run.py`` runs only ``*_bench.py``). Every case honours:

- ``SERIALPOS_BENCH_DIR``: the directory its files go in (put it on the disk you care about);
  a temporary directory is made inside it and removed afterwards.
- ``SERIALPOS_BENCH_PG`` (else the tests' ``SERIALPOS_TEST_PG``, else the local default): the
  PostgreSQL server; a case makes a schema ``bench_<random>`` there, works only in it and
  drops it at the end, so it never writes to a shared database's ``public`` schema.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from serialpos.db.engine import Database

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

Rows = list[tuple[str, str]]


# -- where ------------------------------------------------------------------------------
def bench_dir() -> str | None:
    """``SERIALPOS_BENCH_DIR`` when set (the directory must exist), else the system's."""
    return os.environ.get("SERIALPOS_BENCH_DIR") or None


def temp_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory inside ``SERIALPOS_BENCH_DIR`` (or the system's)."""
    return tempfile.TemporaryDirectory(prefix=prefix, dir=bench_dir())


def pg_url() -> str:
    return os.environ.get("SERIALPOS_BENCH_PG") or os.environ.get("SERIALPOS_TEST_PG") or PG_DEFAULT


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server did not answer: the case reports a skipped row."""


@contextmanager
def pg_schema(url: str | None = None) -> Iterator[Database]:
    """A :class:`Database` on ``url`` whose connections see only a new schema of their own
    (``search_path``), dropped with everything in it afterwards."""
    import sqlalchemy as sa

    from serialpos.db.engine import Database

    url = url or pg_url()
    admin = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # any failure means "not reachable"
        admin.dispose()
        raise PostgresUnavailable(str(exc).splitlines()[0][:70]) from exc
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    # Its connections carry the schema's name, so their server processes can be found
    # (pg_backend_cpu: PostgreSQL's own CPU for the case's work).
    db = Database(f"{url}{sep}options=-csearch_path%3D{schema}&application_name={schema}")
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


class PgCpu:
    """PostgreSQL's own CPU for a case: the CPU seconds of the server processes serving
    ``db``'s connections (a :func:`pg_schema` database, or a server started on its URL:
    they carry the schema's name as ``application_name``), read from /proc (the server on
    this machine). Read every ``every`` seconds on a thread of its own while running, so a
    connection a pool closes meanwhile keeps what it had spent when last read (a connection
    opened and closed between two reads is missed)."""

    def __init__(self, db: Database, every: float = 0.5) -> None:
        import sqlalchemy as sa

        url = sa.engine.make_url(db.url)
        name = url.query.get("application_name")
        self.name = name if isinstance(name, str) else None
        self.admin = sa.create_engine(url.set(query={}))
        self.every = every
        self.seen: dict[int, float] = {}
        self.first: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def read(self) -> dict[int, float]:
        """CPU seconds so far of each of the processes, by process id."""
        import sqlalchemy as sa

        if self.name is None:
            return {}
        with self.admin.connect() as conn:
            pids = conn.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :n"),
                {"n": self.name},
            ).scalars()
            found = {int(pid): proc_cpu(int(pid)) for pid in pids}
        return {pid: cpu for pid, cpu in found.items() if cpu is not None}

    def start(self) -> PgCpu:
        self.first = self.read()
        self.seen = dict(self.first)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(self.every):
            self._merge()

    def _merge(self) -> None:
        for pid, cpu in self.read().items():
            self.seen[pid] = max(cpu, self.seen.get(pid, 0.0))

    def stop(self) -> float:
        """CPU seconds spent since :meth:`start` (a process started since: all of it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._merge()
        self.admin.dispose()
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.seen.items())


def uptime() -> str:
    """The load average (1, 5, 15 minutes), as ``uptime`` shows it."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds so far of process ``pid`` and its children (a server and
    its worker processes)."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (Linux /proc), None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compile_bytecode() -> bool:
    """serialpos's modules compiled to bytecode (``__pycache__``), as installing a wheel
    leaves them and as the minimal app's Textual already is. Without it, an editable install
    run with ``PYTHONDONTWRITEBYTECODE=1`` (set on the machine these benches were first run
    on) compiles every serialpos module from source at every start: about 20-25 ms of CPU
    the peer never pays, counted as the console's. Returns whether all compiled."""
    import compileall
    from pathlib import Path

    import serialpos

    return bool(compileall.compile_dir(Path(serialpos.__file__).parent, quiet=1))


def settled(pid: int, *, quiet: float = 0.05, every: float = 1.0, limit: float = 60.0) -> float:
    """Wait until process ``pid`` and its children use less than ``quiet`` CPU seconds in
    ``every`` seconds (a server whose workers have finished starting: their imports must
    not count as the work measured after). Returns the seconds waited."""
    began = time.monotonic()
    last = tree_cpu(pid)
    while time.monotonic() - began < limit:
        time.sleep(every)
        now = tree_cpu(pid)
        if now - last < quiet:
            break
        last = now
    return time.monotonic() - began


# -- measuring ----------------------------------------------------------------------------
def p(samples: Sequence[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f} ms"


def time_each(calls: int, fn: Callable[[int], object], warmup: int = 50) -> list[float]:
    """Milliseconds per call of ``fn(i)`` for i in range(calls), after ``warmup`` calls
    (given negative numbers)."""
    for i in range(warmup):
        fn(-1 - i)
    out: list[float] = []
    clock = time.perf_counter_ns
    for i in range(calls):
        start = clock()
        fn(i)
        out.append((clock() - start) / 1e6)
    return out


def time_pairs(
    calls: int, first: Callable[[int], object], second: Callable[[int], object], warmup: int = 50
) -> tuple[list[float], list[float]]:
    """Milliseconds per call of two functions, alternated call by call (first, second,
    first, ...) so that both see the same machine (other work on it, the disk's moods) and
    their ratio is fair."""
    for i in range(warmup):
        first(-1 - i)
        second(-1 - i)
    a: list[float] = []
    b: list[float] = []
    clock = time.perf_counter_ns
    for i in range(calls):
        start = clock()
        first(i)
        middle = clock()
        second(i)
        end = clock()
        a.append((middle - start) / 1e6)
        b.append((end - middle) / 1e6)
    return a, b


def ratio(numerator: Sequence[float], denominator: Sequence[float]) -> str:
    """The ratio of the medians, as ``2.41x``."""
    return f"{statistics.median(numerator) / statistics.median(denominator):.2f}x"


# -- the command line ------------------------------------------------------------------------
def main(
    run: Callable[..., Rows],
    targets: Mapping[str, str] | None = None,
    quick: Mapping[str, object] | None = None,
    argv: Sequence[str] | None = None,
    description: str | None = None,
) -> None:
    """Run one case from the command line: every int parameter of ``run`` is an option
    (``units`` is ``--units``, ``approve_units`` is ``--approve-units``), ``--quick`` takes
    the case's smaller sizes (an option given beside it still wins), and the rows are printed
    with their targets."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="the case's smaller sizes (its QUICK_KWARGS)"
    )
    params = inspect.signature(run).parameters
    for name, param in params.items():
        if isinstance(param.default, bool) or name == "quick":
            continue
        if isinstance(param.default, int) or param.annotation in ("int", "int | None"):
            flags = [f"--{name.replace('_', '-')}"]
            if name in ("lines", "serials") and "rows" not in params:
                flags.append("--rows")  # every case's size is --units or --rows
            parser.add_argument(
                *flags, dest=name, type=int, default=None, help=f"default {param.default:,}"
            )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    kwargs: dict[str, Any] = {}
    if args.quick:
        kwargs.update({k: v for k, v in (quick or {}).items() if k in params})
    kwargs.update({k: v for k, v in vars(args).items() if k != "quick" and v is not None})
    rows = run(**kwargs)
    width = max((len(metric) for metric, *_ in rows), default=10)
    for metric, value, *_ in rows:
        print(f"{metric:<{width}}  {value:>16}  {(targets or {}).get(metric, '')}")
