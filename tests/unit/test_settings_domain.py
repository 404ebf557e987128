"""Store settings and their defaults, without a database."""

from __future__ import annotations

import dataclasses

import pytest

from serialpos.domain.chain_settings import ChainSettings
from serialpos.domain.errors import BadValue
from serialpos.domain.settings import SETTING_HELP, StoreSettings, check_setting

NAMES = (
    "serialized_inventory",
    "auto_prompt_serial",
    "show_serial_on_invoice",
    "aggregate_duplicate_items",
    "require_shift",
    "offline_requires_manager_pin",
)


def test_defaults_are_all_on_but_shifts_and_the_offline_pin() -> None:
    s = StoreSettings()
    assert s.serialized_inventory is True
    assert s.auto_prompt_serial is True
    assert s.show_serial_on_invoice is True
    assert s.aggregate_duplicate_items is True
    assert s.require_shift is False  # scripts and apply sell without a shift by default
    assert s.offline_requires_manager_pin is False  # issue 16: off by default


def test_names_and_help() -> None:
    assert StoreSettings.names() == NAMES
    assert set(SETTING_HELP) == set(NAMES)
    assert all(SETTING_HELP[n].strip() for n in NAMES)


def test_with_values_parses_text_and_ignores_unknown_keys() -> None:
    s = StoreSettings().with_values(
        {"serialized_inventory": "false", "show_serial_on_invoice": "off", "bogus": "no"}
    )
    assert s == StoreSettings(
        serialized_inventory=False,
        auto_prompt_serial=True,
        show_serial_on_invoice=False,
        aggregate_duplicate_items=True,
        offline_requires_manager_pin=False,
    )
    # layered: later values win over earlier ones
    again = s.with_values({"serialized_inventory": "yes"})
    assert again.serialized_inventory is True and again.show_serial_on_invoice is False


def test_with_values_does_not_mutate() -> None:
    base = StoreSettings()
    base.with_values({"auto_prompt_serial": "0"})
    assert base.auto_prompt_serial is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.auto_prompt_serial = False  # type: ignore[misc]


def test_with_values_bad_stored_value_refused() -> None:
    with pytest.raises(BadValue):
        StoreSettings().with_values({"auto_prompt_serial": "perhaps"})


@pytest.mark.parametrize(
    ("value", "flag"),
    [("true", True), ("ON", True), ("yes", True), ("false", False), ("off", False), ("No", False)],
)
def test_check_setting(value: str, flag: bool) -> None:
    assert check_setting("auto_prompt_serial", value) == ("auto_prompt_serial", flag)


def test_check_setting_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(BadValue) as err:
        check_setting("serialised_inventory", "on")
    message = str(err.value)
    assert "unknown setting 'serialised_inventory'" in message
    assert all(name in message for name in NAMES)


def test_check_setting_bad_value() -> None:
    with pytest.raises(BadValue) as err:
        check_setting("serialized_inventory", "sometimes")
    assert "'sometimes'" in str(err.value)


def test_parsed_settings_follow_the_stored_texts() -> None:
    """with_values remembers what it parsed, keyed by the exact texts: a changed value, or
    the same texts over other settings, is parsed again, never answered from memory."""
    on = StoreSettings().with_values({"require_shift": "true"})
    assert on.require_shift is True
    assert StoreSettings().with_values({"require_shift": "false"}).require_shift is False
    assert StoreSettings().with_values({"require_shift": "true"}) == on
    assert StoreSettings().with_values({}).require_shift is False
    base = StoreSettings(serialized_inventory=False)
    assert base.with_values({"require_shift": "true"}).serialized_inventory is False
    assert StoreSettings().with_values({"require_shift": "true"}).serialized_inventory is True


def test_the_memory_of_parsed_settings_is_bounded() -> None:
    from serialpos.domain import settings

    for n in range(settings.PARSED_MEMO + 10):
        StoreSettings().with_values({"require_shift": "true", "unknown": str(n)})
    assert len(settings._PARSED) <= settings.PARSED_MEMO


def test_parsed_chain_settings_follow_the_stored_texts() -> None:
    from serialpos.domain.chain_settings import ChainSettings

    assert ChainSettings().with_values({"login_attempts": "7"}).login_attempts == 7
    assert ChainSettings().with_values({"login_attempts": "9"}).login_attempts == 9
    assert ChainSettings().with_values({"prices_include_tax": "true"}).prices_include_tax
    assert not ChainSettings().with_values({"prices_include_tax": "false"}).prices_include_tax
    assert ChainSettings(lockout_minutes=1).with_values({}).lockout_minutes == 1


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"require_shift": "true"},
        {"serialized_inventory": "false", "require_shift": "yes"},
        {"serialized_inventory": "0", "auto_prompt_serial": "off", "require_shift": "1"},
    ],
)
def test_from_stored_is_the_defaults_with_the_values_and_never_stale(
    values: dict[str, str],
) -> None:
    """``from_stored`` (remembered by the stored texts alone) answers as ``with_values`` over
    the defaults, for the store's and the chain's settings, asked twice or after a change."""
    assert StoreSettings.from_stored(values) == StoreSettings().with_values(values)
    assert StoreSettings.from_stored(dict(values)) == StoreSettings().with_values(values)
    changed = {**values, "require_shift": "false"}
    assert StoreSettings.from_stored(changed).require_shift is False
    assert StoreSettings.from_stored(changed) == StoreSettings().with_values(changed)
    chain = {"login_attempts": "7"} if values else {}
    assert ChainSettings.from_stored(chain) == ChainSettings().with_values(chain)
    assert ChainSettings.from_stored({"login_attempts": "9"}).login_attempts == 9
