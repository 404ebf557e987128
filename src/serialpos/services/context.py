"""Who is acting, from which terminal: every service call takes one and records it."""

from __future__ import annotations

from dataclasses import dataclass

from serialpos.domain.users import Permission, Role, require


@dataclass(frozen=True)
class Actor:
    user: str
    role: Role
    terminal: str = "terminal"

    def require(self, permission: Permission) -> None:
        require(self.role, self.user, permission)


#: The actor for work the system does by itself (migrations, demo set-up, first user).
SYSTEM = Actor(user="system", role=Role.ADMIN, terminal="system")
