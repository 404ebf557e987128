"""A case's code is never a unit's serial (domain/case_codes.py), without a database: what is
recognised, how the scan resolver refuses it at a serial prompt, and when a product's own
serial format keeps such text as a serial."""

from __future__ import annotations

import pytest

from serialpos.domain.case_codes import case_label, case_pack_words
from serialpos.domain.decoder import decode
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import (
    LedgerFacts,
    ProductFacts,
    ProductSerial,
    Refusal,
    ScanContext,
    new_serial_problem,
    resolve,
)

AUR15 = ProductFacts("PH-AUR15", "Aurora 15", SerialMode.REQUIRED, "imei")
FRG300 = ProductFacts("AP-FRG300", "Fridge 300", SerialMode.REQUIRED)  # no serial format
DIGITS20 = ProductFacts("AP-DW20", "Dishwasher", SerialMode.REQUIRED, "^[0-9]{20}$")


def receiving(product: ProductFacts) -> ScanContext:
    return ScanContext("S01", product, fixed_product=True, creates_units=True)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("15012345000012", "a case's barcode (GTIN 15012345000012, packaging level 1)"),
        ("(02)15012345000012(37)20", "a case label: 20 units of GTIN 15012345000012"),
        ("02150123450000123720", "a case label: 20 units of GTIN 15012345000012"),
        ("0115012345000012\x1d3020", "a case's barcode (GTIN 15012345000012, 20 units)"),
        ("00350123450000000016", "a shipping label (SSCC 350123450000000016) of a case or pallet"),
    ],
)
def test_case_codes_are_named(text: str, words: str) -> None:
    assert case_label(text) == words


@pytest.mark.parametrize(
    "text",
    [
        "05012345000015",  # a unit's own GTIN (packaging level 0): a product barcode
        "15012345000013",  # a wrong check digit: no case code
        "00350123450000000012",  # an SSCC's shape with a wrong check digit
        "(01)05012345000015(21)X1",  # a unit's GS1 label: it carries the serial
        "356938030000112",  # an IMEI
        "ZB24100001",
        "CP-DEMO-1",  # a case-pack ID is known only to its document
        "",
    ],
)
def test_other_text_is_no_case_code(text: str) -> None:
    assert case_label(text) is None


@pytest.mark.parametrize("product", [AUR15, FRG300])
@pytest.mark.parametrize(
    "text", ["15012345000012", "(02)15012345000012(37)20", "00350123450000000016"]
)
def test_a_case_code_at_a_receiving_serial_prompt_is_refused_naming_it(
    product: ProductFacts, text: str
) -> None:
    """With an IMEI format the refusal was "an IMEI has only digits" (or "15 digits"); with
    no format a GS1 case label became a new unit's serial."""
    outcome = resolve(decode(text), receiving(product), LedgerFacts())
    assert isinstance(outcome, Refusal), outcome
    assert outcome.code == "bad_serial_format"
    assert outcome.message.startswith(f"'{text}' is a ")
    assert outcome.message.endswith("not a serial: scan the serial on each unit")
    assert "IMEI" not in outcome.message


def test_a_format_that_takes_the_digits_keeps_them_a_serial() -> None:
    assert resolve(
        decode("00350123450000000016"), receiving(DIGITS20), LedgerFacts()
    ) == ProductSerial(DIGITS20, "00350123450000000016")
    assert new_serial_problem("00350123450000000016", None, DIGITS20) is None


def test_every_new_serial_is_asked_about_case_codes() -> None:
    """The ledger's last check on a new unit (a CLI receipt, ``apply``) refuses it too."""
    refused = new_serial_problem("(02)15012345000012(37)20", None, FRG300)
    assert refused is not None and "a case label: 20 units" in refused.message


def test_a_case_pack_the_document_lists_is_named() -> None:
    packs = {"CP-T1-7": "AC-USBC1"}
    assert case_pack_words(" CP-T1-7 ", packs, "ASN ASN-T1") == (
        "'CP-T1-7' is the case pack of AC-USBC1 on ASN ASN-T1, not a serial: "
        "scan the serial on each unit"
    )
    assert case_pack_words("CP-T1-7", packs, "ASN ASN-T1", counted="AC-USBC1") == (
        "'CP-T1-7' is the case pack of AC-USBC1 on ASN ASN-T1: type how many AC-USBC1 arrived"
    )
    assert case_pack_words("CP-T1-8", packs, "ASN ASN-T1") is None
