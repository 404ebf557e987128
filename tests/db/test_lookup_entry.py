"""The lookup screen's rule for one entry (services/serial_search.look_up_entry), without a
screen: a serial resolves only exactly; the units whose serial starts with it are offered as a
list, one included, never opened as the answer (the screen showed the card of the only unit
starting with a scan cut short, ``BNA15-000`` -> ``BNA15-0001``); a serial in other letter
case gets "did you mean", never the twin's card."""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.serial_search import look_up_entry


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="TL-DRL18", name="Drill", serial_mode="required")
    products.create_product(db, admin, sku="BN-AUR15", name="Bundle", serial_mode="required")
    for sku, serials in (("TL-DRL18", ["DRL18-A001", "DRL18-A002"]), ("BN-AUR15", ["BNA15-0001"])):
        ledger.move(db, admin, Action.RECEIVE, store="S1", sku=sku, serials=serials)
    return db


def test_a_serial_resolves_only_exactly(shop: Database) -> None:
    exact = look_up_entry(shop, "BNA15-0001")
    assert [c.sku for c in exact.cards] == ["BN-AUR15"] and exact.offered is None
    cut = look_up_entry(shop, "BNA15-000")  # one unit starts with it: offered, not opened
    assert cut.cards == () and cut.hint is None
    assert cut.offered is not None
    assert [m.serial for m in cut.offered.matches] == ["BNA15-0001"]
    several = look_up_entry(shop, "DRL18-A00")
    assert several.offered is not None and len(several.offered.matches) == 2
    assert several.cards == ()


def test_a_unit_picked_from_the_list_and_f3(shop: Database) -> None:
    picked = look_up_entry(shop, "BNA15-0001", "BN-AUR15")
    assert len(picked.cards) == 1
    assert look_up_entry(shop, "BNA15-0001", "TL-DRL18").cards == ()  # never another's
    listed = look_up_entry(shop, "BNA15-0001", starts_with=True)
    assert listed.cards == () and listed.offered is not None
    assert [m.serial for m in listed.offered.matches] == ["BNA15-0001"]


def test_a_case_twin_is_named_never_shown(shop: Database) -> None:
    twin = look_up_entry(shop, "bna15-0001")
    assert (twin.cards, twin.offered, twin.hint) == ((), None, "did you mean BNA15-0001?")
    cut = look_up_entry(shop, "bna15-000")  # a prefix is case-sensitive, no twin either
    assert (cut.cards, cut.offered, cut.hint) == ((), None, None)
