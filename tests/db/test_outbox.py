"""The transactional outbox: owed in the commit, written after it, resent byte for byte, and
written at the next start after a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database
from serialpos.domain.event_files import EventLine
from serialpos.services import event_files
from serialpos.services.event_files import UnknownDocument


def _owe(db: Database, document: str = "ASN-7", fail: bool = False) -> None:
    def work(conn: sa.Connection) -> None:
        event_files.owe(
            conn,
            event_type="asn_receipt",
            document_id=document,
            store="S01",
            user="stockroom",
            lines=[EventLine("PHONE", 2, ("P2", "P1"))],
        )
        if fail:
            raise RuntimeError("the receipt failed after owing its file")

    db.write(work)


def test_a_committed_document_owes_its_file_until_written(db: Database, tmp_path: Path) -> None:
    _owe(db)
    assert event_files.owed_count(db) == 1
    report = event_files.write_owed(db, tmp_path / "out")
    assert [p.name for p in report.written] == ["asn_receipt-ASN-7.csv"]
    text = (tmp_path / "out" / "asn_receipt-ASN-7.csv").read_text("utf-8")
    assert text.splitlines()[1].endswith(",stockroom,PHONE,2,P1|P2")
    assert event_files.owed_count(db) == 0
    assert event_files.write_owed(db, tmp_path / "out").written == ()


def test_a_rolled_back_document_owes_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        _owe(db, fail=True)
    assert event_files.owed_count(db) == 0


def test_resend_writes_the_same_bytes(db: Database, tmp_path: Path) -> None:
    _owe(db)
    first = event_files.write_owed(db, tmp_path).written[0].read_bytes()
    (tmp_path / "asn_receipt-ASN-7.csv").unlink()
    again = event_files.resend(db, tmp_path, "ASN-7")
    assert again.written[0].read_bytes() == first
    with pytest.raises(UnknownDocument, match="no event file is recorded for document 'NOPE'"):
        event_files.resend(db, tmp_path, "NOPE")


def test_a_document_cannot_owe_two_files_of_one_type(db: Database) -> None:
    _owe(db)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        _owe(db)
    assert event_files.owed_count(db) == 1


def test_a_folder_that_is_a_file_leaves_the_file_owed(db: Database, tmp_path: Path) -> None:
    _owe(db)
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    report = event_files.write_owed(db, blocker / "outbox")
    assert report.written == ()
    assert "cannot be made" in report.message and str(blocker) in report.message
    assert event_files.owed_count(db) == 1
    assert event_files.write_owed(db, tmp_path / "good").written  # later it works
