"""Every ``/v1`` route against a real ``serialpos serve`` (SQLite and PostgreSQL): answers,
tokens and roles, and problem+json for each kind of bad request."""

from __future__ import annotations

import json
import socket
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from api_serving import Server

from serialpos.services import snapshot, tokens, users
from serialpos.services.integrity import check_ledger

PROBLEM = "application/problem+json"


def apply(c: httpx.Client, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    body = "".join(json.dumps(x) + "\n" for x in lines)
    r = c.post("/v1/apply", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-ndjson"
    return [json.loads(x) for x in r.text.splitlines()]


def is_problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"urn:serialpos:problem:{code}" and body["detail"]
    assert "Traceback" not in r.text
    return body


# -- tokens and roles -----------------------------------------------------------------------
def test_openapi_and_docs_need_no_token_and_everything_else_does(server: Server) -> None:
    with server.client(None) as c:
        doc = c.get("/v1/openapi.json")
        assert doc.status_code == 200 and doc.json()["openapi"].startswith("3.")
        assert "/v1/events" in doc.json()["paths"]
        assert "/v1/apply" in c.get("/v1/docs").text
        for method, path in [
            ("GET", "/v1/stock"),
            ("GET", "/v1/events"),
            ("GET", "/v1/serials/X1"),
            ("GET", "/v1/products"),
            ("POST", "/v1/apply"),
            ("PUT", "/v1/products"),
            ("GET", "/v1/orders/S1-000001"),
        ]:
            r = c.request(method, path)
            is_problem(r, 401, "unauthorized")
            assert r.headers["www-authenticate"].startswith("Bearer")
        is_problem(
            c.get("/v1/stock", headers={"Authorization": "Bearer spt_nope"}), 401, "unauthorized"
        )
        is_problem(c.get("/v1/stock", headers={"Authorization": "Basic YTpi"}), 401, "unauthorized")


def test_expired_revoked_and_disabled_tokens_are_refused(server: Server) -> None:
    ada = users.actor_for(server.db, "ada", "test")
    soon, _ = tokens.create_token(server.db, ada, "sam", "sam-today", date.today())
    gone, _ = tokens.create_token(server.db, ada, "sam", "sam-gone")
    with server.client(None) as c:
        ok = c.get("/v1/stock", headers={"Authorization": f"Bearer {gone}"})
        assert ok.status_code == 200
        tokens.revoke_token(server.db, ada, "sam-gone")
        is_problem(
            c.get("/v1/stock", headers={"Authorization": f"Bearer {gone}"}), 401, "token_revoked"
        )
        assert c.get("/v1/stock", headers={"Authorization": f"Bearer {soon}"}).status_code == 200
    # A token whose last day has passed: written into the past directly.
    with server.db.engine.begin() as conn:
        conn.execute(
            sa.update(tokens.token_t)
            .where(tokens.token_t.c.name == "sam-today")
            .values(expires_at=date.today() - timedelta(days=1))
        )
    with server.client(None) as c:
        is_problem(
            c.get("/v1/stock", headers={"Authorization": f"Bearer {soon}"}), 401, "token_expired"
        )


def _entry(serial: str, seq: int) -> dict[str, Any]:
    """A store terminal's journal entry (terminal T-RV of S1) selling ``serial``."""
    return {
        "id": str(uuid.uuid4()),
        "op": "sell",
        "store": "S1",
        "sku": "PH1",
        "serial": serial,
        "journal": {"terminal": "T-RV", "seq": seq, "user": "mia"},
    }


def test_a_terminals_push_and_pull_refuse_a_revoked_token_at_once(server: Server) -> None:
    """A terminal's push and pull check the token inside their own transaction (no
    transaction, and no cache, of its own): the request right after the revocation is
    refused, and nothing of it is applied."""
    ada = users.actor_for(server.db, "ada", "test")
    secret, _ = tokens.create_token(server.db, ada, "mia", "mia-till-rv")
    snapshot.link(server.db, users.actor_for(server.db, "mia", "api:mia-till-rv"), "S1", "T-RV")
    with server.client("ada") as c:
        apply(c, {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["RV-A1", "RV-A2"]})
    lines = {"Content-Type": "application/x-ndjson"}
    server.tokens["mia-till-rv"] = secret
    with server.client("mia-till-rv") as till:
        (sold,) = apply(till, _entry("RV-A1", 1))
        assert sold["ok"] is True, sold
        page = till.get("/v1/events", params={"after": 0, "limit": 1000})
        assert page.status_code == 200
        assert {e["store"] for e in page.json()["events"]} == {"S1"}  # its store's only
        tokens.revoke_token(server.db, ada, "mia-till-rv")
        refused = till.post(
            "/v1/apply", content=json.dumps(_entry("RV-A2", 2)) + "\n", headers=lines
        )
        is_problem(refused, 401, "token_revoked")
        is_problem(till.get("/v1/events", params={"after": 0}), 401, "token_revoked")
        # Refused before anything else is said about the request, as on every route.
        is_problem(till.post("/v1/apply", content=b"", headers=lines), 401, "token_revoked")
        is_problem(till.post("/v1/apply", content=b"\n\n", headers=lines), 401, "token_revoked")
        is_problem(till.get("/v1/events", params={"after": "-1"}), 401, "token_revoked")
    card = server.db.read(
        lambda conn: conn.execute(
            sa.text("SELECT serial, state FROM serial_unit WHERE serial LIKE 'RV-A%' ORDER BY 1")
        ).all()
    )
    assert [tuple(r) for r in card] == [("RV-A1", "sold"), ("RV-A2", "in_stock")]


def test_each_request_acts_as_the_tokens_user_with_its_role(server: Server) -> None:
    with server.client("carl") as carl:  # cashier: sells, may not receive
        (refused,) = apply(carl, {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 1})
        assert refused["error"] == "permission_denied"
        is_problem(carl.put("/v1/products", content="SKU,Name\nX,Y\n"), 403, "permission_denied")
        is_problem(carl.get("/v1/reports/sales-detail"), 403, "permission_denied")
    with server.client("sam") as sam:  # stockroom: receives
        (received,) = apply(sam, {"op": "receive", "store": "S1", "sku": "PH1", "serial": "ROLE-1"})
        assert received["ok"] is True
    with server.client("ada") as ada:
        card = ada.get("/v1/serials/ROLE-1").json()
        assert card["units"][0]["timeline"][0]["user"] == "sam"
        assert card["units"][0]["timeline"][0]["terminal"] == "api:sam-token"


# -- every route ----------------------------------------------------------------------------
def test_apply_is_idempotent_and_status_tells_what_became_of_ids(server: Server) -> None:
    line = {"op": "receive", "id": "http-1", "store": "S2", "sku": "CAB", "quantity": 7}
    with server.client() as c:
        (first,) = apply(c, line)
        (again,) = apply(c, line)
        assert first["ok"] is True and again == {**first, "replayed": True}
        # application/json: one object, or an array of them
        one = c.post("/v1/apply", json=line)
        assert json.loads(one.text)["replayed"] is True
        many = c.post("/v1/apply", json=[line, {**line, "id": "http-2"}])
        assert [json.loads(x).get("replayed", False) for x in many.text.splitlines()] == [
            True,
            False,
        ]
        status = c.get("/v1/apply/status", params=[("id", "http-1"), ("id", "never")]).json()
        assert [s["status"] for s in status["ids"]] == ["applied", "not_applied"]
        stock = c.get("/v1/stock", params={"store": "S2", "sku": "CAB"}).json()["stock"]
        assert stock[0]["quantity"] == 14


def test_serial_card_search_order_and_serial_entry(server: Server) -> None:
    with server.client() as c:
        apply(
            c,
            {
                "op": "receive",
                "store": "S1",
                "sku": "PH1",
                "serials": ["CARD-1", "CARD-2", "CARD-3"],
            },
        )
        (cables,) = apply(c, {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 2})
        assert cables["ok"] is True, cables
        (made,) = apply(
            c,
            {
                "op": "order_create",
                "store": "S1",
                "lines": [{"sku": "PH1"}, {"sku": "CAB", "quantity": 2}],
                "customer": {"name": "Ann Lee"},
            },
        )
        order, line = made["order"], made["lines"][0]["line"]
        (part,) = apply(
            c,
            {"op": "order_pay", "order": order, "payments": [{"method": "card", "amount": "5.00"}]},
        )
        assert part["ok"] is True, part
        view = c.put(f"/v1/orders/{order}/lines/{line}/serial", json={"serial": "CARD-2"})
        assert view.status_code == 200, view.text
        assert view.json()["lines"][0]["serial"] == "CARD-2"
        assert c.get(f"/v1/orders/{order}").json()["customer"]["name"] == "Ann Lee"
        (done,) = apply(c, {"op": "order_fulfil", "order": order})
        assert done["ok"] is True, done
        # Its money row by row and by method: the card part payment, then the rest in cash
        # (a host's fulfilment names no payment: cash by default).
        paid = c.get(f"/v1/orders/{order}").json()
        assert (paid["total"], paid["paid"]) == ("19.00", "19.00")
        assert [(p["kind"], p["method"], p["amount"]) for p in paid["payments"]] == [
            ("payment", "card", "5.00"),
            ("payment", "cash", "14.00"),
        ]
        assert [(m["method"], m["net"]) for m in paid["by_method"]] == [
            ("cash", "14.00"),
            ("card", "5.00"),
        ]
        card = c.get("/v1/serials/CARD-2").json()
        (unit,) = card["units"]
        assert (
            unit["state"],
            unit["store"],
            unit["sku"],
            unit["order"],
            unit["invoice"],
            unit["customer"],
        ) == ("sold", "S1", "PH1", order, done["invoice"], "Ann Lee")
        assert unit["warranty"] is not None and len(unit["timeline"]) >= 2
        # After fulfilment the serial is fixed: the counter's rule, the counter's code.
        is_problem(
            c.put(f"/v1/orders/{order}/lines/{line}/serial", json={"serial": "CARD-3"}),
            409,
            "order_closed",
        )
        found = c.get("/v1/serials", params={"prefix": "CARD-"}).json()
        assert [m["serial"] for m in found["matches"]] == ["CARD-1", "CARD-2", "CARD-3"]
        is_problem(c.get("/v1/serials/NO-SUCH"), 404, "unknown_serial")
        # A caps-lock scan: said, never taken for CARD-1 (domain/serial_case.py)
        missed = is_problem(c.get("/v1/serials/card-1"), 404, "unknown_serial")
        assert missed["detail"] == (
            "no unit has the serial 'card-1' (serials are case-sensitive): did you mean CARD-1?"
        )
        is_problem(c.get("/v1/orders/S9-999999"), 404, "unknown_order")
        is_problem(
            c.put(f"/v1/orders/{order}/lines/x/serial", json={"serial": "A"}), 400, "bad_request"
        )
        is_problem(
            c.put(f"/v1/orders/{order}/lines/{line}/serial", json={"serial": 5}), 400, "bad_request"
        )


def test_products_list_one_and_upload_all_or_nothing(server: Server) -> None:
    with server.client() as c:
        assert c.get("/v1/products/PH1").json()["serial_mode"] == "required"
        is_problem(c.get("/v1/products/NOPE"), 404, "unknown_product")
        skus = [p["sku"] for p in c.get("/v1/products").json()["products"]]
        assert {"PH1", "CAB"} <= set(skus)
        head = "SKU,Name,Price,Serial Number Option\n"
        bad = c.put(
            "/v1/products",
            content=head + "UP1,Up one,5.00,Required\n"
            ",Nameless,1.00,Disabled\nUP3,Three,1.00,Sometimes\n",
            headers={"Content-Type": "text/csv"},
        )
        body = is_problem(bad, 400, "bad_file")
        assert [p["row"] for p in body["problems"]] == [3, 4]
        is_problem(c.get("/v1/products/UP1"), 404, "unknown_product")
        good = c.put(
            "/v1/products",
            content=head + "UP1,Up one,5.00,Required\n",
            headers={"Content-Type": "text/csv"},
        )
        assert good.status_code == 200 and good.json()["created"] == 1, good.text
        assert c.get("/v1/products", params={"q": "Up one"}).json()["products"][0]["sku"] == "UP1"


def test_sales_detail_streams_csv_or_answers_json(server: Server) -> None:
    with server.client() as c:
        apply(c, {"op": "receive", "store": "S1", "sku": "PH1", "serial": "REP-1"})
        (made,) = apply(
            c, {"op": "order_create", "store": "S1", "lines": [{"sku": "PH1", "serial": "REP-1"}]}
        )
        apply(c, {"op": "order_fulfil", "order": made["order"]})
        csv_text = c.get("/v1/reports/sales-detail", params={"serial": "REP-1"})
        assert csv_text.headers["content-type"].startswith("text/csv")
        rows = csv_text.text.splitlines()
        assert rows[0].startswith("Invoice,Date,Store") and len(rows) == 2 and "REP-1" in rows[1]
        as_json = c.get(
            "/v1/reports/sales-detail",
            params={"serial": "REP-1"},
            headers={"Accept": "application/json"},
        ).json()
        assert [r["serial"] for r in as_json["rows"]] == ["REP-1"]
        is_problem(
            c.get("/v1/reports/sales-detail", params={"from": "yesterday"}), 400, "bad_request"
        )


def test_events_follow_every_change_once_in_order(server: Server) -> None:
    with server.client() as c:
        start = c.get("/v1/events", params={"after": 0, "limit": 1000}).json()
        seqs = [e["seq"] for e in start["events"]]
        assert seqs == list(range(1, len(seqs) + 1))  # gap-free from the first
        after = start["next"]
        apply(c, {"op": "receive", "store": "S2", "sku": "PH1", "serials": ["EV-1", "EV-2"]})
        apply(c, {"op": "transfer_out", "store": "S2", "sku": "PH1", "serial": "EV-1", "to": "S1"})
        page = c.get("/v1/events", params={"after": after}).json()
        got = [
            (e["serial"], e["from"], e["to"], e["store"])
            for e in page["events"]
            if e["serial"] in ("EV-1", "EV-2")
        ]
        assert got == [
            ("EV-1", None, "in_stock", "S2"),
            ("EV-2", None, "in_stock", "S2"),
            ("EV-1", "in_stock", "in_transit", "S2"),
        ]
        assert page["next"] == page["events"][-1]["seq"]
        assert c.get("/v1/events", params={"after": page["next"]}).json() == {
            "events": [],
            "next": page["next"],
            "last": page["next"],
        }
        s2 = c.get("/v1/events", params={"after": after, "store": "S2"}).json()
        assert {e["store"] for e in s2["events"]} == {"S2"}
        assert [e["seq"] for e in s2["events"]] == [
            e["seq"] for e in page["events"] if e["store"] == "S2"
        ]
        is_problem(c.get("/v1/events", params={"limit": 0}), 400, "bad_request")
        is_problem(c.get("/v1/events", params={"after": "-1"}), 400, "bad_request")


# -- bad input ------------------------------------------------------------------------------
def test_bad_requests_are_problems_never_500(server: Server) -> None:
    with server.client() as c:
        is_problem(c.get("/v1/nothing"), 404, "not_found")
        is_problem(c.delete("/v1/stock"), 405, "method_not_allowed")
        is_problem(c.get("/v1/apply"), 405, "method_not_allowed")
        is_problem(
            c.post("/v1/apply", content="{", headers={"Content-Type": "application/json"}),
            400,
            "bad_request",
        )
        is_problem(
            c.post("/v1/apply", content="x", headers={"Content-Type": "text/html"}),
            415,
            "unsupported_media_type",
        )
        is_problem(c.put("/v1/orders/S1-1/lines/1/serial", content="{nope"), 400, "bad_request")
        # NUL and other control characters anywhere: refused, never a database error
        for r in (
            c.get("/v1/serials/A%00B"),
            c.get("/v1/products/A%00"),
            c.get("/v1/orders/S1%00"),
            c.get("/v1/stock", params={"store": "S\x00"}),
            c.get("/v1/products", params={"q": "\x00"}),
            c.get("/v1/serials", params={"prefix": "A\x00"}),
            c.put("/v1/orders/S1-000001/lines/1/serial", json={"serial": "A\x00"}),
            c.put(
                "/v1/products",
                content="SKU,Name,Price,Serial Number Option\nA\x00B,N\x00,1.00,Required\n",
            ),
        ):
            assert 400 <= r.status_code < 500, r.text
            assert r.headers["content-type"] == PROBLEM
        # Malformed JSON Lines: a verdict per line, as apply gives
        r = c.post(
            "/v1/apply",
            content='{"op": 5}\nnot json\n[1]\n',
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert [json.loads(x)["error"] for x in r.text.splitlines()] == ["bad_request"] * 3
        big = b'{"op": "receive", "store": "S1", "sku": "CAB", "quantity": 1}\n' * 180_000
        assert len(big) > 10_000_000
        is_problem(
            c.post("/v1/apply", content=big, headers={"Content-Type": "application/x-ndjson"}),
            413,
            "body_too_large",
        )

        # Without a Content-Length the lines are applied as they come, until the limit:
        # refused lines here (not JSON), so that nothing is recorded on the way.
        junk = (b"x" * 100_000 + b"\n") * 100

        def chunks() -> Any:
            yield junk

        streamed = c.post(
            "/v1/apply", content=chunks(), headers={"Content-Type": "application/x-ndjson"}
        )
        assert streamed.status_code in (200, 413)  # refused before, or a last verdict says so
        if streamed.status_code == 200:
            assert json.loads(streamed.text.splitlines()[-1])["error"] == "body_too_large"
        assert c.get("/v1/stock").status_code == 200
    assert check_ledger(server.db) == []


def test_a_slow_client_is_cut_off_and_others_are_served_meanwhile(server: Server) -> None:
    """One byte every half second: answered 408 and closed after the body timeout (3 s
    here), while another client is served all along."""
    host, port = server.base.removeprefix("http://").split(":")
    token = server.tokens["ada"]
    answer = b""
    served = 0
    with socket.create_connection((host, int(port)), timeout=30) as slow, server.client() as other:
        slow.sendall(
            f"PUT /v1/products HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: text/csv\r\n\r\n".encode()
        )
        began = time.monotonic()
        slow.settimeout(0.5)
        while time.monotonic() - began < 20:
            try:
                chunk = slow.recv(65536)
            except TimeoutError:
                try:
                    slow.sendall(b"S")  # the next byte of a body that never ends
                except OSError:
                    break
                assert other.get("/v1/stock").status_code == 200
                served += 1
                continue
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
        elapsed = time.monotonic() - began
    assert b" 408 " in answer.split(b"\r\n")[0] and b"request_timeout" in answer, answer
    assert served >= 2 and elapsed < 15


def test_a_client_leaving_mid_stream_leaves_whole_lines_only(server: Server) -> None:
    lines = [
        {"op": "receive", "id": f"gone-{n}", "store": "S1", "sku": "PH1", "serial": f"GONE-{n:04}"}
        for n in range(400)
    ]
    body = "".join(json.dumps(x) + "\n" for x in lines).encode()
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(
            f"POST /v1/apply HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
            f"Authorization: Bearer {server.tokens['ada']}\r\n"
            "Content-Type: application/x-ndjson\r\n\r\n".encode()
            + body
        )
        got = b""
        while got.count(b'"ok": true') < 5:
            got += s.recv(4096)
    time.sleep(2)  # the line in flight finishes (or not) on the server
    with server.client() as c:
        status = c.get("/v1/apply/status", params=[("id", x["id"]) for x in lines]).json()["ids"]
        applied = [s["id"] for s in status if s["status"] == "applied"]
        # The lines applied are a prefix of the input, each whole: its unit is in stock.
        assert applied == [x["id"] for x in lines[: len(applied)]] and len(applied) >= 5
        for x in lines[: len(applied)]:
            assert c.get(f"/v1/serials/{x['serial']}").json()["units"][0]["state"] == "in_stock"
        for x in lines[len(applied) :]:
            assert c.get(f"/v1/serials/{x['serial']}").status_code == 404
    assert check_ledger(server.db) == []
