"""The list a scan-out document keeps: one :class:`Entry` per unit, read newest first by
:class:`Newest` without copying, and how many units it holds in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload


@dataclass(frozen=True)
class Entry:
    """One unit on the list: ``sign`` +1 for a unit coming in (adjustments), -1 going out."""

    sku: str
    serial: str
    sign: int = -1


class Newest(Sequence[Entry]):
    """The list read backwards without copying it: the newest unit first."""

    def __init__(self, items: list[Entry]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | Sequence[Entry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.items[len(self.items) - 1 - index]


def units(count: int) -> str:
    return f"{count:,} unit{'s' if count != 1 else ''}"
