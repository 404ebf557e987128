"""Start-up stays light: the ``serialpos`` command and the console's first screen load no
scanner library (biip, pyserial, evdev) until a scanner command runs or someone logs in, and
the keyboard wedge's timing logic loads no Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCANNER_LIBRARIES = ("biip", "serial", "evdev")


def loaded_by(module: str, libraries: tuple[str, ...]) -> list[str]:
    code = (
        f"import sys, {module}; "
        f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & {set(libraries)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return [name for name in result.stdout.strip().split(",") if name]


@pytest.mark.parametrize(
    "module",
    [
        "serialpos.cli.app",
        "serialpos.tui.app",
        "serialpos.cli.scan",
        "serialpos.cli.devices",
        "serialpos.devices.settings",
    ],
)
def test_start_up_loads_no_scanner_library(module: str) -> None:
    assert loaded_by(module, SCANNER_LIBRARIES) == []


def test_wedge_timing_is_pure() -> None:
    assert loaded_by("serialpos.devices.wedge", ("textual", *SCANNER_LIBRARIES)) == []
