"""A store terminal's sync under faults: killed with SIGKILL mid-push and restarted, its
journal replayed, its clock hours off, its token revoked, a terminal of another store."""

from __future__ import annotations

import json
import signal
import time

import pytest
from terminal_chain import Chain, Terminal

from serialpos.services import tokens, users

N = 300


def test_sigkill_mid_sync_then_replay(chain: Chain) -> None:
    serials = [f"KL-{i:04d}" for i in range(N)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-kill")
    verdicts = till.apply(
        *[{"op": "sell", "store": "S1", "sku": "PH1", "serial": s} for s in serials]
    )
    assert all(v["ok"] for v in verdicts) and till.status()["pending"] == N

    me = "till-kill"  # central records a terminal's entries under its id
    landed = "SELECT count(*) FROM apply_outcome WHERE terminal = :t"
    process = till.sync_process()
    deadline = time.monotonic() + 60
    while chain.scalar(landed, t=me) < N // 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    half = chain.scalar(landed, t=me)
    assert 0 < half < N, "the sync was not killed in the middle"

    settled_before = till.status()["accepted"]  # answers it wrote down before it died
    assert settled_before < N
    report = till.sync()  # restarted: what landed is replayed, the rest applied
    assert report["pending"] == 0 and report["conflicts"] == 0 and report["refused"] == 0
    assert report["accepted"] == N - settled_before
    assert report["replayed"] >= half - settled_before > 0
    print(f"killed after {half} of {N} applied at central, {settled_before} settled locally")
    assert till.status()["accepted"] == N
    # Nothing sent twice or lost: one sale per unit at central, one outcome per entry.
    assert chain.scalar(landed, t=me) == N
    assert (
        chain.scalar(
            "SELECT count(*) FROM ledger_event WHERE action = 'sell' AND serial LIKE 'KL-%'"
        )
        == N
    )
    assert (
        chain.scalar("SELECT count(*) FROM serial_unit WHERE serial LIKE 'KL-%' AND state = 'sold'")
        == N
    )

    # Replaying the whole journal changes nothing: every line answers as the first time.
    lines = [row[0] for row in till.query("SELECT line FROM journal_entry ORDER BY seq")]
    events_before = chain.scalar("SELECT count(*) FROM ledger_event")
    with chain.server.client(None) as client:
        response = client.post(
            "/v1/apply",
            content="\n".join(lines) + "\n",
            headers={
                "Authorization": f"Bearer {till.token}",
                "Content-Type": "application/x-ndjson",
            },
        )
    replays = [json.loads(x) for x in response.text.splitlines()]
    assert len(replays) == N and all(r["ok"] and r["replayed"] for r in replays)
    assert chain.scalar("SELECT count(*) FROM ledger_event") == events_before
    again = till.sync()
    assert (again["accepted"], again["pending"], again["mirror"]["applied"]) == (0, 0, 0)
    till.check_clean()
    chain.check_clean()


def test_host_ids_replayed_on_the_terminal_journal_nothing_new(chain: Chain) -> None:
    till = chain.terminal("till-host")
    line = {"op": "receive", "id": "PO-9/1", "store": "S1", "sku": "CAB", "quantity": 4}
    first, second = till.apply(line)[0], till.apply(line)[0]
    assert first["ok"] and "entry" in first and second["replayed"] is True
    assert till.status()["pending"] == 1
    assert till.sync()["accepted"] == 1
    assert (
        chain.scalar(
            "SELECT quantity FROM stock_level s JOIN product p ON "
            "p.id = s.product_id JOIN store t ON t.id = s.store_id "
            "WHERE p.sku = 'CAB' AND t.code = 'S1'"
        )
        >= 4
    )
    till.check_clean()


def test_order_comes_from_the_journal_not_the_clock(chain: Chain) -> None:
    till = chain.terminal("till-clock")
    assert all(
        v["ok"]
        for v in till.apply(
            {"op": "receive", "store": "S1", "sku": "PH1", "serial": "CLK-1"},
            {"op": "sell", "store": "S1", "sku": "PH1", "serial": "CLK-1"},
        )
    )
    # The terminal's clock was hours off, and jumped back between the two.
    till.query("SELECT 1")  # the file exists
    import sqlalchemy as sa

    engine = sa.create_engine(till.db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE journal_entry SET made_at = '2031-01-01 09:00:00' WHERE seq = 1")
        )
        conn.execute(
            sa.text("UPDATE journal_entry SET made_at = '2019-01-01 09:00:00' WHERE seq = 2")
        )
    engine.dispose()
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (2, 0, 0)
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'CLK-1'") == "sold"


def test_revoked_token_keeps_the_journal(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "RV-1"})[0]["ok"]
    till = chain.terminal("till-revoked")
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "RV-1"})[0]["ok"]
    ada = users.actor_for(chain.server.db, "ada", "setup")
    tokens.revoke_token(chain.server.db, ada, till.token_name)
    done = till.cli("sync", check=False)
    assert done.returncode == 1 and "revoked" in done.stderr
    assert till.status()["pending"] == 1
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'RV-1'") == "in_stock"


