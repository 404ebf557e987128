"""Scanner settings: the terminal config's raw ``[scanner]`` table, checked and made typed.

``serialpos.config`` keeps the table raw so that it knows nothing about devices; this module is
the one place that says what the keys mean, what their defaults are, and which values are
refused. A bad value raises :class:`serialpos.config.ConfigError` naming the key, so the
cashier's terminal fails at start with a sentence instead of misreading scans later.

The table looks like this (every key optional; no table at all means no devices)::

    [scanner]
    key_gap_ms = 300            # keyboard wedge, screens without a field: the longest pause
                                # between two keys of one scan (300 to 5000)
    min_length = 4              # keyboard wedge, screens without a field: shorter is typing
    gs_substitute = "~"         # a printable character the scanner sends instead of GS

    [[scanner.serial]]
    port = "/dev/ttyUSB0"
    baud = 9600                 # bytesize = 8, parity = "N", stopbits = 1
    suffix = "\\r"              # default: CR, LF or CRLF each end a frame

    [[scanner.evdev]]
    path = "/dev/input/by-id/usb-Honeywell_Scanner-event-kbd"   # or: name = "Honeywell"
    layout = "us"
    grab = true
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from serialpos.config import RETIRED_SCANNER_KEYS, ConfigError, TerminalConfig
from serialpos.devices.keymaps import LAYOUTS

PARITIES = ("N", "E", "O", "M", "S")
PARITY_WORDS = {"NONE": "N", "EVEN": "E", "ODD": "O", "MARK": "M", "SPACE": "S"}
BYTESIZES = (5, 6, 7, 8)
STOPBITS = (1, 1.5, 2)
MAX_SUFFIX_LENGTH = 8


#: The keyboard wedge's default and least ``key_gap_ms``: a pause of up to this long between
#: two keys of a scan (network jitter over SSH) never splits it (docs/scanners.md).
DEFAULT_KEY_GAP_MS = 300
MAX_KEY_GAP_MS = 5000


@dataclass(frozen=True)
class WedgeSettings:
    """The keyboard wedge on screens without a text field (fields take no timing at all):
    keys held for a possible scan wait ``key_gap_ms`` for the next; a run of at least
    ``min_length`` closed by Enter is a scan."""

    key_gap_ms: int = DEFAULT_KEY_GAP_MS
    min_length: int = 4
    gs_substitute: str | None = None


@dataclass(frozen=True)
class SerialScannerSettings:
    """One scanner on a serial port (RS-232 or a USB virtual COM port)."""

    port: str
    baud: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    suffix: str | None = None  # None: CR, LF or CRLF each end a frame

    @property
    def source_name(self) -> str:
        return self.port


@dataclass(frozen=True)
class EvdevScannerSettings:
    """One HID scanner read directly from the kernel's input layer, by path or by name."""

    path: str | None = None
    name: str | None = None  # case-insensitive substring of the device name
    layout: str = "us"
    grab: bool = True

    @property
    def source_name(self) -> str:
        return self.path or f"evdev device named {self.name!r}"


@dataclass(frozen=True)
class ScannerSettings:
    """Everything the ``[scanner]`` table says: wedge thresholds and the attached devices."""

    wedge: WedgeSettings = field(default_factory=WedgeSettings)
    serial: tuple[SerialScannerSettings, ...] = ()
    evdev: tuple[EvdevScannerSettings, ...] = ()

    @property
    def gs_substitute(self) -> str | None:
        """The GS stand-in applies to every source: scanners are configured one by one."""
        return self.wedge.gs_substitute


def scanner_settings(config: TerminalConfig) -> ScannerSettings:
    """The scanner settings of a loaded terminal config."""
    where = str(config.path) if config.path else "terminal config"
    return parse_scanner_settings(config.scanner, where=where)


def parse_scanner_settings(
    table: Mapping[str, Any] | None, where: str = "config"
) -> ScannerSettings:
    """Check the raw ``[scanner]`` table; ``where`` prefixes every error message."""
    if not table:
        return ScannerSettings()
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [scanner] must be a table")
    _refuse_unknown(
        table,
        {"key_gap_ms", "min_length", "gs_substitute", "serial", "evdev"},
        f"{where}: [scanner]",
    )
    ctx = f"{where}: [scanner]"
    key_gap = _int(table, "key_gap_ms", DEFAULT_KEY_GAP_MS, ctx, minimum=DEFAULT_KEY_GAP_MS)
    if key_gap > MAX_KEY_GAP_MS:
        raise ConfigError(f"{ctx}: 'key_gap_ms' must be at most {MAX_KEY_GAP_MS}, not {key_gap}")
    wedge = WedgeSettings(
        key_gap_ms=key_gap,
        min_length=_int(table, "min_length", 4, ctx, minimum=1),
        gs_substitute=_gs_substitute(table, ctx),
    )
    serial = tuple(
        _serial(entry, f"{where}: [[scanner.serial]] #{number}")
        for number, entry in enumerate(_array(table, "serial", where), start=1)
    )
    evdev = tuple(
        _evdev(entry, f"{where}: [[scanner.evdev]] #{number}")
        for number, entry in enumerate(_array(table, "evdev", where), start=1)
    )
    return ScannerSettings(wedge=wedge, serial=serial, evdev=evdev)


