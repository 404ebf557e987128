"""The architecture's layers hold: the import contracts in pyproject.toml are kept, and the
domain really loads no UI, database or device library at run time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HEAVY = (
    "textual",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "evdev",
    "serial",
    "reportlab",
    "psycopg",
    "rich",
    "typer",
)

# Imports every module of a package in a fresh interpreter and reports which heavy libraries
# ended up in sys.modules.
PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [sys.argv[1]]
if hasattr(package, "__path__"):
    names += [m.name for m in pkgutil.walk_packages(package.__path__, sys.argv[1] + ".")]
for name in names:
    importlib.import_module(name)
heavy = sys.argv[2].split(",")
print(json.dumps({"modules": names,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules} & set(heavy))}))
"""


def _probe(package: str) -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, package, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, list[str]] = json.loads(result.stdout)
    return found


def test_import_contracts_are_kept() -> None:
    linter = BIN / "lint-imports"
    if not linter.exists():
        pytest.fail(f"{linter} is missing: install the test extras (pip install -e '.[test]')")
    result = subprocess.run(
        [str(linter), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert "domain is pure" in result.stdout
    # the layers, and the console and CLI kept off the database layer (issue 17)
    assert "layers: cli | tui > api | terminal > services > db | printing | devices > domain" in (
        result.stdout
    )
    assert "the console and the CLI call services" in result.stdout


def test_domain_loads_no_heavy_library() -> None:
    found = _probe("serialpos.domain")
    # every domain module was imported, so none can hide a heavy import
    assert {
        "serialpos.domain.states",
        "serialpos.domain.serials",
        "serialpos.domain.products",
        "serialpos.domain.users",
        "serialpos.domain.settings",
        "serialpos.domain.errors",
    } <= set(found["modules"])
    assert found["loaded"] == []


def test_probe_sees_heavy_libraries_when_they_are_loaded() -> None:
    """The probe itself works: the persistence layer does load SQLAlchemy and SQLModel."""
    found = _probe("serialpos.db.tables")
    assert {"sqlalchemy", "sqlmodel"} <= set(found["loaded"])


def test_serial_lookup_and_prefix_search_are_modules_of_their_own() -> None:
    """services/lookup.py held the serial card and the prefix search (412 lines): the search
    is services/serial_search.py, each module one job and small (STYLE: ~400 lines)."""
    from serialpos.services import lookup, serial_search

    for module in (lookup, serial_search):
        assert module.__file__ is not None
        assert len(Path(module.__file__).read_text(encoding="utf-8").splitlines()) <= 400
    assert not hasattr(lookup, "search_serials") and not hasattr(lookup, "SearchMatch")
    assert serial_search.search_serials and serial_search.MAX_SEARCH_LIMIT == 10_000
