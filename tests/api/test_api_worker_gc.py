"""serve's worker processes tune Python's cyclic garbage collector for serving
(api/app.py ``_collect_less``): what start-up built is frozen out of the collections, and
young collections run less often. At 100 terminals the collector had taken about 5% of
serve's CPU: young collections every 700 allocations, and full ones walking the start-up's
objects again (bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from api_serving import seed

from serialpos.db.engine import Database

_WORKER = """
import gc, json, os
before = {"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}
from serialpos.api import app
app.app_from_env()
after = {"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}
print(json.dumps({"before": before, "after": after, "expected": app.WORKER_GC_THRESHOLD}))
"""


def test_a_worker_freezes_its_start_up_and_collects_young_objects_less_often(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    db = Database(url)
    seed(db)
    db.dispose()
    env = {"SERIALPOS_DB": url, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", _WORKER], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["before"]["frozen"] == 0
    # The app, its tables and compiled statements: tens of thousands of objects.
    assert found["after"]["frozen"] > 10_000
    assert found["after"]["threshold"][0] == found["expected"] > found["before"]["threshold"][0]
    # The older generations keep Python's own thresholds.
    assert found["after"]["threshold"][1:] == found["before"]["threshold"][1:]


def test_the_app_made_in_process_leaves_the_collector_as_it_was(tmp_path: Path) -> None:
    """Tests, the console and the CLI make the app with ``create_app``: nothing is frozen."""
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    code = (
        "import gc, json; from serialpos.api import app; from serialpos.db.engine import "
        f"Database; app.create_app(Database({url!r})); "
        "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0]]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    frozen, young = json.loads(out.stdout)
    assert frozen == 0 and young == 700