def _serial(entry: Mapping[str, Any], ctx: str) -> SerialScannerSettings:
    _refuse_unknown(entry, {"port", "baud", "bytesize", "parity", "stopbits", "suffix"}, ctx)
    port = _str(entry, "port", None, ctx)
    if not port:
        raise ConfigError(f"{ctx}: 'port' is required (for example \"/dev/ttyUSB0\")")
    bytesize = _int(entry, "bytesize", 8, ctx)
    if bytesize not in BYTESIZES:
        raise ConfigError(f"{ctx}: 'bytesize' must be one of 5, 6, 7, 8, not {bytesize}")
    parity_word = (_str(entry, "parity", "N", ctx) or "").upper()
    parity = PARITY_WORDS.get(parity_word, parity_word)
    if parity not in PARITIES:
        raise ConfigError(
            f"{ctx}: 'parity' must be one of N, E, O, M, S (or none, even, odd, mark, space), "
            f"not {parity_word!r}"
        )
    stopbits = entry.get("stopbits", 1)
    if isinstance(stopbits, bool) or stopbits not in STOPBITS:
        raise ConfigError(f"{ctx}: 'stopbits' must be 1, 1.5 or 2, not {stopbits!r}")
    suffix = _str(entry, "suffix", None, ctx)
    if suffix is not None and not 1 <= len(suffix) <= MAX_SUFFIX_LENGTH:
        raise ConfigError(
            f"{ctx}: 'suffix' must be 1 to {MAX_SUFFIX_LENGTH} characters, such as \"\\r\" "
            "(leave it out to end frames at CR, LF or CRLF)"
        )
    return SerialScannerSettings(
        port=port,
        baud=_int(entry, "baud", 9600, ctx, minimum=50),
        bytesize=bytesize,
        parity=parity,
        stopbits=float(stopbits) if stopbits == 1.5 else int(stopbits),
        suffix=suffix,
    )


def _evdev(entry: Mapping[str, Any], ctx: str) -> EvdevScannerSettings:
    _refuse_unknown(entry, {"path", "name", "layout", "grab"}, ctx)
    path = _str(entry, "path", None, ctx)
    name = _str(entry, "name", None, ctx)
    if bool(path) == bool(name):
        raise ConfigError(
            f"{ctx}: give exactly one of 'path' (such as \"/dev/input/by-id/...-event-kbd\") "
            "or 'name' (part of the device name shown by 'serialpos devices list')"
        )
    layout = (_str(entry, "layout", "us", ctx) or "us").lower()
    if layout not in LAYOUTS:
        known = ", ".join(sorted(LAYOUTS))
        raise ConfigError(f"{ctx}: 'layout' {layout!r} is not known (known: {known})")
    grab = entry.get("grab", True)
    if not isinstance(grab, bool):
        raise ConfigError(f"{ctx}: 'grab' must be true or false")
    return EvdevScannerSettings(path=path, name=name, layout=layout, grab=grab)


def _gs_substitute(table: Mapping[str, Any], ctx: str) -> str | None:
    value = _str(table, "gs_substitute", None, ctx)
    if value is None:
        return None
    # The decoder's own rule, so both agree. Imported here: the decoder loads biip, which the
    # CLI's start-up and the console's login screen should not pay for.
    from serialpos.domain.decoder import gs_substitute_error

    problem = gs_substitute_error(value)
    if problem is not None:
        raise ConfigError(f"{ctx}: 'gs_substitute': {problem}")
    return value


def _array(table: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    value = table.get(key, [])
    if isinstance(value, Mapping):  # a single [scanner.serial] table instead of [[...]]
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise ConfigError(f"{where}: 'scanner.{key}' must be a list of tables ([[scanner.{key}]])")
    return value


def _refuse_unknown(table: Mapping[str, Any], known: set[str], ctx: str) -> None:
    # A misspelt key ("baudrate") would otherwise be ignored and the default silently used.
    for key in table:
        if key in RETIRED_SCANNER_KEYS:
            continue  # said as a warning when the config is loaded
        if key not in known:
            raise ConfigError(f"{ctx}: unknown key '{key}' (known: {', '.join(sorted(known))})")


def _int(
    table: Mapping[str, Any], key: str, default: int, ctx: str, *, minimum: int | None = None
) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{ctx}: '{key}' must be a whole number, not {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{ctx}: '{key}' must be at least {minimum}, not {value}")
    return value


def _str(table: Mapping[str, Any], key: str, default: str | None, ctx: str) -> str | None:
    value = table.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{ctx}: '{key}' must be a string, not {value!r}")
    return value
