"""Settings that hold for the whole chain only (not per-store switches): the PIN lockout, the
console's idle log out, and whether shelf prices include tax. Stored beside the chain's
store-setting defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from serialpos.domain.errors import BadValue
from serialpos.domain.products import parse_bool
from serialpos.domain.text import clip


@dataclass(frozen=True)
class ChainSettings:
    #: Wrong PINs for one name within ``login_window_minutes`` that lock it.
    login_attempts: int = 5
    login_window_minutes: int = 10
    #: How long a locked name stays locked (a manager or admin may unlock sooner).
    lockout_minutes: int = 5
    #: A console session with no key pressed for this long is logged out (0: never).
    idle_logout_minutes: int = 15
    #: Shelf prices include tax (extracted, never added). A chain setting, not a store's:
    #: one feed of prices serves every store. A product's own ``PricesIncludeTax`` wins.
    prices_include_tax: bool = False
    #: A store terminal whose link to central is down refuses sales of a product priced
    #: above this (whole currency units; 0: no limit). Dear units wait for central.
    offline_price_limit: int = 0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_stored(cls, values: dict[str, str]) -> ChainSettings:
        """The defaults with stored text ``values`` over them (``ChainSettings()
        .with_values(values)``), remembered by the stored texts alone, as
        :meth:`StoreSettings.from_stored` is."""
        key = tuple(values.items())
        found = _FROM_STORED.get(key)
        if found is None:
            found = _DEFAULTS.with_values(values)
            if len(_FROM_STORED) >= PARSED_MEMO:
                _FROM_STORED.clear()
            _FROM_STORED[key] = found
        return found

    def with_values(self, values: dict[str, str]) -> ChainSettings:
        """Stored text values over these; a value that cannot be read keeps the default (it
        was checked on the way in, so only a hand-edited row can be unreadable). Remembered
        by (these settings, the exact stored texts), as :meth:`StoreSettings.with_values`
        is: a pure function of its key, never stale."""
        memo = (self, tuple(values.items()))
        found = _PARSED.get(memo)
        if found is not None:
            return found
        known: dict[str, int | bool] = {}
        names = _NAMES
        for key, text in values.items():
            if key in _FLAGS:
                try:
                    known[key] = parse_bool(text)
                except BadValue:
                    continue
            elif key in names and text.strip().isdigit():
                known[key] = int(text)
        found = replace(self, **known)  # type: ignore[arg-type]
        if len(_PARSED) >= PARSED_MEMO:
            _PARSED.clear()
        _PARSED[memo] = found
        return found


#: Parsed settings remembered by :meth:`ChainSettings.with_values` before the memory is cleared.
PARSED_MEMO = 256
_PARSED: dict[tuple[ChainSettings, tuple[tuple[str, str], ...]], ChainSettings] = {}
_NAMES = frozenset(ChainSettings.names())
_DEFAULTS = ChainSettings()
#: :meth:`ChainSettings.from_stored`'s answers by the stored texts.
_FROM_STORED: dict[tuple[tuple[str, str], ...], ChainSettings] = {}


CHAIN_SETTING_HELP = {
    "login_attempts": "wrong PINs for one user name that lock its sign-in",
    "login_window_minutes": "the minutes in which those wrong PINs are counted",
    "lockout_minutes": "how long a locked sign-in stays locked",
    "idle_logout_minutes": "log a console out after this many idle minutes (0: never)",
    "prices_include_tax": "shelf prices include tax: tax is extracted from the price, not added",
    "offline_price_limit": "a store terminal offline sells nothing priced above this (0: no limit)",
}

#: The chain settings that are on/off switches rather than numbers.
_FLAGS = frozenset({"prices_include_tax"})

#: (lowest, highest) accepted for each setting.
_RANGES = {
    "login_attempts": (1, 100),
    "login_window_minutes": (1, 24 * 60),
    "lockout_minutes": (1, 24 * 60),
    "idle_logout_minutes": (0, 24 * 60),
    "offline_price_limit": (0, 100_000_000),
}


def is_chain_setting(key: str) -> bool:
    return key.strip() in ChainSettings.names()


def check_chain_setting(key: str, value: str) -> tuple[str, int | bool]:
    key = key.strip()
    if key in _FLAGS:
        return key, parse_bool(value)
    low, high = _RANGES[key]
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise BadValue(f"{key} must be a whole number from {low} to {high}, not '{clip(text)}'")
    return key, int(text)
