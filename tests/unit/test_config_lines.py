"""A bad terminal config names the key and its line; an unknown key or table is a warning
naming it (with its line), never fatal; the CLI says the warning on stderr and goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from serialpos.cli.app import app
from serialpos.config import ConfigError, load_config

TEXT = """# till 3
[terminal]
id = "till-3"
stor = "S01"

[printr]
name = "epson"

[database]
url = "sqlite:////tmp/x.sqlite"
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[terminal]\nid = "t"\n\n[database]\nurl = 5\n',
            "line 5: [database] 'url' must be a string",
        ),
        ("# top\nterminal = 3\n", "line 2: [terminal] must be a table"),
        ("[log]\n# the log\npath = 1\n", "line 3: [log] 'path' must be a string"),
        ('[console]\ntheme = "green"\n', "line 2: [console] theme must be"),
    ],
)
def test_a_bad_value_names_the_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert str(err.value).startswith(f"{path}, ")
    assert message in str(err.value)


def test_unknown_keys_are_warnings_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(TEXT, encoding="utf-8")
    config = load_config(path, env={})
    assert config.terminal_id == "till-3" and config.store is None
    assert config.warnings == (
        f"{path}, line 4: unknown key 'stor' in [terminal] (known: id, outbox, store); ignored",
        f"{path}, line 6: unknown table or key 'printr' (known: database, terminal, printer, "
        "log, console, scanner, receipt_printer, chain); ignored",
    )


def test_the_cli_warns_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        TEXT.replace("sqlite:////tmp/x.sqlite", f"sqlite:///{tmp_path / 'shop.sqlite'}"),
        encoding="utf-8",
    )
    env = {"SERIALPOS_DB": None, "SERIALPOS_USER": None, "SERIALPOS_CONFIG": str(path)}
    result = CliRunner().invoke(app, ["db", "init"], env=env)
    assert result.exit_code == 0, result.output
    assert f"warning: {path}, line 4: unknown key 'stor' in [terminal]" in result.stderr
    assert result.stderr.count("warning: ") == 2
