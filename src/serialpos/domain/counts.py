"""Cycle-count reconciliation rules: which class each counted serial falls in, which units
went missing, which serials were seen in more than one batch, and what approval posts.

Pure: the service loads the count's scans and the ledger's view (in bulk, as sets) and these
functions decide. A serial scanned in two batches is one unit: reconciliation works on the
*set* of scanned serials, so no unit can be counted twice, and the batches that saw it are
reported beside it.

Classes of a scanned serial (exactly one each):

- ``matched``: the ledger has it in stock at this store;
- ``never_seen``: the ledger does not know it (for this product);
- ``elsewhere``: the ledger knows it in another place: in stock (or reserved, in transit,
  expected) at another store, or here in a state other than in stock (reserved, sold,
  written off, returned to the vendor...). Where and what is said.

And of the ledger's units: ``missing`` — in stock here, in the count's scope, nobody scanned it,
and in stock here since before the count counted its product; a unit not scanned that the
ledger moved since (received, returned, transferred in after the count) is ``arrived_since``:
the count could not have seen it, so it is listed and never written off.

A count is judged at the time it counted, not at approval: a scanned unit the ledger moved
after its scan (written off, sold, shipped since) is left as the ledger has it, never put
back in stock on the count's older word (``Elsewhere.moved_since``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sized
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import TypeVar

from serialpos.domain.errors import DomainError


class CountClosed(DomainError):
    """The count was approved already: it is closed for scans and for a second approval."""

    code = "count_closed"


class CountChanged(DomainError):
    """The count was scanned after the reconciliation its approver confirmed was read: the
    approval would post units and quantities nobody reviewed (a serial typed wrong by a worker
    still counting made a new unit). Nothing is posted; the count is reviewed again."""

    code = "count_changed"


class NotInCount(DomainError):
    """A product outside the count's chosen products."""

    code = "not_in_count"


@dataclass(frozen=True)
class Place:
    """Where the ledger has a unit: its state and its store's code."""

    state: str
    store: str

    @property
    def words(self) -> str:
        return f"{self.state.replace('_', ' ')} at {self.store}"


class ElsewhereAction(enum.StrEnum):
    """What approval does with a unit found here that the ledger places elsewhere."""

    #: Written off at this store and found on the shelf: approval puts it back in stock.
    RESTORE = "restore"
    #: Anything else is left as it is and listed: the ledger's other store, or a sale, transfer,
    #: reservation or vendor return, is a fact a person must settle with the right document
    #: (receive the transfer, return the sale...). Moving it here silently would hide the
    #: loss at the other store and forge the unit's history.
    LEAVE = "leave"


@dataclass(frozen=True)
class Elsewhere:
    serial: str
    place: Place
    action: ElsewhereAction
    #: The ledger moved the unit after the count scanned it: its state is newer than the
    #: count's sighting, so approval leaves it (a written-off unit is not put back).
    moved_since: bool = False

    @property
    def hint(self) -> str:
        """What a person should do about it, in words."""
        state = self.place.state
        if self.moved_since:
            return f"{self.place.words} since it was counted: left so (recount it if unsure)"
        if self.action is ElsewhereAction.RESTORE:
            return "written off here: approval puts it back in stock"
        if state == "in_transit":
            return f"in transit to {self.place.store}: receive the transfer there"
        if state == "sold":
            return "sold: take it back as a return if it was never handed over"
        if state == "reserved":
            return f"on an open sale at {self.place.store}"
        if state == "expected":
            return f"expected at {self.place.store}: receive it on its ASN"
        if state == "returned_to_vendor":
            return "returned to the vendor: receive it if it came back"
        if state == "in_stock":
            return f"in stock at {self.place.store}: transfer it here"
        return self.place.words

    def scan_warning(self, document: str | None) -> str | None:
        """What the scan of this unit says at once, or None when approval does what the
        person expects (a unit written off here is put back in stock). A sold, reserved,
        expected or other store's unit is counted as found, but approval leaves it where
        the ledger has it (:attr:`hint`, in the review's Elsewhere list): the person scanning
        must not walk on believing the unit is fine. ``document``: the one that put it there
        (the latest of its events with one)."""
        if self.action is ElsewhereAction.RESTORE:
            return None
        state, store = self.place.state, self.place.store
        where = {
            "sold": "is sold",
            "reserved": f"is on an open sale at {store}",
            "expected": f"is expected at {store}",
            "in_transit": f"is in transit to {store}",
            "returned_to_vendor": "was returned to the vendor",
        }.get(state, f"is {self.place.words}")
        # The sale, ASN, transfer or vendor return holding it is what a person settles it
        # with; a receipt or write-off at another store says nothing more than the store.
        shown = document is not None and state not in ("in_stock", "written_off")
        why = f" ({document})" if shown else ""
        return f"{self.serial} {where}{why}: counted as found on the shelf; review before approving"


