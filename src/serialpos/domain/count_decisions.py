"""A count made at a store terminal, judged by what the till knew (issue 16).

A till approves a count against its own copy of the store: the units it had in stock there
and did not find are written off (``missing``), the serials it found that it did not hold in
stock are added (``found``: new to it, or written off there). Central must not count it again
against its own stock: central may hold units the till never saw (received at another till
after the till's last pull) and would write them off, and it may hold a serial the till
added as new in stock at another store. So the till sends its **decisions** with the count
(``decided``) and central applies each one that is still legal, by :func:`settle`:

- a unit the till found missing is written off only while central has it in stock at the
  count's store, the state the till saw; written off there already, nothing is left to do;
  anywhere else (sold, shipped, at another store) it is a **conflict** naming the unit;
- a unit the till found is added (a serial central does not know at all) or put back in
  stock (written off at the count's store); in stock here already, nothing is left to do;
  held in any other state or store, or known at central only as **another product's**
  (the till could not know its product), it is a **conflict** naming the unit, never
  moved and never recorded under the till's product;
- a unit the till scanned without a decision (a match: in stock there as the till knew it)
  that central holds **written off at the count's store** (another till's count wrote it
  off meanwhile) is put back in stock, as for a found decision: the scan is the unit on the
  shelf, physical evidence central must not drop (:func:`settle`'s ``scanned``);
- such a unit central holds **sold, or anywhere but in stock or reserved at the count's
  store** (sold at another till, shipped, at another store meanwhile) is left as central
  has it and is a **conflict** naming the unit (``matched``): the shelf and central's record
  disagree about where the unit is, which a person settles (take back a sale never handed
  over, receive the transfer...); taking central's state silently hid it. Central's own
  count lists such a unit for the person approving it; a till's count is settled at central
  with nobody there, so the conflict is how a manager sees it;
- any other unit the till did not judge (matched, or not known to it) is left as central
  has it.

Pure: the service reads central's units of the serials named and posts what this says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from serialpos.domain.errors import BadRequest

#: The two kinds of decision a till's count carries.
MISSING, FOUND = "missing", "found"
#: A scan the till decided nothing on (in stock there as it knew it), in a conflict's words.
MATCHED = "matched"
#: Where a scanned unit may be at central with nothing to settle: on the count's store's
#: shelf (reserved: on an open sale there, not yet handed over).
ON_THE_SHELF = frozenset({"in_stock", "reserved"})
#: Longest list of decisions a count line may carry (each kind).
MAX_DECISIONS = 1_000_000


@dataclass(frozen=True)
class Held:
    """A unit central holds with a serial the till named: its product, store and state."""

    sku: str
    store: str
    state: str


@dataclass(frozen=True)
class Illegal:
    """A decision of the till's that central cannot carry out: a conflict for a person.
    ``sku`` names central's unit when it has one (its own product), else the till's."""

    decision: str
    sku: str
    serial: str
    counted_as: str
    held: Held | None
    error: str
    message: str


@dataclass
class Settled:
    """What central does with a till's decisions: per SKU the serials written off, put back
    in stock and added new; the decisions that are illegal there."""

    remove: dict[str, list[str]] = field(default_factory=dict)
    restore: dict[str, list[str]] = field(default_factory=dict)
    add: dict[str, list[str]] = field(default_factory=dict)
    illegal: list[Illegal] = field(default_factory=list)

    def back(self, sku: str) -> list[str]:
        """The serials of ``sku`` that go (back) in stock here: restored and added."""
        return sorted(self.restore.get(sku, []) + self.add.get(sku, []))


@dataclass(frozen=True)
class Decided:
    """A till's decisions on a count: (sku, serial) it wrote off and it added."""

    missing: tuple[tuple[str, str], ...] = ()
    found: tuple[tuple[str, str], ...] = ()

    def units(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys([*self.missing, *self.found]))

    def as_json(self) -> dict[str, list[dict[str, str]]]:
        return {
            MISSING: [{"sku": k, "serial": s} for k, s in self.missing],
            FOUND: [{"sku": k, "serial": s} for k, s in self.found],
        }


def parse(value: object) -> Decided:
    """``decided`` as a count line carries it: ``{"missing": [{"sku", "serial"}...],
    "found": [...]}``; a :class:`BadRequest` naming what is wrong otherwise."""
    if not isinstance(value, Mapping):
        raise BadRequest("'decided' must be an object with 'missing' and 'found'")
    unknown = sorted(set(value) - {MISSING, FOUND})
    if unknown:
        raise BadRequest(f"'decided' has unknown key '{unknown[0]}'")
    lists: dict[str, tuple[tuple[str, str], ...]] = {}
    for kind in (MISSING, FOUND):
        raw = value.get(kind, [])
        if not isinstance(raw, list) or len(raw) > MAX_DECISIONS:
            raise BadRequest(f"'decided.{kind}' must be a list of units")
        units: list[tuple[str, str]] = []
        for n, one in enumerate(raw, start=1):
            if not (
                isinstance(one, Mapping)
                and isinstance(one.get("sku"), str)
                and isinstance(one.get("serial"), str)
                and one["sku"]
                and one["serial"]
            ):
                raise BadRequest(f'\'decided.{kind}[{n}]\' must be {{"sku": …, "serial": …}}')
            units.append((one["sku"], one["serial"]))
        lists[kind] = tuple(units)
    return Decided(lists[MISSING], lists[FOUND])


