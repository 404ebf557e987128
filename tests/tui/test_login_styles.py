"""The console's first frame (its login) costs only what it draws (bench/startup_bench.py):
its stylesheet is ``login.tcss`` alone, every other screen's rules (``screens.tcss``) are read
once it is drawn, and the modules behind the other screens, the database and the devices are
not imported before it is on screen. What the login draws is the same as with every rule read
at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_screen_first_styles import styles_of
from tui_helpers import SIZES, MakeApp, async_test, log_in, settle

from serialpos.cli.context import CliState
from serialpos.tui import app as console
from serialpos.tui.app import SCREENS_CSS, SerialposApp
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.login import LoginScreen


class EveryRuleAtStart(SerialposApp):
    """The console as it was with one stylesheet: every screen's rules read at start."""

    CSS_PATH = [SerialposApp.CSS_PATH, SCREENS_CSS]  # type: ignore[list-item]  # noqa: RUF012


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_no_rule_read_after_the_first_frame_styles_the_login(
    demo_url: str, no_config: None, size: tuple[int, int]
) -> None:
    split = SerialposApp(CliState(db_url=demo_url))
    async with split.run_test(size=size) as pilot:
        await settle(pilot)
        assert isinstance(split.screen, LoginScreen)
        assert split.stylesheet.has_source(str(SCREENS_CSS))  # read once the login was up
        drawn = styles_of(split)
    whole = EveryRuleAtStart(CliState(db_url=demo_url))
    async with whole.run_test(size=size) as pilot:
        await settle(pilot)
        assert styles_of(whole) == drawn


@async_test
async def test_the_login_is_drawn_before_the_other_screens_rules_are_read(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_at_mount: list[bool] = []
    mounted = LoginScreen.on_mount

    def on_mount(screen: LoginScreen) -> None:
        read_at_mount.append(screen.app.stylesheet.has_source(str(SCREENS_CSS)))
        mounted(screen)

    monkeypatch.setattr(LoginScreen, "on_mount", on_mount)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert read_at_mount == [False]
        # The next screen is styled by them: the home screen's list has no frame (#flows).
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#flows").styles.border_top[0] == ""


#: Nothing the login screen does not draw: the database, services, devices, printing, the
#: command tree, the other screens (their widgets and the signed-in session), and the log's
#: rotation (made with the first line written, serialpos/logs.py).
NOT_BEFORE_THE_LOGIN = (
    "sqlalchemy",
    "sqlmodel",
    "typer",
    "serialpos.db",
    "serialpos.services",
    "serialpos.printing",
    "serialpos.devices.source",
    "serialpos.devices.wedge",
    "serialpos.domain.decoder",
    "serialpos.domain.errors",
    "serialpos.cli.output",
    "serialpos.cli.commands",
    "serialpos.tui.backend",
    "serialpos.tui.session",
    "serialpos.tui.widgets.status_line",
    "serialpos.tui.widgets.link_status",
    "serialpos.tui.screens.home",
    "serialpos.tui.screens.sale",
    "logging.handlers",
)

#: Starts the console as ``serialpos --db URL`` does (cli.app.open_console), headless, and
#: prints the modules loaded when the login has drawn its first frame: the moment its
#: database worker would start (it is stopped there).
PROBE = """\
import sys
from serialpos.cli.app import open_console
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.login import LoginScreen

loaded = []
def drawn(screen):
    loaded.extend(sys.modules)
    screen.app.exit()
LoginScreen.open_database = drawn
run = SerialposApp.run
SerialposApp.run = lambda app: run(app, headless=True, size=(80, 24))
status = open_console({"--db": sys.argv[1], "--user": None, "--config": None})
print(status, " ".join(sorted(loaded)))
"""


def test_the_login_is_drawn_before_anything_it_does_not_draw_is_imported(
    demo_url: str, tmp_path: Path
) -> None:
    env = dict(os.environ)
    for name in ("SERIALPOS_CONFIG", "SERIALPOS_STORE", "SERIALPOS_TERMINAL", "SERIALPOS_DB"):
        env.pop(name, None)
    env.update(
        {name: str(tmp_path / name) for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME")},
        HOME=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, demo_url],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    status, _, names = done.stdout.strip().rpartition("\n")[2].partition(" ")
    loaded = names.split()
    assert status == "0", done.stdout
    assert console.__name__ in loaded  # the probe saw the console's modules
    early = [
        name
        for name in loaded
        if any(name == banned or name.startswith(banned + ".") for banned in NOT_BEFORE_THE_LOGIN)
    ]
    assert early == []
