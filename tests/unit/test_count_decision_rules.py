"""The rules central applies to a store terminal's count decisions (domain/count_decisions.py):
each decision carried out only while still legal, every other one a conflict naming the
unit, and never a serial recorded under a product other than its own."""

from __future__ import annotations

from serialpos.domain.count_decisions import Decided, Held, central_words, settle


def _held(*units: tuple[str, str, str, str]) -> dict[str, list[Held]]:
    out: dict[str, list[Held]] = {}
    for serial, sku, store, state in units:
        out.setdefault(serial, []).append(Held(sku, store, state))
    return out


def test_missing_is_written_off_only_while_in_stock_at_the_store() -> None:
    decided = Decided(missing=(("PH", "A1"), ("PH", "A2"), ("PH", "A3"), ("PH", "A4")))
    held = _held(
        ("A1", "PH", "S1", "in_stock"),
        ("A2", "PH", "S1", "written_off"),  # another count wrote it off: as the till has it
        ("A3", "PH", "S1", "sold"),
    )
    out = settle(decided, held, "S1", "C-1")
    assert out.remove == {"PH": ["A1"]}
    assert [(i.serial, i.error, i.held) for i in out.illegal] == [
        ("A3", "not_in_stock", Held("PH", "S1", "sold")),
        ("A4", "not_in_stock", None),
    ]
    assert "central has it PH sold at S1: not written off" in out.illegal[0].message


def test_found_is_added_or_restored_only_when_central_has_it_nowhere_else() -> None:
    decided = Decided(found=(("PH", "N1"), ("PH", "W1"), ("PH", "H1"), ("PH", "E1"), ("RT", "L1")))
    held = _held(
        ("W1", "PH", "S1", "written_off"),
        ("H1", "PH", "S1", "in_stock"),
        ("E1", "PH", "S2", "in_stock"),
        ("L1", "LT", "S2", "in_stock"),
    )
    out = settle(decided, held, "S1", "C-1")
    assert (out.add, out.restore, out.remove) == ({"PH": ["N1"]}, {"PH": ["W1"]}, {})
    assert out.back("PH") == ["N1", "W1"]
    [elsewhere, other_product] = out.illegal
    assert (elsewhere.sku, elsewhere.serial, elsewhere.error) == ("PH", "E1", "duplicate_serial")
    assert "in stock at S2: not added here" in elsewhere.message
    # Named by central's own unit, never recorded as the product the till counted.
    assert (other_product.sku, other_product.counted_as) == ("LT", "RT")
    assert "central knows it as LT in stock at S2: not recorded as RT" in other_product.message


def test_a_unit_the_till_did_not_judge_is_left_alone() -> None:
    out = settle(Decided(), _held(("X1", "PH", "S1", "in_stock")), "S1", "C-1")
    assert (out.remove, out.add, out.restore, out.illegal) == ({}, {}, {}, [])


def test_the_till_copy_says_what_central_did() -> None:
    taken = {"state": "accepted", "written_off": [{"sku": "PH", "serial": "A1"}], "added": []}
    assert central_words(taken) == ["central took it: 1 written off"]
    refused = {"state": "refused", "error": "permission_denied", "message": "mia may not"}
    assert central_words(refused)[0].startswith("NOT TAKEN by central (refused): mia may not")
    conflicts = {"state": "accepted", "conflicts": [{"conflict": 7, "message": "m"}]}
    assert central_words(conflicts) == ["conflict #7: m"]


def test_a_scan_central_holds_written_off_at_the_store_is_put_back_without_a_decision() -> None:
    """Another till's count wrote W1 off; this till scanned it (a match, no decision): the
    scan is the unit on the shelf. A scan decided on, or of a product central does not hold
    it as, is left alone (a scan held elsewhere is a conflict: the test below)."""
    decided = Decided(found=(("PH", "W2"),))
    held = _held(("W1", "PH", "S1", "written_off"), ("W2", "PH", "S1", "written_off"))
    scanned = [("PH", "W1"), ("PH", "W1"), ("PH", "W2"), ("RT", "W1")]
    out = settle(decided, held, "S1", "C-1", scanned)
    assert out.restore == {"PH": ["W1", "W2"]}
    assert out.illegal == [] and out.back("PH") == ["W1", "W2"]


def test_a_scan_central_holds_off_the_stores_shelf_is_a_conflict_left_as_central_has_it() -> None:
    """The till counted each on the shelf at S1 (matches, no decision). Central holds S1X
    sold, T1 in transit to S2, E1 in stock at S2, W3 written off at S2: each is left as
    central has it and is a conflict naming the unit (``matched``). R1, on an open sale at
    S1 (reserved, not handed over), and H1 in stock there are nothing to settle."""
    held = _held(
        ("S1X", "PH", "S1", "sold"),
        ("T1", "PH", "S2", "in_transit"),
        ("E1", "PH", "S2", "in_stock"),
        ("W3", "PH", "S2", "written_off"),
        ("R1", "PH", "S1", "reserved"),
        ("H1", "PH", "S1", "in_stock"),
    )
    scanned = [("PH", s) for s in ("S1X", "T1", "E1", "W3", "R1", "H1")]
    out = settle(Decided(), held, "S1", "C-1", scanned)
    assert (out.remove, out.add, out.restore) == ({}, {}, {})
    assert [(i.decision, i.serial, i.error, i.held) for i in out.illegal] == [
        ("matched", "S1X", "already_sold", Held("PH", "S1", "sold")),
        ("matched", "T1", "invalid_state", Held("PH", "S2", "in_transit")),
        ("matched", "E1", "invalid_state", Held("PH", "S2", "in_stock")),
        ("matched", "W3", "invalid_state", Held("PH", "S2", "written_off")),
    ]
    sold = out.illegal[0].message
    assert "the till counted PH S1X on the shelf, but central has it sold at S1" in sold
    assert "take it back as a return" in sold
    assert "transfer" in out.illegal[2].message


def test_the_till_copy_says_put_back_apart_from_added() -> None:
    taken = {
        "state": "accepted",
        "written_off": [],
        "added": [{"sku": "PH", "serial": "N1"}],
        "put_back": [{"sku": "PH", "serial": "W1"}, {"sku": "PH", "serial": "W2"}],
    }
    assert central_words(taken) == ["central took it: 1 added, 2 put back"]
