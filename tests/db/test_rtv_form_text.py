"""Return to vendor's vendor and reason, typed at the console (services/rtv.form_text): words
a person types or pastes are taken; a scan's text is refused, naming what it is (a known
unit's serial, a product's barcode, a GS1 label), so a serial scanned into the field never
becomes the vendor or the reason. The console sends pasted text there (tui/scanners.py)."""

from __future__ import annotations

import pytest
from test_orders import IMEI, PH_BARCODE, setup_catalogue

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.services.context import Actor
from serialpos.services.rtv import form_text


def test_words_are_taken_and_a_scans_text_is_refused(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    assert form_text(db, "  Aurora Devices Ltd ", "vendor", 100) == "Aurora Devices Ltd"
    assert form_text(db, "dead on arrival", "reason", 200) == "dead on arrival"
    assert form_text(db, "ZZ-404", "vendor", 100) == "ZZ-404"  # no unit, no barcode: words
    for text, what in (
        (IMEI[0], "the serial of a PH1 unit"),
        (PH_BARCODE, "the barcode of PH1"),
        (f"01{PH_BARCODE.rjust(14, '0')}21SN-9", "a barcode"),
    ):
        with pytest.raises(BadRequest) as caught:
            form_text(db, text, "vendor", 100)
        assert str(caught.value) == (
            f"'{text}' is {what}, not the vendor: type the vendor, Enter, then scan the unit"
        )
