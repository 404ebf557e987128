"""The deployment files in ``deploy/``: systemd units and timers parse and name real commands at
the documented paths, the udev rule matches scanners by vendor and model into a group of its
own, the kiosk script is valid shell, and docs/deployment.md describes every file."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import typer.main

from serialpos.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DOC = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
BINARY = "/opt/serialpos/bin/serialpos"
UNITS = sorted(p for p in (DEPLOY / "systemd").iterdir())
SECTIONS = {
    ".service": {"Unit", "Service", "Install"},
    ".timer": {"Unit", "Timer", "Install"},
    ".conf": {"Service"},
}


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """systemd's unit syntax: [Section] headers, Key=Value lines (keys may repeat), comments."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: str | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        header = re.fullmatch(r"\[([A-Za-z]+)\]", line)
        if header:
            current = header[1]
            assert current not in sections, f"{path.name}:{number}: [{current}] twice"
            sections[current] = []
            continue
        entry = re.fullmatch(r"([A-Z][A-Za-z]+)=(.*)", line)
        assert entry and current, f"{path.name}:{number}: not Key=Value in a section: {line!r}"
        sections[current].append((entry[1], entry[2]))
    return sections


def command_words(exec_line: str) -> list[str]:
    words = shlex.split(exec_line.lstrip("-"))
    assert words[0].startswith("/"), f"{exec_line!r}: systemd needs an absolute path"
    return words


def assert_serialpos_command(words: list[str]) -> None:
    """``/opt/serialpos/bin/serialpos a b ...`` names commands this serialpos has."""
    assert words[0] == BINARY
    group = typer.main.get_command(app)
    command = group
    for word in words[1:]:
        if word.startswith("-") or not hasattr(command, "commands"):
            break
        if word not in command.commands:  # type: ignore[attr-defined]
            raise AssertionError(f"`serialpos {' '.join(words[1:])}`: no command {word!r}")
        command = command.commands[word]  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_units(path: Path) -> None:
    sections = parse_unit(path)
    assert set(sections) <= SECTIONS[path.suffix] and "Unit" in sections
    values = {key: value for entries in sections.values() for key, value in entries}
    assert values.get("Description")
    if path.suffix == ".timer":
        assert (DEPLOY / "systemd" / values["Unit"]).exists()
        assert "OnCalendar" in values or "OnUnitActiveSec" in values
        return
    assert values["User"] == "serialpos"
    assert values["Environment"] == "SERIALPOS_CONFIG=/etc/serialpos/terminal.toml"
    assert_serialpos_command(command_words(values["ExecStart"]))
    for writable in values.get("ReadWritePaths", "").split():
        assert writable in DOC, f"{writable} is not in docs/deployment.md"


def test_kiosk_drop_in_and_login_shell() -> None:
    drop_in = DEPLOY / "kiosk" / "getty@tty1.service.d" / "serialpos-kiosk.conf"
    service = parse_unit(drop_in)["Service"]
    starts = [value for key, value in service if key == "ExecStart"]
    assert starts[0] == "", "a drop-in must clear getty's ExecStart before replacing it"
    words = command_words(starts[1])
    assert words[0] == "/sbin/agetty" and words[1:3] == ["--autologin", "till"]
    assert ("Restart", "always") in service

    shell = DEPLOY / "kiosk" / "serialpos-kiosk"
    assert os.access(shell, os.X_OK)
    checked = subprocess.run(["sh", "-n", str(shell)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    text = shell.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n") and f"exec {BINARY}\n" in text


def test_udev_rule_matches_scanners_into_their_own_group() -> None:
    path = DEPLOY / "udev" / "70-serialpos-scanner.rules"
    rules = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(rules) == 2
    token = re.compile(r'([A-Z]+(?:\{[A-Za-z]+\})?)(==|!=|\+=|=)"([^"]*)"')
    for rule in rules:
        parts = [p.strip() for p in rule.split(",")]
        parsed = [token.fullmatch(p) for p in parts]
        assert all(parsed), f"not udev syntax: {rule!r}"
        pairs = {(m[1], m[2]): m[3] for m in parsed if m}
        assert re.fullmatch(r"[0-9a-f]{4}", pairs[("ATTRS{idVendor}", "==")])
        assert re.fullmatch(r"[0-9a-f]{4}", pairs[("ATTRS{idProduct}", "==")])
        assert pairs[("GROUP", "=")] == "serialpos-scanner"
        assert pairs[("SUBSYSTEM", "==")] in ("input", "tty")
        assert pairs[("SYMLINK", "+=")].split("/")[-1].startswith("serialpos-scanner-")
        assert pairs[("SYMLINK", "+=")].removesuffix("%n").join(["/dev/", ""]) in DOC


def test_the_guide_describes_every_file() -> None:
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            assert path.name in DOC, f"docs/deployment.md does not mention {path.name}"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    copy.write_text(path.read_text(encoding="utf-8").replace(BINARY, "/bin/true"))
    if path.suffix == ".timer":
        service = DEPLOY / "systemd" / path.name.replace(".timer", ".service")
        (tmp_path / service.name).write_text(service.read_text(encoding="utf-8"))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False
    )
    assert "error" not in done.stderr.lower(), done.stderr
