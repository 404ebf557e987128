"""A store terminal on a full disk (issue #16, bad input), as a walk found it: ``apply`` with
the terminal's config under a file size limit (``ulimit -f 20``, see
tests/cli/test_full_disk_apply.py) answers every line "not recorded", journals nothing,
and the till is whole and syncs as before once the limit is gone."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

from terminal_chain import Chain

LIMIT = 20 * 1024


def _limited() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, hard))


def test_a_till_on_a_full_disk_answers_every_sale_line_and_keeps_none(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["FT-1", "FT-2"]})[
        0
    ]["ok"]
    till = chain.terminal("till-fulldisk")
    till.sync()
    lines = [
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "FT-1", "id": "fd-1"},
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "FT-2"},
    ]
    done = subprocess.run(
        [
            *(sys.executable, "-m", "serialpos", "--config", str(till.config)),
            "--user",
            "carl",
            "apply",
            "-",
        ],
        env=till.env,
        input="".join(json.dumps(x) + "\n" for x in lines),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=_limited,
    )
    assert done.returncode == 1
    verdicts = [json.loads(x) for x in done.stdout.splitlines()]
    assert [(v["line"], v.get("id"), v["ok"], v["error"]) for v in verdicts] == [
        (1, "fd-1", False, "database_error"),
        (2, None, False, "database_error"),
    ]
    assert all(
        "the disk is full" in v["message"] and "not recorded" in v["message"] for v in verdicts
    )
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1] == f"error: {verdicts[0]['message']}"
    assert till.unit_state("FT-1") == till.unit_state("FT-2") == "in_stock"
    assert till.query("SELECT count(*) FROM journal_entry")[0][0] == 0
    till.check_clean()
    sold = till.apply(lines[0])  # the limit gone: the same line, the same id, is applied
    assert sold[0]["ok"] and till.unit_state("FT-1") == "sold"
