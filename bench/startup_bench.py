"""Console start-up: ``serialpos`` launched until its login screen is on the terminal.

The issue's target is under 1.0 s at p95 from the command to the first screen. Each run starts
``serialpos --db <demo sqlite>`` in a real pseudo-terminal (80x24), reads what it draws, and
stops the clock when the login screen's "PIN" appears after the switch to the alternate screen
(so that nothing printed before the console starts can stop it early). The process is then
killed. The demo database is built once beforehand (in ``SERIALPOS_BENCH_DIR`` when set); a
private config and data directory keep the user's own terminal config out of the measurement.

The peer: a minimal Textual app showing one ``Static("PIN")``, started the same way with the
same Python in the same pseudo-terminal, its clock stopped the same way. Runs alternate call
by call (serialpos, minimal, serialpos, ...) so both see the same machine, and the ratio of
the medians is printed. Issue 15's target: at most 1.2x.

Nothing here asserts a time: it measures and reports.

    .venv/bin/python bench/startup_bench.py [--quick] [--runs N]
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from benchkit import compile_bytecode, main, ratio, temp_dir

#: Targets from the issue, keyed by the metric names this module reports.
TARGETS: dict[str, str] = {
    "serialpos to login screen (p95)": "< 1000 ms",
    "login screen / minimal Textual app (medians)": "<= 1.2x",
    "login screen / minimal Textual app, CPU (medians)": "<= 1.2x",
}
QUICK_KWARGS: dict[str, object] = {"runs": 5}
#: The peer: the least a Textual app can start and draw.
MINIMAL_APP = """\
from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("PIN")


Minimal().run()
"""

RUNS = 20
ALT_SCREEN = b"\x1b[?1049h"
MARKER = b"PIN"
SERIALPOS = Path(sys.executable).with_name("serialpos")


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(value: float) -> str:
    return f"{value:.0f} ms"


def prepare(directory: Path) -> str:
    """A demo database in ``directory``; returns its URL."""
    from serialpos.db.engine import Database
    from serialpos.services.demo import build_demo

    url = f"sqlite:///{directory / 'demo.sqlite'}"
    db = Database(url)
    build_demo(db)
    db.dispose()
    return url


def time_to_login(url: str, env: dict[str, str], timeout: float = 10.0) -> tuple[float, float]:
    """Milliseconds from starting the process to the login screen in its terminal, and the
    CPU milliseconds the process had used by then."""
    return time_to_screen([str(SERIALPOS), "--db", url], env, timeout)


def cpu_ms(pid: int) -> float:
    """CPU milliseconds (user + system, all threads) process ``pid`` has used so far, from
    ``/proc`` (clock ticks: 10 ms steps); NaN where there is no ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    # After the command's name: state is field 3, utime and stime are fields 14 and 15.
    ticks = int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def time_to_screen(
    command: list[str], env: dict[str, str], timeout: float = 10.0
) -> tuple[float, float]:
    """Milliseconds from starting ``command`` to "PIN" drawn on its alternate screen, and the
    CPU milliseconds the process had used when it was seen (read before it is stopped: what
    it does after its first frame, such as opening the database, is not counted)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    try:
        while True:
            left = timeout - (time.perf_counter() - started)
            if left <= 0:
                raise TimeoutError(
                    f"no PIN screen after {timeout} s; the terminal showed {seen[-300:]!r}"
                )
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal: it exited
                raise RuntimeError(f"{command[0]} exited: {seen[-300:]!r}") from None
            seen += chunk
            screen = seen.find(ALT_SCREEN)
            if screen >= 0 and seen.find(MARKER, screen) >= 0:
                wall = (time.perf_counter() - started) * 1000
                return wall, cpu_ms(process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)


Timed = list[tuple[float, float]]


def measure(runs: int = RUNS) -> tuple[Timed, Timed]:
    """(wall, CPU) milliseconds to the login screen and to the minimal app's screen,
    alternated."""
    with temp_dir("serialpos-startup-") as tmp:
        directory = Path(tmp)
        url = prepare(directory)
        compile_bytecode()
        minimal = directory / "minimal_app.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        env = dict(os.environ)
        for name in ("SERIALPOS_CONFIG", "SERIALPOS_DB", "SERIALPOS_STORE", "NO_COLOR"):
            env.pop(name, None)
        env.update(
            TERM="xterm-256color",
            XDG_CONFIG_HOME=str(directory / "config"),
            XDG_DATA_HOME=str(directory / "data"),
        )
        peer = [sys.executable, str(minimal)]
        time_to_login(url, env)  # once each to warm the file cache, not counted
        time_to_screen(peer, env)
        ours: Timed = []
        theirs: Timed = []
        for _ in range(runs):
            ours.append(time_to_login(url, env))
            theirs.append(time_to_screen(peer, env))
        return ours, theirs


def run(runs: int = RUNS) -> list[tuple[str, str]]:
    load_start = _load()
    timed, peer_timed = measure(runs)
    samples, cpu = [w for w, _ in timed], [c for _, c in timed]
    peer, peer_cpu = [w for w, _ in peer_timed], [c for _, c in peer_timed]
    return [
        ("serialpos to login screen, runs", str(len(samples))),
        ("serialpos to login screen (median)", _ms(statistics.median(samples))),
        ("serialpos to login screen (p95)", _ms(_p(samples, 0.95))),
        ("serialpos to login screen (max)", _ms(max(samples))),
        ("minimal Textual app to its screen (median)", _ms(statistics.median(peer))),
        ("minimal Textual app to its screen (p95)", _ms(_p(peer, 0.95))),
        ("login screen / minimal Textual app (medians)", ratio(samples, peer)),
        # CPU used until the first frame: what the process itself did, whatever else the
        # machine was running (wall time on a loaded machine is mostly waiting for a core).
        ("serialpos to login screen, CPU (median)", _ms(statistics.median(cpu))),
        ("minimal Textual app to its screen, CPU (median)", _ms(statistics.median(peer_cpu))),
        ("login screen / minimal Textual app, CPU (medians)", ratio(cpu, peer_cpu)),
        ("startup: load average at start, at end", f"{load_start} / {_load()}"),
    ]


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
