"""Bench helper, never shipped: yappi (CPU clock, every thread) in ``serialpos serve``'s
worker processes, for offline_scale_bench.py ``--profile-serve DIR``.

Python imports ``sitecustomize`` at start-up from the path; the bench puts this folder on
``PYTHONPATH`` and names the output folder in ``SERIALPOS_YAPPI`` for serve only. In a
worker (a process started by multiprocessing's ``spawn_main``, as uvicorn starts its
workers) yappi starts at once; ``SIGUSR1``, sent by the bench as its load starts, drops
what start-up counted, and from then on the stats are saved every second as
``w<pid>.pstat`` (pstats format; the last second before serve stops is lost). yappi costs
serve about twice its CPU: read the shares, not the seconds.
"""

from __future__ import annotations

import os

_OUT = os.environ.get("SERIALPOS_YAPPI")


def _start(out: str) -> None:
    import signal
    import threading
    import time

    import yappi  # type: ignore  # installed by hand: pip install yappi

    yappi.set_clock_type("cpu")
    yappi.start(builtins=True, profile_threads=True)
    name = f"{out}/w{os.getpid()}.pstat"

    def save() -> None:
        while True:
            time.sleep(1.0)
            yappi.get_func_stats().save(name + ".tmp", type="pstat")
            os.replace(name + ".tmp", name)

    def clear(*_args: object) -> None:
        yappi.clear_stats()
        threading.Thread(target=save, daemon=True).start()

    signal.signal(signal.SIGUSR1, clear)


if _OUT:
    with open("/proc/self/cmdline", "rb") as _f:
        if b"spawn_main" in _f.read():
            _start(_OUT)
