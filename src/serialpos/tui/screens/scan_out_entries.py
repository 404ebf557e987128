"""The list a scan-out document keeps: one :class:`Entry` per unit, read newest first by
:class:`Newest` without copying, after a :class:`Counted` line per product counted without
serials (``AC-USBC1 × 2``), and how many units it holds in words."""

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


@dataclass(frozen=True)
class Counted:
    """A product counted without serials on the list: ``quantity`` units, ``sign`` as an
    :class:`Entry`'s."""

    sku: str
    quantity: int
    sign: int = -1


def counted_lines(quantities: dict[tuple[str, int], int]) -> tuple[Counted, ...]:
    """The products counted (``(sku, sign)``: how many), the latest counted first; none at 0."""
    return tuple(
        Counted(sku, quantity, sign)
        for (sku, sign), quantity in reversed(list(quantities.items()))
        if quantity
    )


class Newest(Sequence[Entry | Counted]):
    """The list read backwards without copying it: the newest unit first, after the products
    counted without serials (:attr:`counted`, set by the screen when it shows its state)."""

    def __init__(self, items: list[Entry], counted: Sequence[Counted] = ()) -> None:
        self.items = items
        self.counted = tuple(counted)

    def __len__(self) -> int:
        return len(self.items) + len(self.counted)

    @overload
    def __getitem__(self, index: int) -> Entry | Counted: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Entry | Counted]: ...

    def __getitem__(self, index: int | slice) -> Entry | Counted | Sequence[Entry | Counted]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index < len(self.items):
            return self.items[len(self.items) - 1 - index]
        return self.counted[index - len(self.items)]


def units(count: int) -> str:
    return f"{count:,} unit{'s' if count != 1 else ''}"
