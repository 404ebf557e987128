"""``--json`` on a store terminal's commands that always print JSON (the README: every
reporting command takes ``--json``). ``serialpos sync --json`` was a usage error (exit 2,
nothing synced), so a script passing it, as it does to ``db check --json``, never synced;
it prints the same report now, with the same keys."""

from __future__ import annotations

import json

from terminal_chain import Chain


def test_sync_and_the_terminal_reports_take_json(chain: Chain) -> None:
    till = chain.terminal("jf-a")
    plain = till.cli("sync")
    flagged = till.cli("sync", "--json")
    assert flagged.returncode == 0, flagged.stderr
    [line] = flagged.stdout.splitlines()
    assert json.loads(line).keys() == json.loads(plain.stdout).keys()
    for command in ("status", "pending", "refused", "leases"):
        done = till.cli("terminal", command, "--json", check=False)
        assert done.returncode == 0, (command, done.stderr)
        same = json.loads(till.cli("terminal", command).stdout)
        if command == "status":  # its times move between two runs: the same keys
            assert json.loads(done.stdout).keys() == same.keys()
        else:
            assert json.loads(done.stdout) == same, command
