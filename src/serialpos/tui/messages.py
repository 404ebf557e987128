"""Facts that thread workers post back to the screens (past tense: they have happened).

Workers call services and post one of these; ``post_message`` is the one thread-safe call
into Textual. The payloads are the services' own frozen dataclasses, imported for type
checking only, so this module stays light enough for the login screen's start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from serialpos.devices.settings import ScannerSettings
    from serialpos.devices.source import ScanSource, SourceState
    from serialpos.domain.decoder import DecodedScan
    from serialpos.domain.products import Product
    from serialpos.services.lookup import UnitCard
    from serialpos.terminal.link import LinkState
    from serialpos.tui.session import Session


@dataclass
class DatabaseOpened(Message):
    """The database answered; here are its stores and what the terminal config says."""

    stores: tuple[tuple[str, str], ...]
    config_store: str | None
    terminal: str
    has_users: bool


@dataclass
class DatabaseFailed(Message):
    """The database or the terminal config could not be used; ``message`` says why."""

    message: str


@dataclass
class LoggedIn(Message):
    """A user's PIN was right; the console works for them at ``session.store`` now."""

    session: Session


@dataclass
class LoginRefused(Message):
    """Wrong user or PIN, or the store could not be used."""

    message: str


@dataclass
class SerialLookedUp(Message):
    """Every unit carrying ``serial`` (none, one, or one per product), with their history."""

    serial: str
    cards: tuple[UnitCard, ...]


@dataclass
class ProductsFound(Message):
    """A product search finished."""

    text: str
    products: tuple[Product, ...]
    limit: int


@dataclass
class SerialModeChanged(Message):
    """A manager changed the serial mode of these products."""

    mode: str
    products: tuple[Product, ...]


@dataclass
class ActionFailed(Message):
    """A service refused or failed; ``message`` is the sentence to show."""

    message: str


@dataclass
class StillWorking(Message):
    """A job has run for over a second (most often: another terminal holds the database's
    write lock, which is waited for, never reported as a failure)."""

    message: str


# -- scanners ------------------------------------------------------------------------------
# Reader threads post these to the app (post_message is thread-safe and never blocks them);
# the keyboard wedge posts ScanRead from the app's own key handling. The app hands a ScanRead
# on to the screen in front, so every source reaches a flow the same way.


@dataclass
class ScanRead(Message, bubble=False):
    """A scanner read one barcode: ``source`` is "keyboard" (the wedge) or the device's name."""

    raw: str
    source: str
    decoded: DecodedScan


@dataclass
class ScannerStateChanged(Message):
    """A serial or evdev scanner connected, went missing, or failed to open."""

    state: SourceState


@dataclass
class ScanDropped(Message):
    """A scanner sent something that cannot be a scan (not text, too long); it was dropped."""

    message: str
    source: str


@dataclass
class ScannersReady(Message):
    """The terminal config's ``[scanner]`` table was read; these sources are built, not started."""

    settings: ScannerSettings
    sources: tuple[ScanSource, ...]


@dataclass
class ScannersFailed(Message):
    """The ``[scanner]`` table could not be used; ``message`` says which key and why."""

    message: str


@dataclass
class LinkChanged(Message):
    """A store terminal's sync worker finished a round (or a sale was pushed): the link to
    central, the entries waiting and the oldest one's age."""

    state: LinkState
