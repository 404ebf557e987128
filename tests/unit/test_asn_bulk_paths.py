"""The ASN import's bulk helpers give what the per-event code gives: :class:`EventHasher`
the digests of :func:`event_hash`, for events of every field type (times with and without a zone,
ids given as text, lines given as numbers, missing fields, text needing JSON escapes, values
equal but of other types); the IMEI Luhn check the verdicts of stdnum."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from serialpos.domain.ledger_chain import GENESIS, HASHED_FIELDS, EventHasher, event_hash

KEYS = [*HASHED_FIELDS[:-1], "extra"]  # "reason" missing, a column not hashed present


def _events() -> list[dict[str, object]]:
    base: dict[str, object] = {
        "at": datetime(2026, 12, 2, 10, 0, 0, 5),
        "action": "expect",
        "user_name": "ann",
        "terminal": "t1",
        "store_id": 1,
        "product_id": "7",
        "unit_id": None,
        "serial": "3569380000001",
        "from_state": None,
        "to_state": "expected",
        "quantity": 0,
        "document_type": "asn",
        "document_id": "ASN-1",
        "document_line": 3,
        "extra": object(),
    }
    variants: list[dict[str, object]] = [
        {},
        {"at": datetime(2026, 12, 2, 10, 0, tzinfo=UTC)},
        {"serial": 'quote " back \\ ctrl \x01 é \U0001f600'},
        {"document_line": "3"},
        {"document_line": True},
        {"document_line": Decimal("1.0")},
        {"document_line": 1},
        {"unit_id": 5, "quantity": True},
        {"serial": ["not", "hashable"]},
    ]
    return [{**base, **v} for v in variants for _ in range(2)]


def test_the_bulk_hasher_gives_event_hash_digests() -> None:
    hasher = EventHasher(KEYS)
    hasher.MEMO = 3  # cleared along the way too
    previous = GENESIS
    for seq, event in enumerate(_events(), start=1):
        row = tuple(event.get(k) for k in KEYS)
        got = hasher.digest(previous, seq, row)
        assert got == event_hash(previous, seq, event), (seq, event)
        previous = got


def test_luhn_matches_stdnum() -> None:
    import random

    from stdnum import luhn

    from serialpos.domain.serials import luhn_valid

    rng = random.Random(15)
    numbers = [str(rng.randrange(10**14, 10**15)) for _ in range(3000)]
    numbers += [n[:-1] + luhn.calc_check_digit(n[:-1]) for n in numbers[:1000]]
    numbers += ["0", "00", "18", "59", "0000000000000000", "490154203237518"]
    assert any(luhn_valid(n) for n in numbers) and not all(luhn_valid(n) for n in numbers)
    assert [luhn_valid(n) for n in numbers] == [luhn.is_valid(n) for n in numbers]
