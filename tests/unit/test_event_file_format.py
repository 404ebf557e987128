"""The event file's bytes: pinned header, one row per product, stable order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from serialpos.domain.event_files import EventFile, EventLine, file_name, render

WHEN = datetime(2026, 11, 23, 9, 30, 5)


def test_the_file_has_the_pinned_header_and_sorted_rows() -> None:
    event = EventFile(
        "asn_receipt",
        "ASN-7",
        "S01",
        WHEN,
        "stockroom",
        (
            EventLine("PHONE", 2, ("P2", "P1")),
            EventLine("CABLE", 10),
        ),
    )
    assert render(event) == (
        b"event_type,document_id,store,completed_at,user,sku,quantity,serials\r\n"
        b"asn_receipt,ASN-7,S01,2026-11-23T09:30:05Z,stockroom,CABLE,10,\r\n"
        b"asn_receipt,ASN-7,S01,2026-11-23T09:30:05Z,stockroom,PHONE,2,P1|P2\r\n"
    )
    assert not render(event).startswith(b"\xef\xbb\xbf")


def test_the_same_document_gives_the_same_bytes_in_any_order() -> None:
    a = EventFile(
        "count",
        "C-S01-000001",
        "S01",
        WHEN,
        "m",
        (EventLine("X", -1, ("b",)), EventLine("Y", 1, ("z", "a")), EventLine("X", 2, ("a", "c"))),
    )
    b = EventFile(
        "count",
        "C-S01-000001",
        "S01",
        WHEN,
        "m",
        (EventLine("X", 2, ("c", "a")), EventLine("Y", 1, ("a", "z")), EventLine("X", -1, ("b",))),
    )
    assert render(a) == render(b)
    assert b"X,2,a|c\r\n" in render(a) and b"X,-1,b\r\n" in render(a)
    rows = render(a).decode().splitlines()[1:]
    assert [r.split(",")[5:7] for r in rows] == [["X", "2"], ["X", "-1"], ["Y", "1"]]


def test_completed_at_is_utc_whatever_zone_it_came_in() -> None:
    aware = datetime(2026, 11, 23, 11, 30, 5, tzinfo=timezone(timedelta(hours=2)))
    event = EventFile("rtv", "V-S01-000001", "S01", aware, "u", (EventLine("A", -1),))
    assert b",2026-11-23T09:30:05Z," in render(event)
    assert b",2026-11-23T09:30:05Z," in render(
        EventFile("rtv", "V", "S01", WHEN.replace(tzinfo=UTC), "u", (EventLine("A", -1),))
    )


def test_quotes_and_commas_in_values_are_quoted() -> None:
    event = EventFile("blind_receipt", "R-1", "S01", WHEN, "u", (EventLine('A,"B"', 1),))
    assert b'"A,""B"""' in render(event)


def test_file_names_stay_inside_the_folder() -> None:
    assert file_name("asn_receipt", "ASN-7") == "asn_receipt-ASN-7.csv"
    assert file_name("asn_receipt", "ASN/2026/../7") == "asn_receipt-ASN_2026_.._7.csv"
    assert "/" not in file_name("x", "../../etc/passwd")
