"""Keys arriving faster than the console takes them (tui/key_flood.py): past a backlog they
are dropped and said, so a paste sent as keys by a terminal without bracketed paste cannot
grow the console by gigabytes (a 10 MB paste reached 6.4 GB in ten minutes). The rule on its
own, then the real console in a real pty with its own Linux driver."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from serialpos.tui.key_flood import KeyFlood, dropped_words


def test_keys_flow_until_the_backlog_then_drop_until_the_input_pauses() -> None:
    flood = KeyFlood(backlog=3, quiet=0.25)
    assert [flood.admit(queued=0, at=0.001 * i) for i in range(3)] == [True, True, True]
    assert flood.admit(queued=0, at=0.004) is False  # three on their way: the backlog
    assert flood.first_drop() is True
    for _ in range(3):
        flood.arrived()
    # The app has caught up, but the flood goes on: dropped while keys keep coming.
    assert flood.admit(queued=0, at=0.005) is False
    assert flood.first_drop() is False  # told once per flood, not once per key
    assert flood.take_dropped() == 2
    assert flood.take_dropped() == 0
    # A pause: the next key (a person's, a scanner's) is taken.
    assert flood.admit(queued=0, at=0.5) is True
    assert flood.admit(queued=3, at=0.501) is False  # the app's own queue counts too
    assert flood.first_drop() is True


def test_dropped_keys_are_counted_in_words() -> None:
    assert dropped_words(1).startswith("1 key dropped: ")
    assert dropped_words(12345).startswith("12,345 keys dropped: ")
    assert "Nothing they would have typed was entered" in dropped_words(2)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_paste_sent_as_keys_is_dropped_past_the_backlog_and_said(tmp_path: Path) -> None:
    """The console in a pty at 80x24 (its real Linux driver): logged in, on the sale, sent
    300,000 keys without bracketed paste as fast as the pty takes them. The screen says keys
    were dropped, the console's memory stays bounded, and it answers a key afterwards."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SERIALPOS_")},
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color",
        "COLUMNS": "80",
        "LINES": "24",
    }
    env.pop("TEXTUAL_DRIVER", None)
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "serialpos", "demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    lock = threading.Lock()
    done = threading.Event()

    def drain() -> None:  # the console writes its screens: read them, or it blocks
        while not done.is_set():
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                with lock:
                    seen.extend(chunk)

    def wait_for(text: bytes, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with lock:
                if text in seen:
                    return True
            time.sleep(0.1)
        return False

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        assert wait_for(b"PIN", 60), bytes(seen[-2000:])
        time.sleep(1)
        os.write(master, b"cashier\t3333\r")
        assert wait_for(b"Serial lookup", 30), bytes(seen[-2000:])
        os.write(master, b"3")
        assert wait_for(b"no lines yet", 30), bytes(seen[-2000:])
        peak = _rss_kb(proc.pid)
        keys = b"7" * 4096
        for _ in range(300_000 // len(keys)):
            os.write(master, keys)
            peak = max(peak, _rss_kb(proc.pid))
        said = False
        end = time.monotonic() + 120
        while time.monotonic() < end and not said:
            peak = max(peak, _rss_kb(proc.pid))
            with lock:
                said = b"keys dropped" in seen
            time.sleep(0.2)
        assert said, "the console never said it dropped keys"
        # Bounded: the keys past the backlog are let go, not queued (on main the queue of
        # 300,000 key events alone took hundreds of MB more).
        assert peak < 400_000, f"peak RSS {peak} kB"
        with lock:
            seen.clear()
        time.sleep(3)
        os.write(master, b"\x1b")  # Escape: back to Home, once the console has caught up
        assert wait_for(b"Serial lookup", 120), "the console did not answer after the flood"
    finally:
        done.set()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        reader.join(timeout=5)
        os.close(master)
