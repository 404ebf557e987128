"""Reading ASN files (pure): CSV and JSON, and every problem a file has in itself, each with
where it is."""

from __future__ import annotations

import json

import pytest

from serialpos.domain.asn_csv import parse_csv
from serialpos.domain.asn_file import looks_like_json, parse_asn_file
from serialpos.domain.asn_json import parse_json
from serialpos.domain.asn_rows import MAX_ASN_ID

HEADER = "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"


def problems(text: str, name: str = "a.csv") -> list[str]:
    return [str(p) for p in parse_asn_file(name, text.encode()).problems]


def test_a_good_csv_groups_rows_by_asn_in_file_order() -> None:
    parsed = parse_csv(
        HEADER + "A1,Acme,PHONE,2,S1|S2,\nA2,Bolt,CABLE,10,,CP-1\nA1,Acme,CABLE,5,,\n"
    )
    assert parsed.problems == []
    assert [(d.asn, d.vendor, d.units, d.serials) for d in parsed.docs] == [
        ("A1", "Acme", 7, 2),
        ("A2", "Bolt", 10, 0),
    ]
    first = parsed.docs[0].rows[0]
    assert (first.where, first.sku, first.quantity, first.serials, first.case_pack) == (
        "line 2",
        "PHONE",
        2,
        ("S1", "S2"),
        None,
    )
    assert parsed.docs[1].rows[0].case_pack == "CP-1"


def test_header_names_ignore_case_spaces_and_a_bom_and_optional_columns_may_be_absent() -> None:
    parsed = parse_asn_file(
        "x.csv", "\ufeff asn ,VENDOR,sku,quantity\r\nA1,Acme,CABLE,3\r\n".encode()
    )
    assert parsed.problems == []
    assert parsed.docs[0].rows[0].quantity == 3


def test_every_problem_is_listed_with_its_line() -> None:
    text = (
        HEADER
        + "\n".join(
            [
                "A1,Acme,PHONE,2,S1|S2,",  # 2 fine
                "A1,Acme,PHONE,x,,",  # 3
                "A1,Acme,PHONE,-1,,",  # 4
                "A1,Acme,PHONE,1.5,,",  # 5
                "A1,Acme,PHONE,,,",  # 6
                "A1,Acme,PHONE,3,S3|S4,",  # 7
                "A1,Acme,PHONE,1,S1,",  # 8 duplicate of line 2
                "A1,Other,CABLE,1,,",  # 9 vendor differs
                ",Acme,CABLE,1,,",  # 10
                "A1,Acme,,1,,",  # 11
                "A1,Acme,PHONE,2,S5||S6,",  # 12 blank entry (3 for 2 too)
                "A1,Acme,PHONE,1,S\x017,",  # 13
                f"{'A' * (MAX_ASN_ID + 1)},Acme,CABLE,1,,",  # 14
                "A1,Acme,PHONE,1,S8,,extra",  # 15
                "A1,Acme,PHONE,1000001,,",  # 16
            ]
        )
        + "\n"
    )
    assert problems(text) == [
        "line 3: Quantity 'x' is not a positive whole number",
        "line 4: Quantity '-1' is not a positive whole number",
        "line 5: Quantity '1.5' is not a positive whole number",
        "line 6: Quantity is blank",
        "line 7: 2 serials listed for a quantity of 3: list one serial per unit, or none",
        "line 9: ASN A1 names vendor 'Other' here but 'Acme' at line 2",
        "line 10: ASN is blank",
        "line 11: SKU is blank",
        "line 12: serial 2 of the list is blank",
        "line 12: 3 serials listed for a quantity of 2: list one serial per unit, or none",
        "line 13: serial 'S\\x017' contains control characters",
        f"line 14: ASN '{'A' * 40}…' is 65 characters long; at most 64",
        "line 15: 7 cells but the header names 6 columns",
        "line 16: Quantity 1000001 is more than 1,000,000",
        "line 8: serial S1 of PHONE is listed twice in the file (first at line 2)",
    ]


def test_missing_and_unknown_columns() -> None:
    assert problems("ASN,Vendor,Sku,Serails\nA,B,C,D\n") == [
        "line 1: unknown column 'Serails' (known: ASN, Vendor, SKU, Quantity, Serials, CasePack)",
        "line 1: missing column Quantity",
    ]
    assert problems("ASN,ASN,Vendor,SKU,Quantity\n") == ["line 1: column ASN appears twice"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "file: the file is empty: no header, no rows"),
        (HEADER.encode(), "file: the file lists no ASN lines"),
        (b"ASN,Vendor\xff", "file: not UTF-8 text (byte 11 cannot be read)"),
        (b"ASN\x00", "file: holds NUL bytes: not a text file"),
    ],
)
def test_unusable_files(data: bytes, message: str) -> None:
    assert [str(p) for p in parse_asn_file("a.csv", data).problems] == [message]


def test_a_multiline_quoted_cell_keeps_line_numbers_right() -> None:
    text = HEADER + 'A1,"Acme\nLtd",CABLE,1,,\nA1,"Acme\nLtd",CABLE,x,,\n'
    assert problems(text) == [
        "line 2: Vendor 'Acme\\x0aLtd' contains control characters",
        "line 4: Vendor 'Acme\\x0aLtd' contains control characters",
        "line 4: Quantity 'x' is not a positive whole number",
    ]


