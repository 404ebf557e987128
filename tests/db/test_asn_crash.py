"""A console killed between the commit of an ASN receipt and the writing of its event file:
the receipt is recorded, the file is owed (not half-written), the next start writes it, the
receipt exists once, and the ASN cannot be received again."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import Conflict
from serialpos.services import products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.asn.opening import open_asn
from serialpos.services.asn.views import asn_detail
from serialpos.services.context import Actor
from serialpos.services.event_files import outbox_t, owed_count

SERIALS = ["SN-0001", "SN-0002", "SN-0003"]

CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    from serialpos.db.engine import Database
    from serialpos.services import event_files, users
    from serialpos.services.asn.opening import open_asn

    db = Database(sys.argv[1])
    actor = users.actor_for(db, "ada", "dock-1")
    session = open_asn(db, actor, "ASN-K", "S1", Path(sys.argv[2]))
    for serial in ("SN-0001", "SN-0003"):
        session.scan("DRILL", serial)     # saved scans: the dock scanned before the crash
    session.count("CABLE", 4)

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)  # after the commit, before the file

    event_files.write_owed = die
    session.complete(accept_discrepancies=True)
    print("not killed")
""")


@pytest.fixture
def asn_k(db: Database, admin: Actor) -> str:
    products.create_product(db, admin, sku="DRILL", name="Drill", serial_mode="required")
    products.create_product(db, admin, sku="CABLE", name="Cable", serial_mode="disabled")
    data = (
        "ASN,Vendor,SKU,Quantity,Serials\n"
        f"ASN-K,Acme,DRILL,3,{'|'.join(SERIALS)}\n"
        "ASN-K,Acme,CABLE,5,\n"
    ).encode()
    import_asn_data(db, admin, "k.csv", data, "S1")
    return "ASN-K"


def test_a_crash_after_the_commit_leaves_the_file_owed_and_the_next_start_writes_it(
    db: Database, db_url: str, admin: Actor, asn_k: str, tmp_path: Path, outbox_folder: Path
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, db_url, str(outbox_folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, (child.stdout, child.stderr)
    assert "not killed" not in child.stdout
    target = outbox_folder / "asn_receipt-ASN-K.csv"
    assert not target.exists()
    assert not outbox_folder.exists() or list(outbox_folder.iterdir()) == []  # no temp file
    assert owed_count(db) == 1
    assert asn_detail(db, asn_k).status == "received"  # the commit happened

    env = {
        **os.environ,
        "SERIALPOS_OUTBOX": str(outbox_folder),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "d"),
    }
    env.pop("SERIALPOS_CONFIG", None)
    flushed = subprocess.run(
        [sys.executable, "-m", "serialpos", "--db", db_url, "events", "flush"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert flushed.returncode == 0, flushed.stderr
    assert target.exists()
    assert owed_count(db) == 0
    with target.open(encoding="utf-8", newline="") as f:
        rows = {r["sku"]: r for r in csv.DictReader(f)}
    assert {sku: (r["quantity"], r["serials"]) for sku, r in rows.items()} == {
        "CABLE": ("4", ""),
        "DRILL": ("2", "SN-0001|SN-0003"),
    }  # exactly what was scanned
    assert {r["user"] for r in rows.values()} == {"ada"}

    # The receipt exists once: one outbox row, one receive event per unit scanned.
    def receipts(conn: sa.Connection) -> tuple[int, list[tuple[str | None, int]]]:
        files = conn.execute(sa.select(sa.func.count()).select_from(outbox_t)).scalar_one()
        events = conn.execute(
            sa.select(repo.event_t.c.serial, repo.event_t.c.quantity)
            .where(repo.event_t.c.action == "receive", repo.event_t.c.document_id == "ASN-K")
            .order_by(repo.event_t.c.id)
        ).all()
        return int(files), [(s, int(q)) for s, q in events]

    assert db.read(receipts) == (1, [("SN-0001", 1), ("SN-0003", 1), (None, 4)])
    with pytest.raises(Conflict, match="ASN ASN-K was already received"):
        open_asn(db, admin, asn_k, "S1", outbox_folder)
    again = apply_object(
        db,
        admin,
        {
            "op": "asn_receive",
            "asn": "ASN-K",
            "store": "S1",
            "scans": [{"sku": "DRILL", "serial": "SN-0002"}],
            "complete": True,
        },
    )
    assert again["ok"] is False and again["error"] == "conflict"
    assert db.read(receipts)[0] == 1
    # A second flush writes nothing new, and a resend gives the same bytes.
    before = target.read_bytes()
    resent = subprocess.run(
        [sys.executable, "-m", "serialpos", "--db", db_url, "events", "resend", "ASN-K"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resent.returncode == 0, resent.stderr
    assert target.read_bytes() == before
