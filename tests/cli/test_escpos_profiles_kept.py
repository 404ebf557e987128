"""python-escpos's printer profiles are parsed once per machine and kept in serialpos's cache
folder (src/serialpos/escpos_lib.py): every command that printed a receipt or a report parsed
them again (YAML, 60-440 ms of CPU) and left a new folder in the temporary folder behind it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

IMPORT = "import serialpos.escpos_lib"
#: The second process fails if it parses the profiles instead of taking the kept ones.
NO_PARSE = (
    "import yaml\ndef parse(*a, **k): raise SystemExit('parsed again')\nyaml.safe_load = parse\n"
)


def python(code: str, tmp_path: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    temporary = tmp_path / "tmp"
    temporary.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCPOS_")}
    env |= {"XDG_CACHE_HOME": str(cache), "TMPDIR": str(temporary)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_profiles_are_parsed_once_and_no_folder_is_left_behind(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = python(IMPORT, tmp_path, cache)
    assert first.returncode == 0, first.stderr
    kept = list((cache / "serialpos" / "escpos").iterdir())
    assert [p.name for p in kept] == [f"{sys.version.split()[0]}.capabilities.pickle"]
    second = python(NO_PARSE + IMPORT, tmp_path, cache)
    assert second.returncode == 0, second.stdout + second.stderr
    assert list((tmp_path / "tmp").iterdir()) == [], "a command left a folder behind"
    assert first.stderr == second.stderr == ""


def test_a_cache_folder_that_cannot_be_made_still_prints(tmp_path: Path) -> None:
    """The cache folder's place is a file (no folder can be made there, even by root): the
    library keeps its profiles its own way and printing still works."""
    cache = tmp_path / "cache"
    cache.write_text("not a folder")
    done = python(IMPORT + "\nprint(serialpos.escpos_lib.Dummy)", tmp_path, cache)
    assert done.returncode == 0, done.stderr
    assert "Dummy" in done.stdout
