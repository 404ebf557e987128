"""A serial, transfer number or counter's name typed or pasted with an invisible character
(a zero-width space, a BOM, a soft hyphen, a bidi mark, a no-break space) is refused naming
the character, as the sale's scan field refuses it (``domain/entry_text.py``).

Before, the count took ``A1<NBSP>`` as A1 (``str.strip()`` ate the no-break space) and a
counter named ``Ann<U+200B>``; a transfer looked up as ``T-S1-000001<U+200B>`` was "no
transfer 'T-S1-000001'" (the number it exists under), and a terminal's look-up of sent
transfers by serial found nothing without a word. Only control characters were refused.
"""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import ledger, products, transfers
from serialpos.services.context import Actor
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.console import take
from serialpos.services.counts.views import get_count
from serialpos.services.transfers.sent import sent_json

ODD = {
    "\u200b": "U+200B",  # zero-width space
    "\ufeff": "U+FEFF",  # byte-order mark
    "\u00ad": "U+00AD",  # soft hyphen
    "\u200f": "U+200F",  # right-to-left mark
    "\u00a0": "U+00A0",  # no-break space
}


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["A1", "A2"])
    return db


@pytest.mark.parametrize("char", sorted(ODD))
def test_a_counted_serial_with_an_invisible_character_is_refused(
    shop: Database, admin: Actor, char: str
) -> None:
    info = open_count(shop, admin, "S1")
    start_batch(shop, admin, info.number, "Ann")
    for typed in (f"A1{char}", f"{char}A1", f"A{char}1"):
        with pytest.raises(DomainError) as refused:
            take(shop, admin, info.number, 1, text=typed)
        assert f"holds an invisible character ({ODD[char]} at position" in refused.value.message
    with pytest.raises(DomainError) as named:
        start_batch(shop, admin, info.number, f"Bob{char}")
    assert f"holds an invisible character ({ODD[char]} at position 4)" in named.value.message
    view = get_count(shop, info.number)
    assert [b.counter for b in view.batches] == ["Ann"]
    assert sum(b.scans for b in view.batches) == 0


@pytest.mark.parametrize("char", sorted(ODD))
def test_a_transfer_looked_up_with_an_invisible_character_is_refused_naming_it(
    shop: Database, admin: Actor, char: str
) -> None:
    made = transfers.create_transfer(shop, admin, "S1", "S2")
    with pytest.raises(DomainError) as refused:
        transfers.get_transfer(shop, f"{made.number}{char}")
    assert refused.value.code == "bad_request"
    assert f"holds an invisible character ({ODD[char]} at position" in refused.value.message
    for key, asked in (("number", [f"{made.number}{char}"]), ("serial", [f"A{char}1"])):
        with pytest.raises(DomainError) as sent:
            sent_json(
                shop,
                admin,
                "S1",
                asked if key == "number" else [],
                asked if key == "serial" else None,
            )
        assert f"holds an invisible character ({ODD[char]} at position" in sent.value.message
