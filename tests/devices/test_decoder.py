"""The barcode decoder: AIM prefixes, GS1, Digital Link, EAN/UPC, serials, and never raising."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from serialpos.cli.scan import app
from serialpos.domain.decoder import (
    GS,
    SCAN_KINDS,
    DecodedScan,
    decode,
    gs_substitute_error,
    looks_like_gtin_with_bad_check_digit,
)
from serialpos.domain.errors import BadValue
from serialpos.domain.products import normalize_gtin

GTIN = "09506000134352"  # GS1's own example GTIN, check digit 2
BAD_GTIN = "09506000134353"
EAN13 = "5901234123457"
UPCA = "036000291452"
EAN8 = "96385074"


def _check_digit(payload: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return str((10 - total % 10) % 10)


# --- AIM symbology identifiers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "symbology", "aim_id", "kind", "gtin", "serial"),
    [
        (f"]C101{GTIN}{GS}21SN-77", "gs1-128", "]C1", "product_serial", GTIN, "SN-77"),
        (f"]d201{GTIN}21ABC", "gs1-datamatrix", "]d2", "product_serial", GTIN, "ABC"),
        (f"]Q301{GTIN}", "gs1-qr", "]Q3", "product", GTIN, None),
        (f"]e001{GTIN}", "gs1-databar", "]e0", "product", GTIN, None),
        (f"]J101{GTIN}21X1", "gs1-dotcode", "]J1", "product_serial", GTIN, "X1"),
        (f"]E0{EAN13}", "ean13", "]E0", "product", "0" + EAN13, None),
        (f"]E0{UPCA}", "upca", "]E0", "product", "00" + UPCA, None),
        (f"]E4{EAN8}", "ean8", "]E4", "product", "000000" + EAN8, None),
        (f"]E3{EAN13}12", "ean13-addon", "]E3", "product", "0" + EAN13, None),
        ("]I112345678901231", "itf14", "]I1", "product", "12345678901231", None),
        ("]C0SN-001", "code128", "]C0", "serial", None, "SN-001"),
        ("]A0LX-001", "code39", "]A0", "serial", None, "LX-001"),
        ("]Q1ab-12/Zz", "qr", "]Q1", "serial", None, "ab-12/Zz"),
        ("]d1Serial 42", "datamatrix", "]d1", "serial", None, "Serial 42"),
        ("]I10123", "itf", "]I1", "serial", None, "0123"),
    ],
)
def test_aim_prefix_is_stripped_and_named(
    raw: str, symbology: str, aim_id: str, kind: str, gtin: str | None, serial: str | None
) -> None:
    result = decode(raw)
    assert (result.kind, result.symbology, result.aim_id) == (kind, symbology, aim_id)
    assert (result.gtin, result.serial, result.error) == (gtin, serial, None)
    assert result.text == raw[3:]


def test_unknown_aim_code_is_part_of_the_text() -> None:
    result = decode("]W1abc")
    assert (result.kind, result.serial, result.symbology, result.aim_id) == (
        "serial",
        "]W1abc",
        None,
        None,
    )


def test_upc_e_under_e0_expands_to_upc_a() -> None:
    result = decode("]E001234565")
    assert (result.kind, result.symbology, result.gtin) == ("product", "upce", "00012345000065")


def test_aim_prefix_alone_is_an_empty_scan() -> None:
    result = decode("]C1\r\n")
    assert result.kind == "unreadable"
    assert result.error == "empty scan (only the symbology identifier ]C1)"


def test_code128_carrying_gs1_data_without_fnc1_is_still_read() -> None:
    result = decode(f"]C001{GTIN}21SN9")
    assert (result.kind, result.symbology, result.gtin, result.serial) == (
        "product_serial",
        "code128",
        GTIN,
        "SN9",
    )


# --- GS1 element strings --------------------------------------------------------------------


def test_gs1_with_real_group_separators_fills_every_field() -> None:
    result = decode(f"]C101{GTIN}21ABC123{GS}10LOT-7{GS}17261231\r\n")
    assert result == DecodedScan(
        kind="product_serial",
        symbology="gs1-128",
        gtin=GTIN,
        serial="ABC123",
        batch="LOT-7",
        expiry="2026-12-31",
        error=None,
        raw=f"]C101{GTIN}21ABC123{GS}10LOT-7{GS}17261231\r\n",
        text=f"01{GTIN}21ABC123{GS}10LOT-7{GS}17261231",
        aim_id="]C1",
    )


@pytest.mark.parametrize("substitute", ["~", "^", "|", "#"])
def test_gs1_with_a_substitute_separator(substitute: str) -> None:
    result = decode(f"]C101{GTIN}21ABC{substitute}10L1{substitute}", gs_substitute=substitute)
    assert (result.kind, result.gtin, result.serial, result.batch) == (
        "product_serial",
        GTIN,
        "ABC",
        "L1",
    )


def test_real_gs_still_works_when_a_substitute_is_configured() -> None:
    result = decode(f"]C101{GTIN}21ABC{GS}10L1", gs_substitute="~")
    assert (result.serial, result.batch) == ("ABC", "L1")


def test_unconfigured_substitute_is_unreadable_with_a_hint() -> None:
    result = decode(f"]C101{GTIN}21ABC~10L1")
    assert result.kind == "unreadable"
    assert result.error is not None
    assert "missing group separator (FNC1) after GS1 (21) SERIAL: found '~'" in result.error
    assert "set it as the GS substitute" in result.error


def test_control_character_substitute_acts_as_gs() -> None:
    result = decode(f"]C101{GTIN}21ABC\x0410L1", gs_substitute="\x04")
    assert (result.kind, result.serial, result.batch) == ("product_serial", "ABC", "L1")


def test_substitute_does_not_touch_plain_serials() -> None:
    result = decode("SN~001^A", gs_substitute="~")
    assert (result.kind, result.serial) == ("serial", "SN~001^A")


def test_leading_fnc1_sent_as_gs_is_ignored() -> None:
    result = decode(f"]C1{GS}01{GTIN}{GS}21X")
    assert (result.kind, result.gtin, result.serial) == ("product_serial", GTIN, "X")


def test_unprefixed_gs1_is_recognised_when_it_parses_fully() -> None:
    result = decode(f"01{GTIN}21SN12345{GS}17270600")
    assert (result.kind, result.symbology, result.aim_id) == ("product_serial", None, None)
    assert (result.gtin, result.serial, result.expiry) == (GTIN, "SN12345", "2027-06-30")


def test_unprefixed_gs1_hri_is_recognised() -> None:
    result = decode(f"(01){GTIN}(21)AB12(10)L9")
    assert (result.kind, result.gtin, result.serial, result.batch) == (
        "product_serial",
        GTIN,
        "AB12",
        "L9",
    )
    # parse_hri would drop "(C" silently; the decoder must not.
    assert decode(f"(01){GTIN}(21)AB(C").kind == "serial"


@pytest.mark.parametrize(
    "text",
    [
        f"01{BAD_GTIN}",  # bad check digit inside
        f"01{GTIN}XYZ",  # trailing text that is no AI
        f"01{GTIN}23ABC",  # unknown AI
        f"01{GTIN}21{'A' * 25}",  # serial too long
        "0123456789",  # digits, but not 01 + 14 digits
    ],
)
def test_unprefixed_text_that_is_not_fully_gs1_is_a_serial(text: str) -> None:
    result = decode(text)
    assert (result.kind, result.serial, result.gtin, result.error) == ("serial", text, None, None)


def test_expiry_day_00_means_end_of_month() -> None:
    assert decode(f"]C101{GTIN}17260200").expiry == "2026-02-28"
    assert decode(f"]C101{GTIN}17280200").expiry == "2028-02-29"  # leap year
    assert decode(f"]C101{GTIN}17261100").expiry == "2026-11-30"


def test_gs1_with_only_a_serial_is_a_serial_scan() -> None:
    result = decode("]C121SN-5{GS}10B2".replace("{GS}", GS))
    assert (result.kind, result.serial, result.batch, result.gtin) == ("serial", "SN-5", "B2", None)
    assert result.text == f"21SN-5{GS}10B2"


def test_gs1_without_gtin_or_serial_is_unreadable() -> None:
    result = decode(f"]C110LOT-7{GS}17261231")
    assert result.kind == "unreadable"
    assert result.error == "GS1 barcode has no GTIN (01) or serial (21), only (10) (17)"


def test_gs1_repeating_an_ai_with_different_values_is_unreadable() -> None:
    result = decode(f"]C101{GTIN}21A{GS}21B")
    assert result.kind == "unreadable"
    assert result.error == "GS1 data repeats (21) with different values"


# --- broken GS1 and EAN/UPC -----------------------------------------------------------------


def test_bad_check_digit_under_e0_is_unreadable() -> None:
    result = decode("]E05901234123458")
    assert (result.kind, result.symbology, result.gtin) == ("unreadable", "ean13", None)
    assert result.error == "wrong check digit in GTIN 5901234123458 (expected 7, got 8)"


def test_bad_check_digit_under_c1_is_unreadable() -> None:
    result = decode(f"]C101{BAD_GTIN}21SN1")
    assert (result.kind, result.gtin, result.serial) == ("unreadable", None, None)
    assert result.error == f"wrong check digit in GTIN {BAD_GTIN} (expected 2, got 3)"


def test_unknown_ai_is_unreadable() -> None:
    result = decode(f"]C101{GTIN}23ABC")
    assert result.kind == "unreadable"
    assert result.error == "unknown GS1 application identifier at '23ABC'"
    assert result.gtin == GTIN  # what was read before the problem is kept


def test_missing_separator_after_variable_length_ai_is_unreadable() -> None:
    # Without FNC1 the lot swallows the next AI until its 20-character limit.
    result = decode(f"]C101{GTIN}10LOT1234567890123456721SN1")
    assert result.kind == "unreadable"
    assert result.error is not None
    assert result.error.startswith("missing group separator (FNC1) after GS1 (10) BATCH/LOT")
    assert (result.gtin, result.batch, result.serial) == (GTIN, None, None)


def test_wrong_length_gtin_under_c1_is_unreadable() -> None:
    result = decode("]C1010950600013435")
    assert result.kind == "unreadable"
    assert result.error == "GS1 (01) GTIN needs 14 digits, got '0950600013435'"


def test_impossible_date_is_unreadable() -> None:
    result = decode(f"]C101{GTIN}17260230")
    assert result.kind == "unreadable"
    assert result.error == "GS1 (17) USE BY or EXPIRY is not a valid date: '260230'"


def test_gs1_symbology_with_free_text_is_unreadable() -> None:
    result = decode("]d2SN-001")
    assert result.kind == "unreadable"
    assert result.error == "GS1 data must start with an application identifier, got 'SN-001'"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("]E059012341234", "ean13 barcode has 11 digits (expected 13, 12, 8, 7, 6)"),
        ("]E4963850745", "ean8 barcode has 9 digits (expected 8)"),
        ("]E4963850A4", "ean8 barcode must be digits, got '963850A4'"),
        ("]E196", "EAN/UPC add-on read without its main barcode; scan the main barcode"),
        ("]E001234566", "wrong check digit in UPC-E 01234566"),
        ("]E096385075", "UPC-E 96385075 must start with 0 or 1"),
    ],
)
def test_broken_ean_upc_is_unreadable(raw: str, error: str) -> None:
    result = decode(raw)
    assert (result.kind, result.error, result.gtin) == ("unreadable", error, None)


# --- GS1 Digital Link -----------------------------------------------------------------------


def test_digital_link_from_the_spec() -> None:
    result = decode(f"https://id.gs1.org/01/{GTIN}/21/ABC123?10=LOT")
    assert (result.kind, result.gtin, result.serial, result.batch, result.symbology) == (
        "product_serial",
        GTIN,
        "ABC123",
        "LOT",
        None,
    )


def test_digital_link_in_a_qr_code_with_a_path_prefix_and_expiry() -> None:
    result = decode(f"]Q1https://brand.example/dl/01/{EAN13}?17=271000&x=1")
    assert (result.kind, result.symbology, result.gtin, result.expiry) == (
        "product",
        "qr",
        "0" + EAN13,  # a 13-digit key is zero-padded to 14
        "2027-10-31",
    )


def test_uppercase_digital_link_from_qr_alphanumeric_mode() -> None:
    result = decode(f"HTTPS://ID.GS1.ORG/01/{GTIN}/21/XY9")
    assert (result.kind, result.gtin, result.serial) == ("product_serial", GTIN, "XY9")


def test_digital_link_with_a_bad_check_digit_is_unreadable() -> None:
    result = decode(f"https://id.gs1.org/01/{BAD_GTIN}/21/ABC")
    assert result.kind == "unreadable"
    assert result.error == f"wrong check digit in GTIN {BAD_GTIN} (expected 2, got 3)"


def test_ordinary_url_is_plain_text() -> None:
    result = decode("https://shop.example/warranty")
    assert (result.kind, result.serial) == ("serial", "https://shop.example/warranty")


# --- GTINs without a prefix, and serials ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "gtin"),
    [
        (EAN8, "000000" + EAN8),
        (UPCA, "00" + UPCA),
        (EAN13, "0" + EAN13),
        ("12345678901231", "12345678901231"),
    ],
)
def test_valid_plain_gtins_are_products_padded_to_14(text: str, gtin: str) -> None:
    result = decode(f" {text}\r\n")
    assert (result.kind, result.gtin, result.serial, result.symbology) == (
        "product",
        gtin,
        None,
        None,
    )
    assert normalize_gtin(text) == gtin  # the catalogue stores the very same GTIN-14


@pytest.mark.parametrize("text", ["96385075", "036000291453", "5901234123458", "12345678901232"])
def test_plain_digits_with_a_wrong_check_digit_are_serials_but_flagged(text: str) -> None:
    result = decode(text)
    assert (result.kind, result.serial, result.gtin) == ("serial", text, None)
    assert looks_like_gtin_with_bad_check_digit(result.text) is True
    with pytest.raises(BadValue):
        normalize_gtin(text)


@pytest.mark.parametrize("text", [EAN13, "SN-001", "1234567", "123456789", "ABCDEFGH"])
def test_bad_check_digit_helper_is_false_for_other_text(text: str) -> None:
    assert looks_like_gtin_with_bad_check_digit(text) is False


@pytest.mark.parametrize(
    "text", ["SN-001", "LX-001", "lx-001", "Sn-0a1B", "A1", "S/N 4471-B", "0042", "ÄØ-99"]
)
def test_plain_serials_are_kept_exactly(text: str) -> None:
    result = decode(f"{text}\r\n")
    assert result == DecodedScan(kind="serial", serial=text, raw=f"{text}\r\n", text=text)


def test_serial_that_looks_like_rich_markup_is_kept() -> None:
    assert decode("[red]SN-1[/red]").serial == "[red]SN-1[/red]"


# --- unreadable input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "empty scan"),
        (" \t\r\n", "empty scan"),
        ("SN\x00001", "scan contains control characters"),
        ("SN\x1b[2J", "scan contains control characters"),
        (f"SN{GS}001", "scan contains control characters"),
        (f"]C0SN{GS}001", "scan contains control characters"),
        (
            "SN\u200b001",
            "scan contains an invisible or non-printable character (U+200B at position 3)",
        ),
        ("A" * 4097, "scan too long (4097 characters)"),
        (b"SN-\xff\xfe", "scan is not text (bytes are not valid UTF-8 at offset 3)"),
    ],
)
def test_unreadable_input_has_a_clear_reason(raw: str | bytes, error: str) -> None:
    result = decode(raw)
    assert (result.kind, result.error, result.raw) == ("unreadable", error, raw)


def test_longest_allowed_scan_is_read() -> None:
    assert decode("A" * 4096).kind == "serial"


def test_utf8_bytes_are_decoded() -> None:
    result = decode("SN-ü1\r\n".encode())
    assert (result.kind, result.serial, result.raw) == ("serial", "SN-ü1", "SN-ü1\r\n".encode())


def test_invalid_substitute_makes_the_scan_unreadable_instead_of_raising() -> None:
    result = decode(f"]C101{GTIN}", gs_substitute="A")
    assert result.kind == "unreadable"
    assert result.error is not None
    assert result.error.startswith("scanner configuration: GS substitute 'A' can appear")


@pytest.mark.parametrize(
    ("substitute", "ok"),
    [(None, True), ("~", True), ("^", True), (GS, True), ("\x04", True), ("A", False),
     ("5", False), ("-", False), (" ", False), ("~~", False), ("", False)],
)  # fmt: skip
def test_gs_substitute_error(substitute: str | None, ok: bool) -> None:
    assert (gs_substitute_error(substitute) is None) is ok


# --- result shape ---------------------------------------------------------------------------


def test_to_json_has_exactly_the_pinned_keys() -> None:
    result = decode(f"]C101{GTIN}21SN1{GS}10B{GS}17260100")
    assert result.to_json() == {
        "kind": "product_serial",
        "symbology": "gs1-128",
        "gtin": GTIN,
        "serial": "SN1",
        "batch": "B",
        "expiry": "2026-01-31",
        "error": None,
    }


def test_decoded_scan_is_frozen() -> None:
    result = decode("SN-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = "product"  # type: ignore[misc]


# --- properties -----------------------------------------------------------------------------

_AIM_IDS = ["", "]C1", "]C0", "]E0", "]E4", "]E3", "]d2", "]d1", "]Q3", "]Q1", "]e0", "]I1", "]J1"]
_SUBSTITUTES = [None, "~", "^", "\x04", "A", "ab"]


def _assert_well_formed(result: DecodedScan) -> None:
    assert result.kind in SCAN_KINDS
    assert set(result.to_json()) == {"kind", "symbology", "gtin", "serial", "batch", "expiry"} | {
        "error"
    }
    json.dumps(result.to_json())
    if result.kind == "unreadable":
        assert result.error
        assert not result.error.startswith("decoder error")  # the safety net never catches
    else:
        assert result.error is None
    if result.gtin is not None:
        assert len(result.gtin) == 14 and result.gtin.isascii() and result.gtin.isdigit()
        assert result.gtin[-1] == _check_digit(result.gtin[:-1])
    if result.expiry is not None:
        dt.date.fromisoformat(result.expiry)
    if result.kind == "product_serial":
        assert result.gtin is not None and result.serial
    if result.kind == "product":
        assert result.gtin is not None and result.serial is None
    if result.kind == "serial":
        assert result.serial and result.serial.isprintable() and result.gtin is None


@settings(max_examples=300)
@given(st.binary())
def test_fuzz_bytes_never_raise(raw: bytes) -> None:
    _assert_well_formed(decode(raw))


@settings(max_examples=300)
@given(st.text(), st.sampled_from(_SUBSTITUTES))
def test_fuzz_text_never_raises(raw: str, substitute: str | None) -> None:
    _assert_well_formed(decode(raw, gs_substitute=substitute))


_SCANNERISH = st.text(alphabet="0123456789012~^]CdE1" + GS + "AZaz-/()\r\n", max_size=60)


@settings(max_examples=300)
@given(st.sampled_from(_AIM_IDS), _SCANNERISH, st.sampled_from(_SUBSTITUTES))
def test_fuzz_scanner_like_text_never_raises(aim: str, body: str, substitute: str | None) -> None:
    _assert_well_formed(decode(aim + body, gs_substitute=substitute))


_URL_STARTS = [
    "https://id.gs1.org/01/",
    "HTTPS://ID.GS1.ORG/01/",
    "https://[x/01/",
    "http://a/b/01/",
]


@settings(max_examples=300)
@given(st.sampled_from(["", "]Q1", "]Q3", "]d2"]), st.sampled_from(_URL_STARTS), st.text())
def test_fuzz_digital_links_never_raise(aim: str, start: str, rest: str) -> None:
    _assert_well_formed(decode(aim + start + rest))


_CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


@st.composite
def _gs1_scans(draw: st.DrawFn) -> tuple[str, str | None, str, str]:
    payload = draw(st.text(alphabet="0123456789", min_size=13, max_size=13))
    gtin = payload + _check_digit(payload)
    serial = draw(st.text(alphabet=_CSET82, min_size=1, max_size=20))
    substitute = draw(st.sampled_from([None, "~", "^"]))
    sep = substitute or GS
    aim = draw(st.sampled_from(["]C1", "]d2", "]Q3", "]e0", ""]))
    tail = draw(st.sampled_from(["", f"{sep}10B1", "17261200"]))
    raw = f"{aim}01{gtin}21{serial}{tail if not tail.startswith('17') else sep + tail}"
    return raw, substitute, gtin, serial


@settings(max_examples=300)
@given(_gs1_scans())
def test_generated_gs1_scans_read_back_exactly(scan: tuple[str, str | None, str, str]) -> None:
    raw, substitute, gtin, serial = scan
    result = decode(raw, gs_substitute=substitute)
    assert (result.kind, result.gtin, result.serial) == ("product_serial", gtin, serial)


@settings(max_examples=300)
@given(_gs1_scans(), st.integers(min_value=0, max_value=60), st.sampled_from(["~", GS, "x", "9"]))
def test_product_serial_always_has_a_14_digit_gtin_and_a_serial(
    scan: tuple[str, str | None, str, str], where: int, char: str
) -> None:
    raw, substitute, _, _ = scan
    mutated = raw[:where] + char + raw[where:]  # damage the scan anywhere
    result = decode(mutated, gs_substitute=substitute)
    _assert_well_formed(result)
    if result.kind == "product_serial":
        assert result.gtin is not None and len(result.gtin) == 14 and result.gtin.isdigit()
        assert result.serial


# --- CLI ------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_json_for_a_good_scan() -> None:
    outcome = runner.invoke(app, ["decode", "--json", f"]C101{GTIN}{GS}21SN1"])
    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout) == {
        "kind": "product_serial",
        "symbology": "gs1-128",
        "gtin": GTIN,
        "serial": "SN1",
        "batch": None,
        "expiry": None,
        "error": None,
        "sscc": None,  # added: a case's or pallet's label named (test_scan_decode_case_codes)
        "case_label": None,
    }


def test_cli_serial_kind_exits_0_and_prints_markup_literally() -> None:
    outcome = runner.invoke(app, ["decode", "[bold]SN-1[/bold]"])
    assert outcome.exit_code == 0
    assert "kind:      serial" in outcome.stdout
    assert "serial:    [bold]SN-1[/bold]" in outcome.stdout


def test_cli_unreadable_exits_1_with_json_on_stdout_and_reason_on_stderr() -> None:
    outcome = runner.invoke(app, ["decode", "--json", "]E05901234123458"])
    assert outcome.exit_code == 1
    assert json.loads(outcome.stdout)["kind"] == "unreadable"
    assert "wrong check digit in GTIN 5901234123458" in outcome.stderr


def test_cli_gs_option() -> None:
    outcome = runner.invoke(app, ["decode", "--gs", "~", "--json", f"]C101{GTIN}21A~10B"])
    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout)["batch"] == "B"


def test_cli_rejects_a_bad_gs_option() -> None:
    outcome = runner.invoke(app, ["decode", "--gs", "A", "SN-1"])
    assert outcome.exit_code == 2
    assert "GS substitute 'A' can appear inside GS1 data" in outcome.stderr
