"""Keys typed while a login is being checked, kept for the menu that follows.

A cashier types the PIN, Enter and the menu key in one go. The login is checked on a thread
(the database, the PIN's hash); until its answer lands the login form is still in front, so a
key typed in that moment went to the PIN field, which the login then clears: the key was lost
(on a store terminal, whose check takes longer, a key typed up to a second or two after Enter),
and the next key meant for the Sale landed on Home instead. From the Enter that submits the form
until the login is answered, the console keeps every key here: once logged in they are handed
to Home in the order they were typed, with their own times (so the keyboard wedge still tells
typing from a scan); a refused login drops them (they were typed for a menu that never came,
not for the PIN field the refusal empties and focuses).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from textual import events

log = logging.getLogger(__name__)

#: Seconds a hold may last: a login is answered long before (a refusal included). Should a
#: path that never answers be missed, the keyboard works again after this, never dead.
HOLD_LIMIT = 15.0

#: Sends a kept key on its way as if just typed (the console's own key handling).
KeyRoute = Callable[[events.Key], Awaitable[None]]


class TypeAhead:
    """Holds keys while a login is checked; see the module's docstring."""

    def __init__(self, route: KeyRoute, clock: Callable[[], float] = time.monotonic) -> None:
        self.route = route
        self.holding = False
        self._held: list[events.Key] = []
        self._clock = clock
        self._since = 0.0

    def hold(self) -> None:
        """Keep the keys typed from now on (an Enter has submitted the login form)."""
        self.holding = True
        self._since = self._clock()

    def take(self, event: events.Key) -> bool:
        """True when ``event`` is kept for later (a login is being checked). A hold past
        :data:`HOLD_LIMIT` ends with its keys dropped (logged), and this key goes on."""
        if self.holding and self._clock() - self._since > HOLD_LIMIT:
            log.warning(
                "login not answered in %.0f s: %d typed key(s) dropped", HOLD_LIMIT, len(self._held)
            )
            self.drop()
        if self.holding:
            self._held.append(event)
        return self.holding

    async def replay(self) -> None:
        """Stop holding and send the kept keys on, in the order they were typed: after a
        login (to the menu), or when the form submitted nothing to check (to the form)."""
        while self._held:  # a key typed meanwhile is kept behind these, and sent in turn
            await self.route(self._held.pop(0))
        self.holding = False

    def drop(self) -> None:
        """Stop holding and forget the kept keys (a refused login)."""
        self.holding = False
        self._held.clear()