def test_json_one_asn_or_a_list() -> None:
    one = {
        "asn": "J1",
        "vendor": "Acme",
        "lines": [
            {"sku": "PHONE", "quantity": 2, "serials": ["S1", "S2"]},
            {"sku": "CABLE", "quantity": 4, "case_pack": "CP"},
        ],
    }
    parsed = parse_json(json.dumps(one))
    assert parsed.problems == []
    assert [(r.where, r.sku, r.quantity, r.serials, r.case_pack) for r in parsed.docs[0].rows] == [
        ("ASN J1 line 1", "PHONE", 2, ("S1", "S2"), None),
        ("ASN J1 line 2", "CABLE", 4, (), "CP"),
    ]
    two = parse_json(json.dumps([one, {**one, "asn": "J2"}]))
    assert [d.asn for d in two.docs] == ["J1", "J2"]


def test_json_problems_are_named() -> None:
    bad = [
        {
            "asn": "J1",
            "vendor": "Acme",
            "lines": [
                {"sku": "PHONE", "quantity": "2"},  # a quantity as text is read
                {"sku": "PHONE", "quantity": True},
                {"quantity": 1},
                {"sku": 5, "quantity": 1},
                {"sku": "PHONE", "quantity": 1, "serials": "S1"},
                {"sku": "PHONE", "quantity": 1, "serial": "S1"},
                "nope",
            ],
        },
        {"asn": "J1", "vendor": "Acme", "lines": [{"sku": "X", "quantity": 1}]},
        {"vendor": "Acme", "lines": []},
        {"asn": "J3", "vendor": 7, "lines": [{"sku": "X", "quantity": 1}], "extra": 1},
        [],
    ]
    assert [str(p) for p in parse_json(json.dumps(bad)).problems] == [
        "ASN J1 line 2: Quantity 'true' is not a positive whole number",
        "ASN J1 line 3: 'sku' is missing",
        "ASN J1 line 4: 'sku' must be text, not a number",
        "ASN J1 line 5: 'serials' must be a list of text",
        "ASN J1 line 6: unknown key 'serial' (known: sku, quantity, serials, case_pack)",
        "ASN J1 line 7: must be an object, not text",
        "ASN J1: appears twice in the file",
        "ASN 3: 'asn' is missing",
        "ASN 3: 'lines' must be a list of at least one line",
        "ASN 4: unknown key 'extra' (known: asn, vendor, lines)",
        "ASN 4: 'vendor' must be text, not a number",
        "ASN 5: must be an object, not a list",
    ]


def test_json_syntax_errors_give_the_line() -> None:
    assert [str(p) for p in parse_json('{\n"asn": "A",\n}').problems] == [
        "line 3: not valid JSON: Expecting property name enclosed in double quotes"
    ]


def test_csv_or_json_by_extension_then_content() -> None:
    assert looks_like_json("a.json", b"ASN,Vendor")
    assert not looks_like_json("a.csv", b"[")
    assert looks_like_json("asn.txt", b"\xef\xbb\xbf  [{}]")
    assert not looks_like_json("asn", b"ASN,Vendor")


def test_serials_are_trimmed_and_each_bad_one_named_among_good_ones() -> None:
    """A list of good serials is taken whole (trimmed); one bad serial among them sends the
    row serial by serial, so each problem is named with its place."""
    parsed = parse_csv(HEADER + "A1,Acme,PHONE,3, S1 |S2\t| S3,\n")
    assert parsed.problems == []
    assert parsed.docs[0].rows[0].serials == ("S1", "S2", "S3")
    long = "L" * 65
    text = (
        HEADER
        + f"A1,Acme,PHONE,4,S1| |{long}|S4,\nA2,Acme,PHONE,2,S5|S\x7f6,\n"
        + f"A3,Acme,PHONE,2,S7|{long[:-1]}X,\n"
    )
    assert problems(text) == [
        "line 2: serial 2 of the list is blank",
        f"line 2: serial '{'L' * 40}…' is 65 characters long; at most 64",
        "line 3: serial 'S\\x7f6' contains control characters",
        f"line 4: serial '{'L' * 40}…' is 65 characters long; at most 64",
    ]


def test_a_serial_listed_twice_across_asns_and_lines_is_named_each_time() -> None:
    text = (
        HEADER
        + "A1,Acme,PHONE,2,S1|S2,\nA2,Acme,PHONE,1,S2,\nA3,Acme,TAB,1,S1,\nA1,Acme,PHONE,1,S1,\n"
    )
    assert problems(text) == [  # by ASN, as the rows are grouped (the import sorts by line)
        "line 5: serial S1 of PHONE is listed twice in the file (first at line 2)",
        "line 3: serial S2 of PHONE is listed twice in the file (first at line 2)",
        # One label cannot be a unit of two products (it used to import as both, and a
        # second import then failed on the live-serial index with a "same moment" message).
        "line 4: serial S1 is listed for TAB here and for PHONE at line 2: "
        "a serial is one unit of one product",
    ]
