"""A part of a package opened at the sale comes back only with its package line: the refusal.

Pure, so that the return service (services/package_returns.py) and the Returns screen apply one
rule: the screen checks it before it asks "Refund 0.00 cash…?", instead of asking and then
being refused (a question never asks to confirm something that will be refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SoldLine:
    """What the rule needs of one line of the sale."""

    id: int
    number: int
    sku: str
    package_line: int | None  # the id of the package line this part belongs to
    fulfilled: bool


def part_without_package(
    order: str, lines: Mapping[int, SoldLine], chosen: Iterable[int]
) -> str | None:
    """Why ``chosen`` (line ids) cannot come back, or None: a part line named without its
    package line while that package line is still sold. A part whose package line was already
    returned (recorded before this rule) may come back alone: its money came back then."""
    wanted = list(chosen)
    named = set(wanted)
    for line_id in wanted:
        line = lines.get(line_id)
        if line is None or line.package_line is None:
            continue
        package = lines.get(line.package_line)
        if package is None or package.id in named or not package.fulfilled:
            continue
        return (
            f"line {line.number} ({line.sku}) of order {order} is part of package line "
            f"{package.number} ({package.sku}): return the package line, and its parts come "
            "back with it"
        )
    return None