def test_another_tills_token_keeps_the_journal_and_a_new_one_is_bound(chain: Chain) -> None:
    """A till given another till's token is told so, and its entries stay pending: the
    token is wrong, not the sale. A new token of its own (after a revocation) is bound to it
    at the next sync. (Both were settled as refused: the sale lost at central, the unit put
    back in stock here.)"""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "TK-1"})[0]["ok"]
    till, other = chain.terminal("till-tok"), chain.terminal("till-tok-other")
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "TK-1"})[0]["ok"]
    real = till.config.read_text()
    till.config.write_text(real.replace(till.token, other.token))
    done = till.cli("sync", check=False)
    assert done.returncode == 1 and "belongs to terminal till-tok-other" in done.stderr
    assert "journal is kept" in done.stderr
    status = till.status()
    assert (status["pending"], status["refused"]) == (1, 0)
    assert till.unit_state("TK-1") == "sold"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TK-1'") == "in_stock"

    ada = users.actor_for(chain.server.db, "ada", "setup")
    tokens.revoke_token(chain.server.db, ada, till.token_name)
    fresh = tokens.create_token(chain.server.db, ada, "mia", "till-tok-new")[0]
    till.config.write_text(real.replace(till.token, fresh))
    report = till.sync()
    assert (report["accepted"], report["refused"], report["pending"]) == (1, 0, 0)
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TK-1'") == "sold"


def test_terminal_of_another_store_is_refused(chain: Chain) -> None:
    till = chain.terminal("till-s2", store="S2")
    [made] = till.apply({"op": "receive", "store": "S1", "sku": "PH1", "serial": "WS-1"})
    assert made["ok"]  # locally it was allowed; central decides
    report = till.sync()
    assert (report["accepted"], report["refused"], report["pending"]) == (0, 1, 0)
    assert chain.scalar("SELECT count(*) FROM serial_unit WHERE serial = 'WS-1'") == 0
    [answer] = till.query("SELECT answer FROM journal_entry WHERE state = 'refused'")
    refusal = json.loads(answer[0])
    assert refusal["error"] == "wrong_store" and "S2" in refusal["message"]
    [listed] = json.loads(till.cli("terminal", "refused").stdout)
    assert listed["line"]["serial"] == "WS-1" and listed["answer"]["error"] == "wrong_store"


def test_one_token_one_terminal(chain: Chain) -> None:
    till = chain.terminal("till-own")
    other = till.folder.parent / "till-thief.toml"
    done = till.cli(
        "--config",
        str(other),
        "terminal",
        "init",
        "--server",
        chain.server.base,
        "--token",
        till.token,
        "--store",
        "S1",
        "--terminal",
        "till-thief",
        check=False,
    )
    assert done.returncode == 1 and "already belongs to terminal till-own" in done.stderr
    assert not other.exists()


def test_tampered_entry_is_refused_and_changes_nothing(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["TM-1", "TM-2"]})[
        0
    ]["ok"]
    till = chain.terminal("till-tamper")
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "TM-1"})[0]["ok"]
    assert till.sync()["accepted"] == 1
    # Someone edits the sent entry to sell another unit and marks it pending again.
    import sqlalchemy as sa

    engine = sa.create_engine(till.db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE journal_entry SET state = 'pending', line = replace(line, 'TM-1', 'TM-2')"
            )
        )
    engine.dispose()
    done = till.cli("sync", check=False)
    report = json.loads(done.stdout)
    assert (report["accepted"], report["refused"], report["pending"]) == (0, 1, 0)
    # Refused here unsent, named, and the run ends as other sync refusals do (it exited 0).
    assert done.returncode == 1 and "does not match its seal" in done.stderr
    [answer] = till.query("SELECT answer FROM journal_entry")
    # Found by the till before it is sent: its seal no longer matches (domain/entry_seal.py).
    assert json.loads(answer[0])["error"] == "entry_tampered"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TM-2'") == "in_stock"
    # Central took the entry before it was changed: its sale stands here as there.
    assert till.unit_state("TM-1") == chain.scalar(
        "SELECT state FROM serial_unit WHERE serial = 'TM-1'"
    )


