"""What the API reads from a host is read one way only, against a real ``serialpos serve``:
a key given twice in a body, an unknown key, a misspelt or repeated query parameter and an
``apply`` id with a space or an invisible character around it are refused with
``bad_request`` naming it, never read as something else."""

from __future__ import annotations

import json
import zlib
from typing import Any

import httpx
import pytest
from api_serving import Server

PROBLEM = "application/problem+json"


def refused(r: httpx.Response, *words: str) -> str:
    """The detail of a 400 ``bad_request``, which must name each of ``words``."""
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["code"] == "bad_request", body
    for word in words:
        assert word in body["detail"], body["detail"]
    return str(body["detail"])


def apply(c: httpx.Client, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    body = "".join(json.dumps(x) + "\n" for x in lines)
    r = c.post("/v1/apply", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    return [json.loads(x) for x in r.text.splitlines()]


def _open_line(c: httpx.Client, serials: list[str]) -> tuple[str, int]:
    apply(c, {"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})
    (made,) = apply(c, {"op": "order_create", "store": "S1", "lines": [{"sku": "PH1"}]})
    assert made["ok"] is True, made
    return made["order"], made["lines"][0]["line"]


def _line_serial(c: httpx.Client, order: str) -> str | None:
    return c.get(f"/v1/orders/{order}").json()["lines"][0]["serial"]  # type: ignore[no-any-return]


def test_a_key_given_twice_in_a_body_is_refused_naming_it(server: Server) -> None:
    with server.client() as c:
        order, line = _open_line(c, ["TWICE-1", "TWICE-2"])
        url = f"/v1/orders/{order}/lines/{line}/serial"
        twice = '{"serial": "TWICE-1", "serial": "TWICE-2"}'
        headers = {"Content-Type": "application/json"}
        refused(c.put(url, content=twice, headers=headers), "'serial'", "given twice")
        assert _line_serial(c, order) is None  # neither value was taken
        # An unknown key is refused as the other bodies of the API refuse one.
        refused(c.put(url, json={"serial": "TWICE-1", "extra": 1}), "unknown key 'extra'")
        refused(c.put(url, json={"serail": "TWICE-1"}), "'serial'")
        assert _line_serial(c, order) is None
        ok = c.put(url, json={"serial": "TWICE-1"})
        assert ok.status_code == 200, ok.text
        assert _line_serial(c, order) == "TWICE-1"
        # The conflict resolution, the lease and apply's application/json bodies alike.
        resolve = '{"by": "write_off", "by": "accept"}'
        refused(
            c.post("/v1/conflicts/999999/resolve", content=resolve, headers=headers),
            "'by'",
            "given twice",
        )
        refused(c.post("/v1/conflicts", json={"entries": [], "entry": []}), "unknown key 'entry'")
        lease = '{"sku": "PH1", "sku": "CAB", "count": 1}'
        refused(c.post("/v1/leases", content=lease, headers=headers), "'sku'", "given twice")
        sell = '{"op": "receive", "op": "sell", "store": "S2", "sku": "CAB", "quantity": 3}'
        refused(c.post("/v1/apply", content=sell, headers=headers), "'op'", "given twice")
        stock = c.get("/v1/stock", params={"store": "S2", "sku": "CAB"}).json()["stock"]
        assert [s["quantity"] for s in stock] in ([], [0])  # nothing applied


def test_an_apply_id_with_a_space_or_invisible_character_around_it_is_refused(
    server: Server,
) -> None:
    line = {"op": "receive", "store": "S2", "sku": "CAB", "quantity": 1}
    with server.client() as c:
        (first,) = apply(c, {**line, "id": "pad-1"})
        assert first["ok"] is True, first
        verdicts = apply(
            c,
            {**line, "id": "pad-1 "},
            {**line, "id": " pad-1"},
            {**line, "id": "pad-1\u00a0"},
            {**line, "id": "pad\u200b-1"},
            {**line, "id": "pad-1\u3000"},
        )
        assert [(v["ok"], v["error"]) for v in verdicts] == [(False, "bad_request")] * 5
        assert "starts or ends with a space" in verdicts[0]["message"]
        assert "U+00A0" in verdicts[2]["message"] and "U+200B" in verdicts[3]["message"]
        # Case variants are other ids, as documented.
        (other,) = apply(c, {**line, "id": "PAD-1"})
        assert other["ok"] is True and "replayed" not in other
        stock = c.get("/v1/stock", params={"store": "S2", "sku": "CAB"}).json()["stock"]
        assert stock[0]["quantity"] == 2
        status = c.get("/v1/apply/status", params=[("id", "pad-1"), ("id", "pad-1 ")]).json()
        assert [s["status"] for s in status["ids"]] == ["applied", "bad_request"]


@pytest.mark.parametrize(
    ("url", "word"),
    [
        ("/v1/reports/sales-detail?foo=bar", "'foo'"),
        ("/v1/reports/sales-detail?Store=S1", "did you mean 'store'"),
        ("/v1/stock?store=S1&store=S2", "'store' is given twice"),
        ("/v1/stock?stor=S1", "'stor'"),
        ("/v1/serials?prefix=A&limit=2&limit=3", "'limit' is given twice"),
        ("/v1/orders/S1-000001?x=1", "this route takes none"),
        ("/v1/events?after=0&afterr=1", "'afterr'"),
        ("/v1/leases?terminal=T1&terminal=T2", "'terminal' is given twice"),
    ],
)
def test_an_unknown_or_repeated_query_parameter_is_refused_naming_it(
    server: Server, url: str, word: str
) -> None:
    with server.client() as c:
        refused(c.get(url, headers={"Accept": "application/json"}), word)


def test_query_parameters_the_document_lists_are_still_taken(server: Server) -> None:
    with server.client() as c:
        r = c.get("/v1/stock", params={"store": "S1", "sku": "PH1"})
        assert r.status_code == 200, r.text
        # ?id= takes repeats by design; ?number= and ?serial= of sent transfers too.
        ids = c.get("/v1/apply/status", params=[("id", "a"), ("id", "b")])
        assert [s["id"] for s in ids.json()["ids"]] == ["a", "b"]
        sent = c.get(
            "/v1/transfers/sent", params=[("store", "S1"), ("number", "X1"), ("number", "X2")]
        )
        assert sent.status_code == 200, sent.text


@pytest.mark.parametrize(
    ("serial", "named"),
    [
        ("356938030000013\u00a0", "U+00A0 at position 16"),
        ("W2D-3\u2028", "U+2028 at position 6"),
        ("W2D-3\u0085", "control characters"),
        ("W2D-3\u3000", "U+3000 at position 6"),
        ("W2D-3\u001c", "control characters"),
        ("\u001fW2D-US", "control characters"),
    ],
)
def test_an_invisible_character_around_a_serial_is_refused_not_trimmed(
    server: Server, serial: str, named: str
) -> None:
    tail = f"{zlib.crc32(serial.encode()):08x}"
    with server.client() as c:
        order, line = _open_line(c, [f"TRIM-{tail}"])
        r = c.put(f"/v1/orders/{order}/lines/{line}/serial", json={"serial": serial})
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "bad_serial_format" and named in r.json()["detail"]
        assert _line_serial(c, order) is None
        (got,) = apply(c, {"op": "receive", "store": "S1", "sku": "PH1", "serials": [serial]})
        assert (got["ok"], got["error"]) == (False, "bad_serial_format"), got
        assert named in got["message"]
        # Spaces and tabs around a serial are still ignored (scanners and people add them).
        (padded,) = apply(
            c, {"op": "receive", "store": "S1", "sku": "PH1", "serials": [f" \tPAD-{tail} "]}
        )
        assert padded["ok"] is True and padded["units"][0]["serial"] == f"PAD-{tail}", padded