def found_here(serial: str, place: Place, store: str) -> Elsewhere | None:
    """A scanned unit the ledger has as ``place``, counted at ``store``: None when it is in
    stock here (matched), else where it is and what approval does (the review's rule,
    :func:`classify_sides`)."""
    if place.state == "in_stock" and place.store == store:
        return None
    return away_from_here(serial, place, store)


def away_from_here(serial: str, place: Place, store: str, moved_since: bool = False) -> Elsewhere:
    """A scanned serial the review does not match, where the ledger has it and what approval
    does: a unit written off here is put back, any other is left where it is. ``moved_since``:
    the ledger moved it after the count scanned it (written off since, say): left too."""
    restore = place.state == "written_off" and place.store == store and not moved_since
    action = ElsewhereAction.RESTORE if restore else ElsewhereAction.LEAVE
    return Elsewhere(serial, place, action, moved_since)


_S = TypeVar("_S")


class Matched(AbstractSet[str]):
    """The scanned serials that are in stock here (``scanned & here``), as a set that is
    not built: a count of a million serials matches nearly all of them, and what the
    reconciliation needs is how many (``len``), which is the scanned ones less the few that
    are not here. Membership and iteration read the two sets."""

    __slots__ = ("_here", "_scanned", "_size")

    def __init__(self, scanned: AbstractSet[str], here: AbstractSet[str], size: int) -> None:
        self._scanned, self._here, self._size = scanned, here, size

    def __contains__(self, serial: object) -> bool:
        return serial in self._scanned and serial in self._here

    def __iter__(self) -> Iterator[str]:
        here = self._here
        return (serial for serial in self._scanned if serial in here)

    def __len__(self) -> int:
        return self._size

    def __hash__(self) -> int:
        return self._hash()  # frozenset's hash, as the set it stands for

    @classmethod
    def _from_iterable(cls, serials: Iterable[_S]) -> frozenset[_S]:
        """What ``|``, ``&`` and ``-`` with it give: a plain frozenset."""
        return frozenset(serials)

    def __repr__(self) -> str:
        return f"Matched({len(self)} serials)"


@dataclass(frozen=True)
class MatchedCount:
    """How many scanned serials are in stock here, where the two sides were compared by the
    database (:class:`Sides`): no set of them is held."""

    size: int

    def __len__(self) -> int:
        return self.size


@dataclass(frozen=True)
class Sides:
    """One product's scanned serials compared with its units in stock here: how many of
    each (``scanned`` distinct serials, ``here`` units), the scanned ones not in stock here
    (few: looked up in the ledger to say where they are) and the units nobody scanned
    (``missing``, sorted). A million-serial count is compared where it is stored (set
    operations in SQL) and only this comes back. ``moved``: the serials among ``not_here``
    and ``missing`` whose unit the ledger moved after the count saw (or looked for) it."""

    scanned: int
    here: int
    not_here: AbstractSet[str]
    missing: tuple[str, ...]
    moved: AbstractSet[str] = frozenset()

    @property
    def matched(self) -> int:
        return self.scanned - len(self.not_here)