def test_a_waiting_entry_changed_in_the_till_is_named_and_the_rest_go(chain: Chain) -> None:
    """A pending entry edited in the till's SQLite (another serial) was sent as it read and
    sold the other unit at central. The till refuses it unsent, naming it, the entries
    around it go, central refuses one sent changed, and ``db check`` on the till says so."""
    import sqlalchemy as sa

    from serialpos.terminal.client import CentralClient

    sold = [f"TW-{i}" for i in (1, 2, 3, 4)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": sold})[0]["ok"]
    till = chain.terminal("till-tw")
    made = till.apply(*[{"op": "sell", "store": "S1", "sku": "PH1", "serial": s} for s in sold[:3]])
    changed_id = made[1]["entry"]
    engine = sa.create_engine(till.db_url)
    with engine.begin() as conn:  # the second sale made to name TW-4 instead of TW-2
        conn.execute(
            sa.text("UPDATE journal_entry SET line = replace(line, 'TW-2', 'TW-4') WHERE id = :i"),
            {"i": changed_id},
        )
        [(line,)] = conn.execute(
            sa.text("SELECT line FROM journal_entry WHERE id = :i"), {"i": changed_id}
        )
    engine.dispose()
    done = till.cli("sync", check=False)
    report = json.loads(done.stdout)
    assert (report["accepted"], report["refused"], report["pending"]) == (2, 1, 0)
    assert f"journal entry 2 ({changed_id}, pending) does not match its seal" in done.stderr
    assert done.returncode == 1  # the others went; the refusal still ends the run as one
    states = {s: chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=s) for s in sold}
    assert states == {"TW-1": "sold", "TW-2": "in_stock", "TW-3": "sold", "TW-4": "in_stock"}
    [(answer,)] = till.query("SELECT answer FROM journal_entry WHERE id = :i", i=changed_id)
    assert json.loads(answer)["error"] == "entry_tampered"

    # Sent to central as changed (a till that skipped its own check): refused there, named.
    forged = line.replace('"seq":2', '"seq":9').replace(changed_id, "f" * 8 + changed_id[8:])
    with CentralClient(chain.server.base, till.token) as client:
        [verdict] = client.post_lines([forged])
    assert verdict["error"] == "entry_tampered" and "journal entry 9" in verdict["message"]
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TW-4'") == "in_stock"

    check = till.cli("db", "check", "--json", check=False)
    found = json.loads(check.stdout)
    assert check.returncode != 0 and found["ok"] is False
    named = [f["detail"] for f in found["findings"] if f["rule"] == "journal_entry_sealed"]
    said = "does not match its seal: its line was changed after it was made"
    assert named == [f"journal entry 2 ({changed_id}, refused) {said}"]


def test_a_sale_changed_in_the_till_is_undone_there_and_can_be_made_again(chain: Chain) -> None:
    """The till refuses a changed sale unsent: central never saw it, so the unit the till
    really sold (its events, not the edited line) goes back in stock here as at central,
    named with its order, and a new sale of it goes through at both ends."""
    import sqlalchemy as sa

    sold = [f"TV00{i}" for i in (1, 2, 3, 4)]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": sold})[0]["ok"]
    till = chain.terminal("till-tv")
    made = till.apply(*[{"op": "sell", "store": "S1", "sku": "PH1", "serial": s} for s in sold[:3]])
    changed_id, order = made[1]["entry"], made[1]["order"]
    engine = sa.create_engine(till.db_url)
    with engine.begin() as conn:  # the second sale made to name TV004 instead of TV002
        conn.execute(
            sa.text(
                "UPDATE journal_entry SET line = replace(line, 'TV002', 'TV004') WHERE id = :i"
            ),
            {"i": changed_id},
        )
    engine.dispose()
    done = till.cli("sync", check=False)
    report = json.loads(done.stdout)
    assert (report["accepted"], report["refused"], report["central_state"]) == (2, 1, 1)
    assert done.returncode == 1
    assert f"PH1 TV002 on order {order} (in_stock at S1 before it)" in done.stderr
    here = {s: till.unit_state(s) for s in sold}
    central = {
        s: chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=s) for s in sold
    }
    assert (
        here
        == central
        == {
            "TV001": "sold",
            "TV002": "in_stock",
            "TV003": "sold",
            "TV004": "in_stock",
        }
    )
    [refused] = json.loads(till.cli("terminal", "refused").stdout)
    assert refused["entry"] == changed_id and refused["answer"]["error"] == "entry_tampered"
    assert refused["units"] == [
        {"serial": "TV002", "sku": "PH1", "store": "S1", "state": "in_stock"}
    ]
    [(reason, document)] = till.query(
        "SELECT reason, document_id FROM ledger_event WHERE action = 'central_state' "
        "AND serial = 'TV002'"
    )
    assert (reason, document) == ("entry_tampered", changed_id)

    # The manager makes the sale again: the till sells it, central takes it.
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "TV002"})[0]["ok"]
    again = till.sync()
    assert (again["accepted"], again["refused"], again["pending"]) == (1, 0, 0)
    assert till.unit_state("TV002") == "sold"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TV002'") == "sold"
    chain.check_clean()
    check = till.cli("db", "check", "--json", check=False)
    found = json.loads(check.stdout)["findings"]
    # The changed entry stays named (tamper evidence); nothing else is out of line.
    assert [f["rule"] for f in found] == ["journal_entry_sealed"], found


