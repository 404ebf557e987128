"""The curl examples of docs/integration.md ("The HTTP API", Examples) run as written against
a real server (a new database of this module's own), each succeeding with a JSON (or CSV)
answer, so the documentation cannot drift from the API."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from api_serving import Server

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def examples() -> list[str]:
    text = DOC.read_text()
    section = text[text.index("## The HTTP API") :]
    section = section[section.index("### Examples") :]
    section = section[: section.index("\n## ")]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def test_the_docs_have_examples_of_every_route() -> None:
    joined = "\n".join(examples())
    for route in (
        "/v1/apply",
        "/v1/apply/status",
        "/v1/serials/",
        "/v1/serials?prefix",
        "/v1/products/",
        "/v1/stock",
        "/v1/orders/",
        "/lines/1/serial",
        "/v1/events",
        "/v1/reports/sales-detail",
    ):
        assert route in joined, route


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_every_curl_example_runs(server: Server) -> None:
    env = {**server.env, "SERIALPOS_URL": server.base, "TOKEN": server.tokens["ada"]}
    outputs = []
    for block in examples():
        # A block of one-line commands: each on its own (curl ends no answer with a newline).
        one_liners = "\\\n" not in block and "<<" not in block
        for command in block.splitlines() if one_liners else [block]:
            if not command.strip() or (one_liners and command.startswith("#")):
                continue
            done = subprocess.run(
                ["bash", "-e", "-c", command], env=env, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            outputs.append(done.stdout)
    applied = [json.loads(x) for x in outputs[0].splitlines()]
    assert [v["ok"] for v in applied] == [True, True]
    assert json.loads(outputs[1])["lines"][0]["serial"] == "DOC-1"
    status = json.loads(outputs[2])
    assert [s["status"] for s in status["ids"]] == ["applied", "not_applied"]
    card = json.loads(outputs[3])
    assert card["units"][0]["state"] == "reserved" and card["units"][0]["order"] == "S1-000001"
    for answer in outputs[4:-1]:
        json.loads(answer)
    assert outputs[-1].startswith("Invoice,Date,Store")  # CSV from the report
    assert len(outputs) == 2 + 8
