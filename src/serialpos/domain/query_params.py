"""Which query parameters a request may carry: a misspelt or repeated one is refused, not
ignored. ``?Store=S01`` read as no filter answered every store's sales, and
``?store=S01&store=S02`` answered S02's alone; a host cannot tell such an answer from the
one it asked for. The names each route takes come from its OpenAPI description
(api/query_check.py), so the document and the check cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from serialpos.domain.errors import BadRequest
from serialpos.domain.text import clip


@dataclass(frozen=True)
class QueryNames:
    """The names one route takes: ``single`` at most once, ``repeatable`` any number of
    times (``?id=a&id=b``)."""

    single: frozenset[str]
    repeatable: frozenset[str]

    def check(self, names: Iterable[str]) -> None:
        """Refuse the first name the route does not take, or a single-valued one given
        twice, naming it (names are case-sensitive, as the document writes them)."""
        seen: set[str] = set()
        for name in names:
            if name in self.repeatable:
                continue
            if name not in self.single:
                raise BadRequest(f"unknown query parameter '{clip(name)}'{self._hint(name)}")
            if name in seen:
                raise BadRequest(
                    f"the query parameter '{name}' is given twice; this route takes it once"
                )
            seen.add(name)

    def _hint(self, name: str) -> str:
        known = sorted(self.single | self.repeatable)
        near = [k for k in known if k.lower() == name.strip().lower()]
        if near:
            return f" (did you mean '{near[0]}'? names are case-sensitive)"
        if not known:
            return " (this route takes none)"
        return " (this route takes " + ", ".join(f"'{k}'" for k in known) + ")"
