"""A refusal on a conflict of a till's money on an order central closed names the
resolutions that work: ``record_sale`` refused there said "resolve it by accept" while
``refund`` books the money (services/conflicts.py ``ways``)."""

from __future__ import annotations

import pytest
from test_closed_order_money import _deposit_on_voided
from test_conflict_offers import _shop

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.services import conflicts
from serialpos.services.apply.dispatch import apply_object


def test_record_sale_refused_on_a_deposit_names_refund(db: Database) -> None:
    shop = _shop(db)
    number = _deposit_on_voided(shop)
    with pytest.raises(DomainError) as refused:
        conflicts.resolve(db, shop[1], number, "record_sale", apply_object=apply_object)
    # It names the order's state, why record_sale does not fit, and both that do.
    said = str(refused.value)
    assert "holds S1-000001 voided, not fulfilled" in said, said
    assert "resolve it by refund (the deposit paid back from the till's drawer) or accept" in (
        said
    ), said
    assert conflicts.show(db, number)["status"] == "open"
