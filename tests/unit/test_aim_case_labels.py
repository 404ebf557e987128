"""A case's or pallet's label sent with its AIM symbology prefix (``]C1`` from a GS1-128
scanner, ``]d2``, ``]e0``) means what its digits mean without it: the decoder read a GS1
label with no GTIN (01) or serial (21) as unreadable, so a receiving serial prompt said
"the scan could not be read" where the same label unprefixed was named a shipping label, and
the sale field said "unreadable scan". Named as a case's label everywhere now; a label's FNC1
(GS) does not hide what it is, and a GS1 label that is no case's stays unreadable."""

from __future__ import annotations

import pytest

from serialpos.domain.counter_search import nothing_matches
from serialpos.domain.decoder import decode
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import (
    LedgerFacts,
    ProductFacts,
    Refusal,
    ScanContext,
    resolve,
)

SSCC = "350123450000000016"  # its check digit right
GS = "\x1d"
AUR15 = ProductFacts("PH-AUR15", "Aurora 15", SerialMode.REQUIRED, "imei")
FRG300 = ProductFacts("AP-FRG300", "Fridge 300", SerialMode.REQUIRED)  # no serial format


@pytest.mark.parametrize("aim", ["]C1", "]d2", "]e0"])
@pytest.mark.parametrize("data", [f"00{SSCC}", "02150123450000123720"])
def test_a_case_label_decodes_the_same_with_its_aim_prefix(aim: str, data: str) -> None:
    plain, sent = decode(data), decode(aim + data)
    assert (sent.kind, sent.serial, sent.text, sent.error) == ("serial", data, data, None)
    assert (plain.kind, plain.serial, plain.text) == (sent.kind, sent.serial, sent.text)
    assert sent.aim_id == aim


@pytest.mark.parametrize("product", [AUR15, FRG300])
@pytest.mark.parametrize("raw", [f"]C100{SSCC}", f"]C100{SSCC}{GS}3720", f"00{SSCC}{GS}3720"])
def test_a_serial_prompt_names_the_shipping_label(product: ProductFacts, raw: str) -> None:
    context = ScanContext("S01", product, fixed_product=True, creates_units=True)
    outcome = resolve(decode(raw), context, LedgerFacts())
    assert isinstance(outcome, Refusal), outcome
    assert f"is a shipping label (SSCC {SSCC}) of a case or pallet" in outcome.message
    assert outcome.message.endswith("not a serial: scan the serial on each unit")


def test_a_gs1_label_that_is_no_cases_stays_unreadable() -> None:
    """Only a label every flow will name a case's becomes a "serial": any other GS1 label
    with no GTIN or serial must never reach a serial prompt as a new unit's serial."""
    assert decode(f"]C110LOT-7{GS}17261231").kind == "unreadable"
    assert decode("]C10215012345000012" + "10L1").kind == "unreadable"


def test_the_sale_field_names_a_case_label() -> None:
    assert nothing_matches(f"00{SSCC}") == (
        f"'00{SSCC}' is a shipping label (SSCC {SSCC}) of a case or pallet, not an item"
    )
    assert nothing_matches("ZB2410000X") == "nothing matches 'ZB2410000X'"