def test_a_cashiers_token_cannot_carry_a_managers_entry(chain: Chain) -> None:
    till = chain.terminal("till-carl", user="carl")
    [made] = till.apply(
        {"op": "adjust", "store": "S1", "sku": "CAB", "quantity": 3, "reason": "found in the back"}
    )  # mia, a manager, at the till
    assert made["ok"]
    report = till.sync()
    assert (report["accepted"], report["refused"]) == (0, 1)
    [answer] = till.query("SELECT answer FROM journal_entry")
    said = json.loads(answer[0])
    assert said["error"] == "permission_denied"
    # The token is named as what lacks the right, not the manager, with what to do.
    assert said["message"] == (
        "this till's token (carl, cashier) may not act for mia (manager): the till's token "
        "lacks the right, not mia; do it at central, or give the till a manager's token"
    )


def test_link_down_then_back_and_follow(chain: Chain) -> None:
    from api_serving import free_port

    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["LD-1", "LD-2"]})[
        0
    ]["ok"]
    till = chain.terminal("till-link")
    real = till.config.read_text()
    till.config.write_text(real.replace(chain.server.base, f"http://127.0.0.1:{free_port()}"))
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "LD-1"})
    assert sold["ok"]  # sells on with the link down
    done = till.cli("sync", check=False)
    assert done.returncode == 1 and "cannot be reached" in done.stderr
    status = till.status()
    assert status["pending"] == 1 and status["link"] == "offline" and status["link_since"]
    # Going offline is audited on the terminal, once however many rounds fail.
    assert till.cli("sync", check=False).returncode == 1
    audit = "SELECT action, detail FROM user_audit WHERE action IN ('went_offline', 'back_online')"
    [(action, detail)] = till.query(audit)
    assert action == "went_offline" and detail.startswith("1 waiting; ")
    assert "cannot be reached" in detail

    till.config.write_text(real)  # the link is back: a follower settles it, and what follows
    process = till.sync_process_follow()
    try:
        till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "LD-2"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # A round records the link after it settles the entries: wait for both.
            status = till.status()
            if status["pending"] == 0 and status["link"] == "online":
                break
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert till.status()["pending"] == 0 and till.status()["accepted"] == 2
    assert till.status()["link"] == "online"
    assert [a for a, _ in till.query(audit + " ORDER BY id")] == ["went_offline", "back_online"]
    assert (
        chain.scalar("SELECT count(*) FROM serial_unit WHERE serial LIKE 'LD-%' AND state = 'sold'")
        == 2
    )


def _set_feed_after(till: Terminal, value: int) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(till.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE sync_state SET value = :v WHERE key = 'feed_after'"),
                {"v": str(value)},
            )
    finally:
        engine.dispose()


