"""The seal of a store terminal's journal entry (domain/entry_seal.py): a line changed after
it was made no longer matches; one made before seals, or stripped of its seal keys for
central's fingerprint, reads as unsealed."""

import json

from serialpos.domain import entry_seal


def _line(serial: str, seq: int) -> dict[str, object]:
    return {
        "id": f"e-{seq}",
        "op": "sell",
        "store": "S1",
        "sku": "PH1",
        "serial": serial,
        "price": 12.5,
        "journal": {"terminal": "T1", "seq": seq, "user": "mia"},
    }


def test_a_sealed_line_matches_and_a_changed_one_does_not() -> None:
    first = entry_seal.seal(_line("A-1", 1), entry_seal.GENESIS)
    second = entry_seal.seal(_line("A-2", 2), entry_seal.read(first).hash or "")
    read = entry_seal.read(second)
    assert read.intact and read.prev == entry_seal.read(first).hash
    assert entry_seal.read(json.loads(second)).intact  # as central decodes it
    assert not entry_seal.read(second.replace("A-2", "A-9")).intact
    assert not entry_seal.read(second.replace("12.5", "1.5")).intact
    unsealed = json.dumps(_line("A-3", 3))
    assert not entry_seal.read(unsealed).present
    data = json.loads(second)
    assert entry_seal.without_seal(data)["journal"] == _line("A-2", 2)["journal"]
    assert entry_seal.without_seal(_line("A-3", 3)) == _line("A-3", 3)


def test_the_seal_spliced_on_reads_as_the_whole_line_does() -> None:
    sealed = entry_seal.seal(_line("B-1", 1), entry_seal.GENESIS)
    whole = json.loads(sealed)
    assert list(whole["journal"]) == ["terminal", "seq", "user", "prev", "hash"]
    assert entry_seal.read(sealed).intact
    assert entry_seal.hash_of(sealed) == whole["journal"]["hash"] == entry_seal.read(sealed).hash
    moved = {"journal": _line("B-2", 2)["journal"], "op": "sell", "serial": "B-2"}
    other = entry_seal.seal(moved, entry_seal.GENESIS)  # journal not last: written whole
    assert (
        entry_seal.read(other).intact
        and entry_seal.hash_of(other) == json.loads(other)["journal"]["hash"]
    )
