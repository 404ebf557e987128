"""``serialpos sync --json`` (and the terminal's other JSON commands) on a database that is no
store terminal's answer JSON: an object whose ``error`` names the problem, with the sentence
as ``message``, on stdout (the sentence on stderr too), exit 2 as before. A script reading the
answer as JSON got nothing on stdout, and only the plain sentence on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli_core import Cli


@pytest.mark.parametrize(
    "args",
    [
        ("sync", "--json"),
        ("sync",),
        ("terminal", "status", "--json"),
        ("terminal", "pending", "--json"),
        ("terminal", "refused", "--json"),
        ("terminal", "leases", "--json"),
    ],
)
def test_not_a_store_terminal_is_said_in_json(tmp_path: Path, args: tuple[str, ...]) -> None:
    cli = Cli(tmp_path)
    done = cli(*args, code=2)
    answer = json.loads(done.stdout)
    assert answer["error"] == "not_a_store_terminal", answer
    assert "needs a store terminal's config" in answer["message"], answer
    assert "serialpos terminal init" in answer["message"], answer
    assert done.stderr.startswith("error: this command needs a store terminal"), done.stderr
