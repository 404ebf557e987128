"""Who is signed in at this console, and at which store: view state the screens read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from serialpos.services.context import Actor


@dataclass(frozen=True)
class Session:
    """Made by a successful login; dropped at log out."""

    actor: Actor
    store: str
    store_name: str
    #: The chain's idle log out, read at login (0: never).
    idle_logout_minutes: int = 15

    @property
    def user(self) -> str:
        return self.actor.user

    @property
    def role(self) -> str:
        return self.actor.role.value

    @property
    def terminal(self) -> str:
        return self.actor.terminal
