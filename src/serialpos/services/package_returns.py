"""A package opened at the sale (exploded) comes back whole: its line and its parts together.

At the sale an exploded package is its own line (its price) and, under it, one line per
component unit (priced in the package, 0.00): the package line holds the money, the part lines
hold the units. Returning the package line alone used to refund its price and bring nothing
back (the drill and the bit set of a drill kit stayed sold to a customer who had been paid for
them), and returning a part line alone brought its unit back on a 0.00 refund note (the
customer kept the kit's money). Neither is a return a shop makes, so:

- naming the package line returns its part lines with it (each part's unit back to stock, or
  written off when the package line or that part is named damaged): the units are the ones
  recorded on the part lines at the sale, nothing to scan again;
- naming a part line without its package line is refused (``package_part``), naming the
  package line to return. A part whose package line was already returned (recorded before this
  rule) may still be returned alone: its money came back then, its unit did not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import LineStatus
from serialpos.domain.package_parts import SoldLine, part_without_package


def with_parts(
    lines: Mapping[int, sa.Row[object]],
    chosen: Sequence[sa.Row[object]],
    broken: set[int],
    order: str,
) -> tuple[list[sa.Row[object]], set[int]]:
    """The lines to return (``chosen`` and every sold part of a package line among them) and
    the ids to write off (``broken`` and the parts of a package line in it); ``lines``: all
    the order's lines by id. A part line named without its sold package line is refused."""
    named = {r._mapping["id"] for r in chosen}
    refused = part_without_package(
        order,
        {
            line_id: SoldLine(
                line_id,
                r._mapping["number"],
                r._mapping["sku"],
                r._mapping["package_line"],
                r._mapping["status"] == LineStatus.FULFILLED,
            )
            for line_id, r in lines.items()
        },
        [r._mapping["id"] for r in chosen],
    )
    if refused is not None:
        raise BadRequest(refused, code="package_part")
    taken = list(chosen)
    written_off = set(broken)
    for r in chosen:
        if r._mapping["package_type"] != "exploded":
            continue
        kit = r._mapping["id"]
        for part in lines.values():
            p = part._mapping
            if p["package_line"] != kit or p["id"] in named:
                continue
            if p["status"] != LineStatus.FULFILLED:
                continue  # a part returned before (or never sold) has nothing to bring back
            taken.append(part)
            named.add(p["id"])
            if kit in broken:
                written_off.add(p["id"])
    return taken, written_off
