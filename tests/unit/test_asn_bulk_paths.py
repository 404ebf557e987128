"""The ASN import's bulk helpers give what the per-event code gives: :func:`column_tails` and
:func:`chain_digests` the digests of :func:`event_hash`, for events of every field type (times
with and without a zone, ids given as text, lines given as numbers, missing fields, text needing
JSON escapes, values equal but of other types), given as shared values or as columns; the IMEI
Luhn check the verdicts of stdnum."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from serialpos.domain import ledger_chain
from serialpos.domain.ledger_chain import (
    GENESIS,
    HASHED_FIELDS,
    chain_digests,
    column_tails,
    event_hash,
)

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


@pytest.mark.parametrize("shared_fields", [(), ("at", "action", "store_id", "document_id")])
def test_the_bulk_hasher_gives_event_hash_digests(
    monkeypatch: pytest.MonkeyPatch, shared_fields: tuple[str, ...]
) -> None:
    """Every field a column (each odd type in it), or the fields all events have the same
    given once as shared; "reason" in neither (None); a column not hashed ignored."""
    monkeypatch.setattr(ledger_chain, "TAIL_MEMO", 3)  # memories cleared along the way too
    shared = {name: _events()[0][name] for name in shared_fields}
    events = [e for e in _events() if all(e[k] == v for k, v in shared.items())]
    assert len(events) >= 16  # only the variant with another time left out
    columns = {k: [e.get(k) for e in events] for k in KEYS if k not in shared}
    got = chain_digests(GENESIS, 1, column_tails(shared, columns, len(events)))
    want, previous = [], GENESIS
    for seq, event in enumerate(events, start=1):
        previous = event_hash(previous, seq, event)
        want.append(previous)
    assert got == want
    assert len(set(got)) == len(got)  # the case this is about: every event hashed apart


def test_event_hash_hashes_each_field_as_read_back() -> None:
    """The hash takes a value already plain as it is and makes the rest plain (an id given as
    text, a line number given as a number, an enum, a zoned time, a str subclass): the same
    JSON as every field made plain one by one."""
    import hashlib
    import json
    from enum import StrEnum

    class Kind(StrEnum):
        SELL = "sell"

    class Text(str):
        pass

    events = [
        *_events(),
        {"action": Kind.SELL, "serial": Text("S-1"), "store_id": True, "quantity": -1},
    ]
    for event in events:
        plain = [ledger_chain._plain(name, event.get(name)) for name in HASHED_FIELDS]
        text = json.dumps([GENESIS, 4, *plain], ensure_ascii=False, separators=(",", ":"))
        want = hashlib.sha256(text.encode()).hexdigest()
        assert event_hash(GENESIS, 4, event) == want, event


def test_event_hash_writes_the_encoders_json_for_any_previous_and_seq() -> None:
    """The hash writes its JSON text itself (not through the encoder): for every event and
    field type above, after a chain hash, after text needing escapes (a previous given by a
    caller as a str subclass, a seq as a bool: the encoder's path), it is the SHA-256 of
    exactly what ``json.dumps`` writes for the list, and a naive time is written as its
    ISO text with microseconds."""
    import hashlib
    import json

    class Text(str):
        pass

    def reference(previous: object, seq: object, event: dict[str, object]) -> str:
        plain = [ledger_chain._plain(name, event.get(name)) for name in HASHED_FIELDS]
        text = json.dumps([previous, seq, *plain], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    previous_values: list[object] = [GENESIS, "ab" * 32, 'é " \\ \x02', Text("f" * 64)]
    for event in _events():
        for previous in previous_values:
            for seq in (1, 12_345_678_901, True):
                got = event_hash(previous, seq, event)  # type: ignore[arg-type]
                assert got == reference(previous, seq, event), (previous, seq, event)
    at = datetime(2026, 12, 2, 10, 0, 0)  # no microseconds: still written with them
    text = json.dumps([GENESIS, 1, "2026-12-02T10:00:00.000000", *[None] * 14])
    want = hashlib.sha256(text.replace(", ", ",").encode()).hexdigest()
    assert event_hash(GENESIS, 1, {"at": at}) == want


def test_column_tails_refuses_a_column_of_another_length() -> None:
    with pytest.raises(ValueError, match="serial: 2 values for 3 events"):
        column_tails({}, {"serial": ["a", "b"]}, 3)


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


def test_imeis_all_well_formed_checked_at_once_agree_with_stdnum() -> None:
    """A column of 15-digit IMEIs only (the usual ASN: the shape told for all at once, every
    block's Luhn sum in one multiplication) names exactly the serials stdnum's Luhn refuses,
    in order, the first and the last included, repeats said each time."""
    import random

    from stdnum import luhn

    from serialpos.domain.serials import SerialFormat

    rng = random.Random(15)
    numbers = [str(rng.randrange(10**14, 10**15)) for _ in range(5000)]
    numbers += [n[:-1] + luhn.calc_check_digit(n[:-1]) for n in numbers[:2500]]
    numbers += ["999999999999999", "000000000000000", numbers[0]]
    rng.shuffle(numbers)
    bad_first = "490154203237519"  # 490154203237518 with a wrong check digit
    serials = [bad_first, *numbers, bad_first]
    expected = [(s, "the IMEI check digit is wrong") for s in serials if not luhn.is_valid(s)]
    assert expected[0][0] == bad_first and expected[-1][0] == bad_first
    assert len(expected) < len(serials)
    assert list(SerialFormat("imei").problems(serials)) == expected


def test_formats_checked_together_say_what_each_check_says() -> None:
    """``SerialFormat.problems`` (the ASN import's check of every listed serial at once) names
    the same serials, with the same reasons, in the same order, as ``problem`` one by one;
    for IMEIs its check digits agree with stdnum's Luhn."""
    import random

    from stdnum import luhn

    from serialpos.domain.serials import SerialFormat

    rng = random.Random(16)
    numbers = [str(rng.randrange(10**14, 10**15)) for _ in range(3000)]
    numbers += [n[:-1] + luhn.calc_check_digit(n[:-1]) for n in numbers[:1500]]
    odd = ["", "12345", "abc", "4901542032375180", "49015420323751X", "490154203237518"]
    odd += [
        "\u0664\u0669\u0660\u0661\u0665\u0664\u0662\u0660\u0663\u0662\u0663\u0667\u0665\u0661\u0668"
    ]
    serials = odd + numbers + odd  # listed twice: said twice, as one by one
    rng.shuffle(serials)
    for spec in ("imei", "digits", "alnum", "SN[0-9]{3}"):
        fmt = SerialFormat(spec)
        one_by_one = [(s, why) for s in serials if (why := fmt.problem(s)) is not None]
        assert list(fmt.problems(serials)) == one_by_one, spec
        assert list(fmt.problems([])) == []
    imei = SerialFormat("imei")
    wrong_check = {s for s, why in imei.problems(serials) if "check digit" in why}
    assert wrong_check  # the case this is about happened
    assert wrong_check == {
        s for s in serials if len(s) == 15 and s.isdigit() and s.isascii() and not luhn.is_valid(s)
    }