def of_reconciliation(
    missing: Iterable[tuple[str, str]], found: Iterable[tuple[str, str]]
) -> Decided:
    """The decisions of a count the till approved: what it wrote off and what it added."""
    return Decided(tuple(missing), tuple(found))


def _words(held: Held) -> str:
    return f"{held.sku} {held.state.replace('_', ' ')} at {held.store}"


def settle(
    decided: Decided,
    held: Mapping[str, Sequence[Held]],
    store: str,
    number: str,
    scanned: Iterable[tuple[str, str]] = (),
) -> Settled:
    """What central does with ``decided`` (a count ``number`` at ``store``), ``held`` giving
    central's units of each serial named (any product). ``scanned``: (sku, serial) the till
    scanned on which it decided nothing (at least those central does not hold in stock at
    ``store``); each one central holds written off there is put back in stock, each one it
    holds off the store's shelf (sold, elsewhere) is a conflict."""
    out = Settled()
    judged = set(decided.units())
    for sku, serial in dict.fromkeys(scanned):
        own = next((u for u in held.get(serial, ()) if u.sku == sku), None)
        if (sku, serial) in judged or own is None:
            continue
        if own.store == store and own.state == "written_off":
            out.restore.setdefault(sku, []).append(serial)
        elif own.store != store or own.state not in ON_THE_SHELF:
            out.illegal.append(_off_the_shelf(sku, serial, own, store, number))
    for sku, serial in decided.missing:
        units = held.get(serial, ())
        own = next((u for u in units if u.sku == sku), None)
        if own is not None and own.store == store and own.state == "in_stock":
            out.remove.setdefault(sku, []).append(serial)
        elif own is not None and own.store == store and own.state == "written_off":
            continue  # written off here already (another count): as the till has it
        else:
            where = "central holds no such unit" if own is None else f"central has it {_words(own)}"
            out.illegal.append(
                Illegal(
                    MISSING,
                    sku,
                    serial,
                    sku,
                    own,
                    "not_in_stock",
                    f"count {number} at {store}: the till found {sku} {serial} missing, "
                    f"but {where}: not written off",
                )
            )
    for sku, serial in decided.found:
        units = held.get(serial, ())
        own = next((u for u in units if u.sku == sku), None)
        if own is None and not units:
            out.add.setdefault(sku, []).append(serial)
            continue
        if own is not None and own.store == store and own.state == "in_stock":
            continue  # in stock here already
        if own is not None and own.store == store and own.state == "written_off":
            out.restore.setdefault(sku, []).append(serial)
            continue
        if own is None:
            other = units[0]
            out.illegal.append(
                Illegal(
                    FOUND,
                    other.sku,
                    serial,
                    sku,
                    other,
                    "duplicate_serial",
                    f"count {number} at {store}: the till counted serial {serial} as {sku}, "
                    f"but central knows it as {_words(other)}: not recorded as {sku} "
                    "(check the unit's label and move it with the document that explains it)",
                )
            )
            continue
        out.illegal.append(
            Illegal(
                FOUND,
                sku,
                serial,
                sku,
                own,
                "duplicate_serial",
                f"count {number} at {store}: the till found {sku} {serial} on the shelf, "
                f"but central has it {own.state.replace('_', ' ')} at {own.store}: not "
                "added here (transfer it, or settle it with the document that explains it)",
            )
        )
    return out


def _off_the_shelf(sku: str, serial: str, own: Held, store: str, number: str) -> Illegal:
    """The conflict of a unit the till counted on the shelf at ``store`` (a match for it)
    that central holds elsewhere: left as central has it, named for a person."""
    state = own.state.replace("_", " ")
    if own.state == "sold":
        todo = "take it back as a return if it was never handed over, or accept"
    elif own.store != store:
        todo = "move it with the document that explains it (a transfer), or accept"
    else:
        todo = "settle it with the document that explains it, or accept"
    return Illegal(
        MATCHED,
        sku,
        serial,
        sku,
        own,
        "already_sold" if own.state == "sold" else "invalid_state",
        f"count {number} at {store}: the till counted {sku} {serial} on the shelf, but "
        f"central has it {state} at {own.store}: left so ({todo})",
    )


def central_words(central: Mapping[str, object]) -> list[str]:
    """What central did with a store terminal's count, in words (``count show``): on the
    till, central's answer once the count's entry is settled; at central, the conflicts."""
    state = central.get("state")
    words: list[str] = []
    if state == "accepted":
        moved = [
            f"{len(listed)} {what}"
            for key, what in (
                ("written_off", "written off"),
                ("added", "added"),
                ("put_back", "put back"),
            )
            if isinstance(listed := central.get(key), list) and listed
        ]
        if moved or "written_off" in central:
            words.append("central took it: " + (", ".join(moved) or "nothing to post"))
    elif state in ("conflict", "refused"):
        why = central.get("message") or central.get("error") or ""
        number = central.get("conflict")
        what = f"conflict #{number}" if number is not None else f"{state}"
        words.append(f"NOT TAKEN by central ({what}): {why}; its units are as central has them")
    conflicts = central.get("conflicts")
    if isinstance(conflicts, list):
        words += [
            f"conflict #{c.get('conflict')}: {c.get('message')}"
            for c in conflicts
            if isinstance(c, Mapping)
        ]
    return words
