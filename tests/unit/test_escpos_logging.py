"""python-escpos sets up root logging when imported; serialpos must not let that print its
log lines on the terminal (a CLI command that drew a receipt then logged to stderr)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import logging, sys
from pathlib import Path
from serialpos import logs
logs.configure(Path(sys.argv[1]))
import serialpos.printing.receipt, serialpos.printing.shift_report
logs.action("cashier", "T1", "sell")
logging.getLogger("serialpos.test").warning("a warning")
print(len(logging.getLogger().handlers))
"""


def test_drawing_a_receipt_leaves_the_root_logger_and_the_terminal_alone(tmp_path: Path) -> None:
    log = tmp_path / "serialpos.log"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(log)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stderr == ""
    assert done.stdout.strip() == "0"  # no handler on the root
    written = log.read_text(encoding="utf-8")
    assert "action=sell" in written and "a warning" in written
