"""``serialpos apply`` end to end through Typer's CliRunner: exact verdict lines, exit codes,
a file and standard input, and usage errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.db.engine import Database
from serialpos.services import lookup, products, stock, users

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite database set up through the CLI: schema, admin ada, cashier carl, stores S1
    and S2; products PH1 (serials required) and CAB (no serials)."""
    for name in ("SERIALPOS_USER", "SERIALPOS_DB", "SERIALPOS_TERMINAL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "terminal.toml"
    config.write_text("")
    monkeypatch.setenv("SERIALPOS_CONFIG", str(config))
    db_url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    for args in (
        ["db", "init"],
        ["user", "add", "ada", "--role", "admin", "--pin", "1234"],
        ["--user", "ada", "user", "add", "carl", "--role", "cashier", "--pin", "1111"],
        ["--user", "ada", "store", "add", "S1", "Main Street"],
        ["--user", "ada", "store", "add", "S2", "Harbour Mall"],
    ):
        result = runner.invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 0, result.output
    db = Database(db_url)
    ada = users.actor_for(db, "ada", "setup")
    products.create_product(db, ada, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, ada, sku="CAB", name="Cable")
    db.dispose()
    yield db_url


def verdicts(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_apply_file_prints_one_verdict_per_line_and_exits_1_on_any_refusal(
    url: str, tmp_path: Path
) -> None:
    ops = tmp_path / "ops.jsonl"
    ops.write_text(
        '{"op": "receive", "id": "r1", "store": "S1", "sku": "PH1", "serials": ["A1", "A2"]}\n'
        "\n"
        '{"op": "sell", "store": "S1", "sku": "PH1", "serial": "A1"}\n'
        '{"op": "sell", "store": "S1", "sku": "PH1", "serial": "A1"}\n'
        "this is not json\n"
        '{"op": "transfer_out", "store": "S1", "sku": "PH1", "serial": "A2", "to": "S2"}\n'
        '{"op": "transfer_in", "store": "S2", "sku": "PH1", "serial": "A2"}\n'
        '{"op": "fly", "id": 9}\n'
    )
    result = runner.invoke(app, ["--db", url, "--user", "ada", "apply", str(ops)])
    assert result.exit_code == 1
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        '{"ok": true, "line": 1, "id": "r1", "op": "receive", "store": "S1", "sku": "PH1", '
        '"quantity": 2, "units": [{"serial": "A1", "from": null, "to": "in_stock"}, '
        '{"serial": "A2", "from": null, "to": "in_stock"}]}',
        '{"ok": true, "line": 3, "op": "sell", "store": "S1", "sku": "PH1", '
        '"order": "S1-000001", "invoice": "INV-S1-000001", "quantity": -1, '
        '"units": [{"serial": "A1", "from": "in_stock", "to": "sold"}]}',
        '{"ok": false, "line": 4, "error": "already_sold", "message": "serial A1 is already sold"}',
        '{"ok": false, "line": 5, "error": "bad_request", '
        '"message": "the line is not valid JSON: Expecting value at column 1"}',
        '{"ok": true, "line": 6, "op": "transfer_out", "store": "S1", "sku": "PH1", "to": "S2", '
        '"quantity": -1, "units": [{"serial": "A2", "from": "in_stock", "to": "in_transit"}]}',
        '{"ok": true, "line": 7, "op": "transfer_in", "store": "S2", "sku": "PH1", '
        '"quantity": 1, "units": [{"serial": "A2", "from": "in_transit", "to": "in_stock"}]}',
        '{"ok": false, "line": 8, "id": 9, "error": "bad_request", "message": "unknown op '
        "'fly'; known: receive, sell, return, transfer_out, transfer_in, rtv, adjust, "
        "order_create, order_set_serial, order_amend, order_fulfil, order_void, order_pay, "
        'order_refund, order_park, order_return, count, asn_receive, customer_upsert"}',
    ]
    db = Database(url)
    assert [(c.state, c.store) for c in lookup.lookup_serial(db, "A1")] == [("sold", "S1")]
    assert [(c.state, c.store) for c in lookup.lookup_serial(db, "A2")] == [("in_stock", "S2")]
    db.dispose()


def test_apply_stdin_all_good_exits_0_and_writes_utf8(url: str) -> None:
    lines = [
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 4, "document": "PO-1"},
        # The id carries the non-ASCII text: serials are plain ASCII (look-alikes refused).
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "U-1", "id": "ü"},
        {"op": "adjust", "store": "S1", "sku": "CAB", "quantity": -1, "reason": "broken"},
    ]
    text = "".join(json.dumps(x) + "\n" for x in lines)
    result = runner.invoke(app, ["--db", url, "--user", "ada", "apply", "-"], input=text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.decode("utf-8").splitlines() == [
        '{"ok": true, "line": 1, "op": "receive", "store": "S1", "sku": "CAB", "quantity": 4, '
        '"units": []}',
        '{"ok": true, "line": 2, "id": "ü", "op": "receive", "store": "S1", "sku": "PH1", '
        '"quantity": 1, "units": [{"serial": "U-1", "from": null, "to": "in_stock"}]}',
        '{"ok": true, "line": 3, "op": "adjust", "store": "S1", "sku": "CAB", "quantity": -1, '
        '"units": []}',
    ]
    db = Database(url)
    assert [(s.sku, s.quantity) for s in stock.stock_levels(db, "S1")] == [("CAB", 3), ("PH1", 1)]
    db.dispose()


def test_apply_empty_or_blank_input_prints_nothing_and_exits_0(url: str) -> None:
    for text in ("", "\n  \n\n"):
        result = runner.invoke(app, ["--db", url, "--user", "ada", "apply", "-"], input=text)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_permission_refusals_are_verdicts_not_a_failed_run(url: str) -> None:
    text = (
        '{"op": "receive", "store": "S1", "sku": "CAB", "quantity": 2}\n'
        '{"op": "sell", "store": "S1", "sku": "CAB"}\n'
    )
    result = runner.invoke(app, ["--db", url, "--user", "carl", "apply", "-"], input=text)
    assert result.exit_code == 1
    assert verdicts(result.stdout) == [
        {
            "ok": False,
            "line": 1,
            "error": "permission_denied",
            "message": "carl (cashier) may not receive or move stock; that needs the role "
            "stockroom or manager or admin",
        },
        {
            "ok": True,
            "line": 2,
            "op": "sell",
            "store": "S1",
            "sku": "CAB",
            "order": "S1-000001",
            "invoice": "INV-S1-000001",
            "quantity": -1,
            "units": [],
        },
    ]


def test_a_missing_file_is_a_usage_error(url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    result = runner.invoke(app, ["--db", url, "--user", "ada", "apply", str(missing)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: cannot read {missing}: No such file or directory\n"


def test_apply_needs_a_user(url: str, tmp_path: Path) -> None:
    ops = tmp_path / "ops.jsonl"
    ops.write_text('{"op": "receive", "store": "S1", "sku": "CAB"}\n')
    result = runner.invoke(app, ["--db", url, "apply", str(ops)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: this command needs to know who acts: give --user NAME or set SERIALPOS_USER\n"
    )
    unknown = runner.invoke(app, ["--db", url, "--user", "bob", "apply", str(ops)])
    assert (unknown.exit_code, unknown.stdout) == (1, "")
    assert unknown.stderr == "error: there is no user 'bob'\n"


def test_a_10_mb_line_through_the_cli(url: str, tmp_path: Path) -> None:
    ops = tmp_path / "big.jsonl"
    with ops.open("wb") as f:
        f.write(b'{"op": "receive", "store": "S1", "sku": "CAB", "document": "')
        f.write(b"x" * (10 << 20))
        f.write(b'"}\n{"op": "receive", "store": "S1", "sku": "CAB"}\n')
    result = runner.invoke(app, ["--db", url, "--user", "ada", "apply", str(ops)])
    assert result.exit_code == 1
    assert verdicts(result.stdout) == [
        {
            "ok": False,
            "line": 1,
            "error": "bad_request",
            "message": "line too long: more than 1048576 bytes",
        },
        {
            "ok": True,
            "line": 2,
            "op": "receive",
            "store": "S1",
            "sku": "CAB",
            "quantity": 1,
            "units": [],
        },
    ]


def test_apply_status_tells_what_became_of_each_id(url: str, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"op": "receive", "id": "r1", "store": "S1", "sku": "CAB", "quantity": 3}\n')
    first = runner.invoke(app, ["--db", url, "--user", "ada", "apply", str(feed)])
    again = runner.invoke(app, ["--db", url, "--user", "ada", "apply", str(feed)])
    assert first.exit_code == 0 and again.exit_code == 0, again.output
    assert verdicts(again.stdout)[0]["replayed"] is True
    result = runner.invoke(app, ["--db", url, "apply", "--status", "r1", "r2"])
    assert result.exit_code == 0, result.output
    applied, unknown = verdicts(result.stdout)
    assert applied["status"] == "applied" and applied["outcome"]["quantity"] == 3
    assert unknown == {"id": "r2", "status": "not_applied"}
    two = runner.invoke(app, ["--db", url, "--user", "ada", "apply", str(feed), str(feed)])
    assert two.exit_code == 2 and "apply takes one FILE" in two.stderr


def test_apply_refuses_a_serial_with_a_look_alike_character(url: str) -> None:
    """A full-width digit is refused with the character and its position; nothing lands."""
    line = {"op": "receive", "store": "S1", "sku": "PH1", "serial": "LOOK\uff18"}
    result = runner.invoke(
        app, ["--db", url, "--user", "ada", "apply", "-"], input=json.dumps(line) + "\n"
    )
    assert result.exit_code == 1
    verdict = json.loads(result.stdout)
    assert (verdict["ok"], verdict["error"]) == (False, "bad_serial_format")
    assert "U+FF18" in verdict["message"] and "position 5" in verdict["message"]
    db = Database(url)
    assert [s.quantity for s in stock.stock_levels(db, "S1") if s.sku == "PH1"] in ([], [0])
    db.dispose()