@dataclass(frozen=True)
class SerialClasses:
    """One product's serial reconciliation (``matched``: a set of them where the sides were
    compared as sets, else their number)."""

    matched: Sized
    missing: tuple[str, ...]
    never_seen: tuple[str, ...]
    elsewhere: tuple[Elsewhere, ...]
    #: In stock here, not scanned, moved by the ledger since the count counted the product
    #: (received, returned, transferred in): not judged, left in stock.
    arrived_since: tuple[str, ...] = ()


def classify(
    scanned: AbstractSet[str],
    here: AbstractSet[str],
    known: Mapping[str, Place],
    store: str,
    moved: AbstractSet[str] = frozenset(),
) -> SerialClasses:
    """Classify one product's scanned serials.

    ``scanned``: the distinct serials counted (over every batch); ``here``: the ledger's units
    in stock at ``store``; ``known``: where the ledger has the scanned serials that are not in
    ``here`` (a serial absent from both is never seen); ``moved``: the units the ledger moved
    after the count scanned them, or, not scanned, after it counted their product.
    """
    not_here = scanned - here
    matched = Matched(scanned, here, len(scanned) - len(not_here))
    sides = Sides(len(scanned), len(here), not_here, tuple(sorted(here - scanned)), moved)
    return replace(classify_sides(sides, known, store), matched=matched)


def classify_sides(sides: Sides, known: Mapping[str, Place], store: str) -> SerialClasses:
    """Classify one product's scanned serials from the two sides compared
    (:class:`Sides`); ``known`` as for :func:`classify`."""
    never_seen: list[str] = []
    elsewhere: list[Elsewhere] = []
    for serial in sorted(sides.not_here):
        place = known.get(serial)
        if place is None:
            never_seen.append(serial)
            continue
        # Not among the units in stock here, whatever ``place`` says (a unit of the store
        # outside the counted set): never dropped from the review.
        elsewhere.append(away_from_here(serial, place, store, serial in sides.moved))
    # A unit nobody scanned is missing only if it was here when the count looked for it:
    # one the ledger moved since (received, returned after the count) is not judged.
    missing = tuple(s for s in sides.missing if s not in sides.moved)
    arrived = tuple(s for s in sides.missing if s in sides.moved)
    return SerialClasses(
        MatchedCount(sides.matched), missing, tuple(never_seen), tuple(elsewhere), arrived
    )


def duplicates(sightings: Iterable[tuple[str, int]]) -> dict[str, tuple[int, ...]]:
    """Serials seen in more than one batch, with the batches (sorted), from (serial, batch)
    pairs."""
    batches: dict[str, set[int]] = {}
    for serial, batch in sightings:
        batches.setdefault(serial, set()).add(batch)
    return {s: tuple(sorted(b)) for s, b in batches.items() if len(b) > 1}


@dataclass(frozen=True)
class QuantityDifference:
    """A product counted by quantity (or the quantity beside an optional-serial product's
    known units): counted against the ledger's on-hand quantity."""

    sku: str
    counted: int
    on_hand: int  # when counted: today's on hand less what moved since
    known_units: int | None = None  # optional-serial products: units the ledger has here
    #: The on-hand change the ledger recorded since the count counted the product (sales,
    #: receipts...): approval applies :attr:`difference` to today's on hand, which is
    #: ``on_hand + moved_since``, so a sale after the count is not counted twice.
    moved_since: int = 0

    @property
    def difference(self) -> int:
        """The variance measured when counted, which approval posts."""
        return self.counted - self.on_hand


def quantity_residual(units_after: int, quantity_after: int) -> int:
    """The quantity-only correction that makes a serial-tracked product's on-hand quantity
    equal its in-stock units after the serial adjustments: nonzero where the quantity was not
    backed by units (serialized inventory just switched on, so the first count starts serial
    tracking) or units were sold while tracking was off."""
    return units_after - quantity_after
