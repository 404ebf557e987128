"""``serialpos scan decode`` of a shipping label, an SSCC in ``(00)...`` or its 20 raw digits,
said only ``kind: serial``: a technician setting up a scanner read the pallet's label as a
unit's serial. The JSON keeps its keys (``kind`` stays the decoder's, pinned) and adds
``sscc`` (the code) and ``case_label`` (what it is, in words); the lines name it too. A case's
label (AI 02 with a count) is named the same way; a unit's serial names none."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from serialpos.cli.scan import app
from serialpos.domain.case_codes import sscc_of

SSCC = "350123450000000016"  # its check digit right
runner = CliRunner()


@pytest.mark.parametrize("raw", [f"(00){SSCC}", f"00{SSCC}", f"]C100{SSCC}"])
def test_an_sscc_is_named_in_json(raw: str) -> None:
    outcome = runner.invoke(app, ["decode", "--json", raw])
    answer = json.loads(outcome.stdout)
    assert answer["sscc"] == SSCC, answer
    assert answer["case_label"] == f"a shipping label (SSCC {SSCC}) of a case or pallet"
    assert {"kind", "symbology", "gtin", "serial", "batch", "expiry", "error"} <= set(answer)


def test_an_sscc_is_named_in_the_lines() -> None:
    outcome = runner.invoke(app, ["decode", f"(00){SSCC}"])
    assert outcome.exit_code == 0
    assert "kind:      serial (an SSCC: a case's or pallet's label)" in outcome.stdout
    assert f"sscc:      {SSCC}" in outcome.stdout
    assert "of a case or pallet, not a unit's serial" in outcome.stdout


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("(02)15012345000012(37)20", "a case label: 20 units of GTIN 15012345000012"),
        ("SN-1", None),
        (SSCC, None),  # 18 digits alone: a numeric serial as far as anyone can tell
        (f"(00){SSCC[:-1]}7", None),  # a wrong check digit: no SSCC
    ],
)
def test_other_scans_name_what_they_are(raw: str, label: str | None) -> None:
    answer = json.loads(runner.invoke(app, ["decode", "--json", raw]).stdout)
    assert (answer["sscc"], answer["case_label"]) == (None, label), answer


def test_sscc_of_reads_the_label_not_a_units() -> None:
    assert sscc_of(f"(00){SSCC}") == SSCC
    assert sscc_of(f" 00{SSCC} ") == SSCC
    assert sscc_of(f"(00){SSCC}(21)SN1") is None  # a unit's serial says it is a unit's
    assert sscc_of("(01)05012345000015(21)SN1") is None


@pytest.mark.parametrize("aim", ["]C1", "]d2", "]e0"])
def test_an_sscc_sent_with_its_aim_prefix_reads_as_without_it(aim: str) -> None:
    """A GS1-128 scanner sends ``]C1`` + ``00`` + the SSCC: it read ``kind: unreadable``
    (exit 1), the same digits without the prefix ``kind: serial`` with the SSCC named."""
    plain = json.loads(runner.invoke(app, ["decode", "--json", f"00{SSCC}"]).stdout)
    outcome = runner.invoke(app, ["decode", "--json", f"{aim}00{SSCC}"])
    assert outcome.exit_code == 0, outcome.output
    answer = json.loads(outcome.stdout)
    same = ("kind", "serial", "gtin", "error", "sscc", "case_label")
    assert {k: answer[k] for k in same} == {k: plain[k] for k in same}
    assert answer["kind"] == "serial" and answer["symbology"] is not None
