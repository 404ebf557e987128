"""Central restored from an older backup, seen by every way a till pushes and by a till that
remembers no event of its store (issue 16's review): ``apply --push``, the console's sale
confirmation, ``terminal resend`` with a changed entry, and a quiet store's till. Real
processes: ``serialpos serve`` on PostgreSQL, the till's CLI (terminal_chain.py), central
restored as test_central_restore.py does."""

from __future__ import annotations

import json

from terminal_chain import Chain, Terminal
from test_central_restore import SOLD, _sell, backup

from serialpos.db.engine import Database


def test_resend_names_a_changed_entry_and_exits_1(chain: Chain) -> None:
    """``terminal resend`` refuses a changed entry unsent as ``sync`` does, and says it as
    ``sync`` does: the entry named on stderr, exit 1 (it printed its JSON and exited 0, the
    entry named nowhere but inside the JSON)."""
    serials = ["RT-1", "RT-2", "RT-3", "RT-4"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("till-resend-changed")
    till.apply(_sell("RT-1"))
    assert till.sync()["accepted"] == 1
    with backup(chain) as restore:
        till.apply(_sell("RT-2"))
        assert till.sync()["accepted"] == 1  # lost in the restore
        restore()
        changed = till.apply(_sell("RT-3"))[0]  # waits: central is behind
        assert till.cli("sync", check=False).returncode == 1
        till.change_line(changed["entry"], "RT-3", "RT-4")

        done = till.cli("terminal", "resend", check=False)
    assert done.returncode == 1, done.stderr
    assert f"refused: journal entry {changed['entry_seq']} ({changed['entry']}" in done.stderr
    report = json.loads(done.stdout)  # what central answered is still printed
    assert (report["resent"], report["sync"]["refused"], report["sync"]["pending"]) == (2, 1, 0)
    assert [chain.scalar(SOLD, s=s) for s in serials] == [1, 1, 0, 0]
    assert [till.unit_state(s) for s in serials] == ["sold", "sold", "in_stock", "in_stock"]


def _push(till: Terminal, *lines: dict[str, object]) -> list[dict[str, object]]:
    """``apply --push``: each line applied here and sent to central at once."""
    done = till.cli(
        "--user",
        "mia",
        "apply",
        "--push",
        "-",
        stdin="".join(json.dumps(x) + "\n" for x in lines),
        check=False,
    )
    return [json.loads(x) for x in done.stdout.splitlines()]


def _restored_after_a_receipt(chain: Chain, till: Terminal, serial: str) -> None:
    """The till receives ``serial`` and central accepts it, then central is restored from a
    backup taken before: it lost the receipt (and the till's feed is past its end)."""
    with backup(chain) as restore:
        got = till.apply({"op": "receive", "store": "S1", "sku": "PH1", "serials": [serial]})
        assert got[0]["ok"] and till.sync()["accepted"] == 1
        restore()
    assert chain.scalar("SELECT count(*) FROM serial_unit WHERE serial = :s", s=serial) == 0


def _nothing_reached_central(chain: Chain, till: Terminal, serial: str) -> None:
    status = till.status()  # the sale waits, the link says why, the unit is sold here
    assert (status["pending"], status["conflicts"], status["link"]) == (1, 0, "refused")
    assert status["link_refusal"]["code"] == "central_behind"
    assert till.unit_state(serial) == "sold"
    conflicts = "SELECT count(*) FROM sync_conflict WHERE terminal = :t"
    assert chain.scalar(conflicts, t=till.name) == 0
    assert chain.scalar("SELECT count(*) FROM serial_unit WHERE serial = :s", s=serial) == 0


def test_apply_push_after_a_restore_keeps_the_sale(chain: Chain) -> None:
    """The first ``apply --push`` after central was restored sent its sale to the older
    central: the unit whose receipt central lost came back a conflict and was written off
    on the till. It now finds central behind first: the sale is kept pending, as offline,
    and the verdict says to run ``terminal resend``; the resend then sends both."""
    till = chain.terminal("till-push-behind")
    _restored_after_a_receipt(chain, till, "PB-1")

    [sold] = _push(till, _sell("PB-1"))
    assert sold["ok"] and sold["central"] == "pending", sold
    assert "older backup" in sold["central_message"]
    assert "terminal resend" in sold["central_message"]
    _nothing_reached_central(chain, till, "PB-1")

    report = json.loads(till.cli("terminal", "resend").stdout)
    assert (report["sync"]["accepted"], report["sync"]["conflicts"]) == (2, 0)
    assert chain.scalar(SOLD, s="PB-1") == 1 and till.unit_state("PB-1") == "sold"
    till.check_clean()


def test_the_console_sale_after_a_restore_is_kept(chain: Chain, opened: list[Database]) -> None:
    """The console's sale confirmation pushed without asking: before a sync round had found
    central behind, the sale went to the older central (a conflict, the unit written off).
    It now asks first: the sale is kept pending (its receipt printed as offline), and the
    words say central is behind and to run ``terminal resend``."""
    from serialpos.config import ChainConfig
    from serialpos.terminal.online import confirm_sale

    till = chain.terminal("till-console-behind")
    _restored_after_a_receipt(chain, till, "CB-1")
    [sold] = till.apply(_sell("CB-1"))  # made at the counter: journaled, not yet sent
    assert till.status()["link"] == "online"  # no round has found central behind yet

    db = Database(till.db_url)
    opened.append(db)
    config = ChainConfig(chain.server.base, till.token, "S1", till.name)
    answer = confirm_sale(db, config, str(sold["order"]), user="mia")
    assert answer.state == "pending", answer
    assert "central is behind" in answer.message and "terminal resend" in answer.message
    _nothing_reached_central(chain, till, "CB-1")
    # The next sale is kept at once, with the same words: the link is recorded refused.
    again = confirm_sale(db, config, str(sold["order"]), user="mia")
    assert (again.state, again.message) == ("pending", answer.message)


def test_a_quiet_store_till_tells_a_restore_central_numbered_past_it(chain: Chain) -> None:
    """A till whose store had no event at its snapshot and pulled none since remembers
    nothing to compare: central restored, then numbering the store's new events past the
    till's cursor, was not told; the till pulled on from its cursor and never had the
    events numbered at or below it (units in stock at central, unknown here). It now asks
    from the feed's start (central must hold no event of its store at or below its cursor),
    says ``central_behind``, and ``terminal resend`` reads the store's feed from 0."""
    from serialpos.services import stores
    from serialpos.services.context import SYSTEM

    stores.add_store(chain.server.db, SYSTEM, "S9", "Far Lane")
    till = chain.terminal("till-quiet", store="S9")
    assert till.query("SELECT value FROM sync_state WHERE key = 'snapshot_event'") == [("none",)]
    with backup(chain) as restore:
        # Other stores' events only: the till's cursor moves past them, it pulls none.
        other = {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["QO-1", "QO-2"]}
        assert chain.post(other)[0]["ok"]
        assert till.sync()["pulled"] == 0
        cursor = till.status()["feed_after"]
        restore()
        end = chain.scalar("SELECT max(seq) FROM event_feed") or 0  # 0: this test alone
        assert end < cursor
        new = [f"QN-{i}" for i in range(cursor - end + 2)]  # numbered past the cursor
        assert chain.post({"op": "receive", "store": "S9", "sku": "PH1", "serials": new})[0]["ok"]
        assert chain.scalar("SELECT max(seq) FROM event_feed") > cursor

        told = till.cli("sync", check=False)
        assert told.returncode == 1, told.stdout
        assert f"central has events of this store numbered up to {cursor}" in told.stderr
        assert till.status()["link_refusal"]["code"] == "central_behind"
        assert [till.unit_state(s) for s in new] == [None] * len(new)  # nothing pulled

        done = till.cli("terminal", "resend")
    report = json.loads(done.stdout)
    assert (report["pulled_after"], report["sync"]["pulled"]) == (0, len(new))
    assert [till.unit_state(s) for s in new] == ["in_stock"] * len(new)
    assert till.sync()["pulled"] == 0
    till.check_clean()


def test_a_till_past_its_newest_event_tells_a_restore_numbered_up_to_it(chain: Chain) -> None:
    """The till's cursor moves on past other stores' events, beyond the newest event of its
    store it applied (here its snapshot's). Central restored to a backup between the two,
    then numbering the store's new events past the cursor, still had that event: the check
    passed and the till skipped the events numbered up to its cursor. Central must have no
    other event of the store there: the sync says so, ``terminal resend`` pulls them."""
    from serialpos.services import stores
    from serialpos.services.context import SYSTEM

    stores.add_store(chain.server.db, SYSTEM, "S8", "Near Lane")
    first = {"op": "receive", "store": "S8", "sku": "PH1", "serials": ["QP-0"]}
    assert chain.post(first)[0]["ok"]
    till = chain.terminal("till-past", store="S8")
    snapshot = till.query("SELECT value FROM sync_state WHERE key = 'snapshot_event'")[0][0]
    with backup(chain) as restore:
        other = {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["QQ-1", "QQ-2"]}
        assert chain.post(other)[0]["ok"]
        assert till.sync()["pulled"] == 0  # the cursor moved on past S1's events
        cursor = till.status()["feed_after"]
        restore()
        end = chain.scalar("SELECT max(seq) FROM event_feed")
        assert end < cursor
        new = [f"QP-{i}" for i in range(1, cursor - end + 3)]  # numbered past the cursor
        assert chain.post({"op": "receive", "store": "S8", "sku": "PH1", "serials": new})[0]["ok"]
        assert chain.scalar("SELECT max(seq) FROM event_feed") > cursor

        told = till.cli("sync", check=False)
        assert told.returncode == 1, told.stdout
        said = f"central has events of this store numbered up to {cursor} that this terminal"
        assert said in told.stderr
        assert [till.unit_state(s) for s in new] == [None] * len(new)  # nothing pulled

        done = till.cli("terminal", "resend")
    report = json.loads(done.stdout)
    assert report["pulled_after"] == int(snapshot.partition(":")[0])
    assert report["sync"]["pulled"] == len(new)
    assert [till.unit_state(s) for s in ["QP-0", *new]] == ["in_stock"] * (len(new) + 1)
    assert till.sync()["pulled"] == 0
    till.check_clean()