def test_central_behind_the_terminal_is_said(chain: Chain) -> None:
    from api_serving import free_port

    till = chain.terminal("till-behind")
    real_cursor = till.status()["feed_after"]
    _set_feed_after(till, 99999999)  # as if central lost its newest events
    [made] = till.apply(
        {"op": "adjust", "store": "S1", "sku": "CAB", "quantity": 1, "reason": "found"}
    )
    done = till.cli("sync", check=False)
    assert done.returncode == 1 and "older backup" in done.stderr
    status = till.status()
    # Nothing is sent to a central behind the till: an entry pushed there is checked against
    # the older state (a unit it lost would make a sale a conflict, and the till would take
    # that older state), so it waits, kept, until a person decides.
    assert (status["feed_after"], status["pending"], status["accepted"]) == (99999999, 1, 0)
    # Central answered: the link is not "offline" (it said so, and a person waited for a
    # link that was up); it is refused, and why is said.
    assert status["link"] == "refused"
    assert status["link_refusal"]["code"] == "central_behind"
    assert "older backup" in status["link_refusal"]["message"]
    assert made["ok"]

    # Central cannot be reached: offline, no refusal said any more.
    real = till.config.read_text()
    till.config.write_text(real.replace(chain.server.base, f"http://127.0.0.1:{free_port()}"))
    assert till.cli("sync", check=False).returncode == 1
    status = till.status()
    assert (status["link"], status["link_refusal"]) == ("offline", None)
    # Back, and no longer behind: online.
    till.config.write_text(real)
    _set_feed_after(till, real_cursor)
    assert till.sync()["accepted"] == 1
    status = till.status()
    assert (status["link"], status["link_refusal"]) == ("online", None)


def test_snapshot_bad_requests_bind_nothing(chain: Chain) -> None:
    with chain.server.client("carl") as client:
        unknown = client.get("/v1/snapshot", params={"store": "NOPE", "terminal": "x-1"})
        missing = client.get("/v1/snapshot", params={"store": "S1"})
        control = client.get("/v1/snapshot", params={"store": "S1", "terminal": "a\x01b"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_store")
    assert (missing.status_code, missing.json()["code"]) == (400, "bad_request")
    assert control.status_code == 400
    assert (
        chain.scalar("SELECT count(*) FROM terminal_link WHERE api_terminal = 'api:carl-token'")
        == 0
    )


def test_a_product_made_at_central_later_comes_with_its_events(chain: Chain) -> None:
    from serialpos.services import products

    till = chain.terminal("till-catalogue")
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="NEWPH", name="New phone", serial_mode="required"
    )
    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "NEWPH", "serials": ["NP-1", "NP-2"]}
    )[0]["ok"]
    report = till.sync()
    assert report["mirror"]["unknown_product"] == 0 and report["mirror"]["applied"] >= 2
    assert till.unit_state("NP-1") == till.unit_state("NP-2") == "in_stock"
    assert till.query("SELECT name, serial_mode FROM product WHERE sku = 'NEWPH'") == [
        ("New phone", "required")
    ]
    till.check_clean()


@pytest.mark.parametrize("with_ids", [False, True], ids=["no-ids", "host-ids"])
def test_full_disk_refuses_the_sale_and_keeps_nothing_of_it(chain: Chain, with_ids: bool) -> None:
    import io

    import sqlalchemy as sa

    from serialpos.db.engine import Database
    from serialpos.terminal import journaled

    till = chain.terminal(f"till-full-{int(with_ids)}")
    db = Database(till.db_url)

    def full(dbapi_conn: object, _record: object) -> None:
        # The file may grow by a few pages only: what a full disk does to a later write.
        cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages + 2}")
        cur.close()

    sa.event.listen(db.engine, "connect", full)
    try:
        actor = users.actor_for(db, "mia", till.name)
        lines = "".join(
            json.dumps(
                {"op": "receive", "store": "S1", "sku": "PH1", "serial": f"FD-{n:04d}-" + "x" * 40}
                # A host's id takes the at-most-once path (services/apply_ids.py).
                | ({"id": f"host-{n}"} if with_ids else {})
            )
            + "\n"
            for n in range(400)
        )
        verdicts = list(
            journaled.apply_stream(db, actor, io.BytesIO(lines.encode()), None, till.name)
        )
    finally:
        db.dispose()
    made = [v for v in verdicts if v["ok"]]
    assert made, "the disk filled before the first receipt"
    refused = [v for v in verdicts if not v["ok"]]
    said = (
        "the disk is full (or failing): this change was not recorded; free some space and "
        f"try again (cannot write {till.folder / 'terminal.sqlite'})"
    )
    assert refused and all(
        v["error"] == "database_error" and v["message"] == said for v in refused
    ), refused[:2]
    # Each receipt is kept with its entry, or neither is: nothing half-kept.
    assert till.query("SELECT count(*) FROM journal_entry")[0][0] == len(made)
    assert till.query("SELECT count(*) FROM serial_unit WHERE serial LIKE 'FD-%'")[0][0] == len(
        made
    )
    till.check_clean()
