"""Per-store settings and their defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from serialpos.domain.errors import BadValue
from serialpos.domain.products import parse_bool
from serialpos.domain.text import clip


@dataclass(frozen=True)
class StoreSettings:
    """What a store has switched on. A store without its own value takes the chain default,
    and the chain default is what is written here."""

    serialized_inventory: bool = True
    auto_prompt_serial: bool = True
    show_serial_on_invoice: bool = True
    aggregate_duplicate_items: bool = True
    #: A sale needs an open shift on its terminal (issue 14). Off by default, so scripts and
    #: ``apply`` work without one.
    require_shift: bool = False
    #: A store terminal whose link to central is down sells on only after a manager has
    #: given a PIN for it (issue 16; off: cashiers sell on offline as online).
    offline_requires_manager_pin: bool = False

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_stored(cls, values: dict[str, str]) -> StoreSettings:
        """The built-in defaults with stored text ``values`` over them: ``StoreSettings()
        .with_values(values)``, remembered by the stored texts alone (a pure function of
        them, never stale). Every counter step asks, and building the default settings to
        look the answer up by them (a frozen dataclass's ``__init__``, ``__hash__`` and
        ``__eq__``) cost more than the lookup."""
        key = tuple(values.items())
        found = _FROM_STORED.get(key)
        if found is None:
            found = _DEFAULTS.with_values(values)
            if len(_FROM_STORED) >= PARSED_MEMO:
                _FROM_STORED.clear()
            _FROM_STORED[key] = found
        return found

    def with_values(self, values: dict[str, str]) -> StoreSettings:
        """Apply stored text values over these; unknown keys were filtered on the way in.

        Every counter step reads its store's settings and parses them here: the parsed
        settings are remembered by (these settings, the exact stored texts), a pure function
        of its key, so a remembered answer is never stale: a changed value is a new key."""
        key = (self, tuple(values.items()))
        found = _PARSED.get(key)
        if found is None:
            names = _STORE_NAMES
            known = {k: parse_bool(v) for k, v in values.items() if k in names}
            found = replace(self, **known)
            if len(_PARSED) >= PARSED_MEMO:
                _PARSED.clear()
            _PARSED[key] = found
        return found


#: Parsed settings remembered by :meth:`StoreSettings.with_values` before the memory is cleared
#: (a handful of stores' settings in practice).
PARSED_MEMO = 256
_PARSED: dict[tuple[StoreSettings, tuple[tuple[str, str], ...]], StoreSettings] = {}
_STORE_NAMES = frozenset(StoreSettings.names())
_DEFAULTS = StoreSettings()
#: :meth:`StoreSettings.from_stored`'s answers by the stored texts.
_FROM_STORED: dict[tuple[tuple[str, str], ...], StoreSettings] = {}


SETTING_HELP = {
    "serialized_inventory": "track stock by serial at this store (receive, count and sell by unit)",
    "auto_prompt_serial": "open serial entry at once when a required-serial product is added",
    "show_serial_on_invoice": "print serials on invoice lines",
    "aggregate_duplicate_items": "merge repeated scans of a non-serialized product into one line",
    "require_shift": "a sale needs an open shift on its terminal (serialpos shift open)",
    "offline_requires_manager_pin": "a store terminal sells offline only after a manager's PIN",
}


def check_setting(key: str, value: str) -> tuple[str, bool]:
    key = key.strip()
    if key not in StoreSettings.names():
        from serialpos.domain.chain_settings import ChainSettings
        from serialpos.domain.store_details import STORE_DETAIL_LIMITS

        names = (*StoreSettings.names(), *STORE_DETAIL_LIMITS, *ChainSettings.names())
        known = ", ".join(names)
        raise BadValue(f"unknown setting '{clip(key)}'; settings are: {known}")
    return key, parse_bool(value)
