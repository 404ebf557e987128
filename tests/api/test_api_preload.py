"""serve's workers import what a store terminal's push uses when the app is made, not on the
first push (the services import these lazily to break cycles; the first push paid ~16 ms
of CPU for them, and the scale bench counted it as central's cost per entry)."""

from __future__ import annotations

import subprocess
import sys

LAZY_ON_PUSH = ("serialpos.services.entry_sells", "serialpos.services.users")


def test_app_imports_what_a_push_imports_lazily() -> None:
    code = (
        "import sys, serialpos.api.app; "
        f"print(','.join(m for m in {LAZY_ON_PUSH!r} if m not in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "", f"imported only on the first push: {out.stdout.strip()}"
