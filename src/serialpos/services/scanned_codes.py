"""A document's code scanned into the field that asks for it: a blind receipt's vendor (a
vendor's code label) and reference (the packing slip's barcode).

Those fields refused every scan, since a unit's serial or a product's barcode scanned there
had become a receipt's vendor. But the packing slip of a delivery carries its number as a
barcode, and a vendor's code label is scanned as often as typed: refusing them sent the
stockroom to type what the scanner in their hand could read. So a scan there is judged:

- Refused, naming what it is, when the database knows it as something else: a unit's serial
  (any product, any state), a product's barcode, a GS1 product label, a case's or pallet's
  label.
- A vendor is taken only when a document already names it (an ASN, a blind receipt, a return
  to vendor), in any letter case, spelt as recorded. The units of a blind receipt are mostly
  new serials nobody recorded, which no rule can tell from a vendor's code: a new unit scanned
  first must not become the vendor (two serials run together did). A new vendor is typed
  once; after that its label scans.
- A reference is taken otherwise: it is a delivery's own number, never known before. The
  console shows it in the field and only the person's own Enter starts the receipt
  (tui/screens/receiving.py).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.db.vendor_sql import known_vendor
from serialpos.domain.case_codes import case_label
from serialpos.domain.decoder import decode
from serialpos.domain.errors import BadValue
from serialpos.domain.products import check_short_text
from serialpos.domain.text import clip


def scanned_code(
    db: Database,
    raw: str,
    what: str,
    limit: int,
    *,
    after: str = "scan the units once the receipt is open",
) -> str:
    """The code ``raw`` (a scanner's read, its AIM prefix removed) as the ``what`` of a
    document (``vendor``: spelt as recorded), trimmed; :class:`BadValue` naming what it is
    when it is a scan of a unit, a product or a case, a vendor no document names, or when it
    holds control or invisible characters or passes ``limit``. ``after``: what to do next,
    said at the end of a refusal."""
    from serialpos.services.rtv import scanned_text

    read = decode(raw)
    text = check_short_text(read.text or raw, what, limit)
    if not text:
        raise BadValue(f"the scan was empty: type or scan the {what}")
    case = case_label(text)
    vendor = what == "vendor"

    def judge(conn: Connection) -> tuple[str | None, str | None]:
        known = case if case is not None else scanned_text(conn, text)
        return known, (known_vendor(conn, text) if vendor and known is None else None)

    known, recorded = db.read(judge)
    if known is not None:
        raise BadValue(f"'{clip(text)}' is {known}, not the {what}; {after}")
    if vendor and recorded is None:
        raise BadValue(
            f"'{clip(text)}' is no vendor on any ASN or receipt: type a new vendor once; {after}"
        )
    return recorded or text


def blind_receipt_codes(db: Database, vendor: str, reference: str | None) -> tuple[str, str | None]:
    """A blind receipt's vendor and reference however they came (typed, pasted, or a scan
    slowed by the link, which reaches the field as typed text): refused, naming it, when one
    is a unit's serial, a product's barcode or a case's label the database knows; the vendor
    spelt as a document records it when one does (``aurora-01`` is ``AURORA-01``). Either
    checked already for its characters and length (``check_short_text``)."""
    from serialpos.services.rtv import scanned_text

    def judge(conn: Connection) -> tuple[str | None, str | None, str | None]:
        for what, text in (("vendor", vendor), ("reference", reference or "")):
            known = (case_label(text) or scanned_text(conn, text)) if text else None
            if known is not None:
                return what, text, known
        return None, None, known_vendor(conn, vendor)

    what, text, said = db.read(judge)
    if what is not None and text is not None:
        raise BadValue(
            f"'{clip(text)}' is {said}, not the {what}; scan the units once the receipt is open"
        )
    return said or vendor, reference


def recorded_vendor(db: Database, vendor: str) -> str:
    """``vendor`` spelt as a document records it, when one does in any letter case (the
    return to vendor's typed vendor, or a scan slowed by the link that arrived as typing):
    one vendor, one spelling on the documents and event files."""
    return db.read(lambda conn: known_vendor(conn, vendor)) or vendor
