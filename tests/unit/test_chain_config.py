"""``[chain]`` in the terminal config: a store terminal's server, token, store and id."""

from __future__ import annotations

from pathlib import Path

import pytest

from serialpos.config import ConfigError, load_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_chain_table_read_and_used_for_identity(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[chain]\nserver = "http://127.0.0.1:8080/"\ntoken = "t"\n'
        'store = "S01"\nterminal = "S01-a"\n',
    )
    config = load_config(path, env={})
    assert config.chain is not None
    assert (config.chain.server, config.chain.store) == ("http://127.0.0.1:8080", "S01")
    assert (config.terminal_id, config.store) == ("S01-a", "S01")


def test_no_chain_table_is_no_store_terminal(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, '[terminal]\nid = "x"\n'), env={}).chain is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[chain]\nserver = "http://h"\ntoken = "t"\nstore = "S"\n', "needs terminal"),
        ('[chain]\nserver = "ftp://h"\ntoken = "t"\nstore = "S"\nterminal = "a"\n', "http://"),
        ('[chain]\nserver = "http://h"\ntoken = 5\nstore = "S"\nterminal = "a"\n', "'token'"),
    ],
)
def test_bad_chain_table_named(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_config(_write(tmp_path, text), env={})
