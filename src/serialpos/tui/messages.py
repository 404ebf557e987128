"""Facts that thread workers post back to the screens (past tense: they have happened).

Workers call services and post one of these; ``post_message`` is the one thread-safe call
into Textual. The payloads are the services' own frozen dataclasses, imported for type
checking only, so this module stays light enough for the login screen's start-up. For the
same reason they are plain classes with their own ``__init__``, not ``@dataclass``: making 15
dataclasses (code generated and compiled for each) was about 4.5 ms of the console's own
imports before its login screen (issue 15).
"""

from __future__ import annotations

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


class DatabaseOpened(Message):
    """The database answered; here are its stores and what the terminal config says."""

    def __init__(
        self,
        stores: tuple[tuple[str, str], ...],
        config_store: str | None,
        terminal: str,
        has_users: bool,
    ) -> None:
        super().__init__()
        self.stores = stores
        self.config_store = config_store
        self.terminal = terminal
        self.has_users = has_users


class DatabaseFailed(Message):
    """The database or the terminal config could not be used; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class LoggedIn(Message):
    """A user's PIN was right; the console works for them at ``session.store`` now."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


class LoginRefused(Message):
    """Wrong user or PIN, or the store could not be used; ``unusable``: the database could
    not be used (its disk is full, say), so the PIN was not the problem."""

    def __init__(self, message: str, unusable: bool = False) -> None:
        super().__init__()
        self.message = message
        self.unusable = unusable


class SerialLookedUp(Message):
    """Every unit carrying ``serial`` (none, one, or one per product), with their history;
    with none, ``hint`` may name the serial in other letter case ("did you mean W2D-9?")."""

    def __init__(self, serial: str, cards: tuple[UnitCard, ...], hint: str | None = None) -> None:
        super().__init__()
        self.serial = serial
        self.cards = cards
        self.hint = hint


class ProductsFound(Message):
    """A product search finished."""

    def __init__(self, text: str, products: tuple[Product, ...], limit: int) -> None:
        super().__init__()
        self.text = text
        self.products = products
        self.limit = limit


class SerialModeChanged(Message):
    """A manager changed the serial mode of these products."""

    def __init__(self, mode: str, products: tuple[Product, ...]) -> None:
        super().__init__()
        self.mode = mode
        self.products = products


class ActionFailed(Message):
    """A service refused or failed; ``message`` is the sentence to show."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class StillWorking(Message):
    """A job has run for over a second (most often: another terminal holds the database's
    write lock, which is waited for, never reported as a failure)."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


# -- scanners ------------------------------------------------------------------------------
# Reader threads post these to the app (post_message is thread-safe and never blocks them);
# the keyboard wedge posts ScanRead from the app's own key handling. The app hands a ScanRead
# on to the screen in front, so every source reaches a flow the same way.


class ScanRead(Message, bubble=False):
    """A scanner read one barcode: ``source`` is "keyboard" (the wedge) or the device's name."""

    def __init__(self, raw: str, source: str, decoded: DecodedScan, *, typed: bool = False) -> None:
        super().__init__()
        self.raw = raw
        self.source = source
        self.decoded = decoded
        #: An entry of a scan field typed at a person's pace (not a scanner's): a number in it
        #: may be a quantity (domain/quantity_entry.py). A scanner's read is never typed.
        self.typed = typed


class ScannerStateChanged(Message):
    """A serial or evdev scanner connected, went missing, or failed to open."""

    def __init__(self, state: SourceState) -> None:
        super().__init__()
        self.state = state


class ScanDropped(Message):
    """A scanner sent something that cannot be a scan (not text, too long); it was dropped."""

    def __init__(self, message: str, source: str) -> None:
        super().__init__()
        self.message = message
        self.source = source


class ScannersReady(Message):
    """The terminal config's ``[scanner]`` table was read; these sources are built, not started."""

    def __init__(self, settings: ScannerSettings, sources: tuple[ScanSource, ...]) -> None:
        super().__init__()
        self.settings = settings
        self.sources = sources


class ScannersFailed(Message):
    """The ``[scanner]`` table could not be used; ``message`` says which key and why."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class LinkChanged(Message):
    """A store terminal's sync worker finished a round (or a sale was pushed): the link to
    central, the entries waiting and the oldest one's age."""

    def __init__(self, state: LinkState) -> None:
        super().__init__()
        self.state = state
