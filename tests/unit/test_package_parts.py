"""The package-part rule without a database: a part line comes back only with its package line
(domain/package_parts.py), the one rule the return service and the Returns screen apply."""

from __future__ import annotations

from serialpos.domain.package_parts import SoldLine, part_without_package

KIT = {
    10: SoldLine(10, 1, "BN-DRILLKIT", None, fulfilled=True),
    11: SoldLine(11, 2, "TL-BITS", 10, fulfilled=True),
    12: SoldLine(12, 3, "TL-DRL18", 10, fulfilled=True),
    13: SoldLine(13, 4, "AC-USBC1", None, fulfilled=True),
}


def test_a_part_alone_is_refused_naming_its_package_line() -> None:
    assert part_without_package("S01-000009", KIT, [12]) == (
        "line 3 (TL-DRL18) of order S01-000009 is part of package line 1 (BN-DRILLKIT): "
        "return the package line, and its parts come back with it"
    )


def test_a_part_with_its_package_line_or_an_ordinary_line_is_taken() -> None:
    assert part_without_package("S01-000009", KIT, [10, 12]) is None
    assert part_without_package("S01-000009", KIT, [13]) is None
    assert part_without_package("S01-000009", KIT, [10]) is None


def test_a_part_whose_package_line_came_back_before_may_come_back_alone() -> None:
    returned = {**KIT, 10: SoldLine(10, 1, "BN-DRILLKIT", None, fulfilled=False)}
    assert part_without_package("S01-000009", returned, [12]) is None
