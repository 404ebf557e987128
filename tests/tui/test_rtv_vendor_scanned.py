"""Return to vendor's vendor scanned off the vendor's code label (80x24 and 40x16; a burst,
jitter, a lone first key): taken when an ASN or an earlier receipt names the vendor, spelt as
recorded; a code no document names is refused (a unit's serial cannot be told from it), the
vendor still asked. Every scan there was refused ("was scanned, not returned: type the
vendor")."""

from __future__ import annotations

import pytest
from scan_bursts import FIRST_KEY_ARRIVALS, scanner_types
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, bells, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.asn import import_asn_data
from serialpos.services.context import Actor

from test_rtv_screen import open_rtv, said  # isort: skip

ASN_CSV = "ASN,Vendor,SKU,Quantity,Serials,CasePack\nASN-V1,AURORA-01,AC-USBC1,5,,\n"


@pytest.mark.parametrize("arrival", FIRST_KEY_ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_known_vendors_code_scanned_is_the_vendor(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    arrival: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_asn_data(
        demo_db, Actor("stockroom", Role.STOCKROOM, "T1"), "a.csv", ASN_CSV.encode(), "S02"
    )
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        rung = bells(app, monkeypatch)
        screen = await open_rtv(pilot)
        if arrival == "burst":  # a code no document names: refused, nothing taken
            await scanner_types(pilot, clock, "NEWCO-7\r", arrival)
            assert screen.vendor == "" and len(rung) == 1, said(pilot)
            assert "'NEWCO-7' is no vendor on any ASN or receipt" in said(pilot)
            await pilot.press("enter")  # the refusal seen
            await settle(pilot)
        await scanner_types(pilot, clock, "aurora-01\r", arrival)
        await settle(pilot)
        assert screen.vendor == "AURORA-01", said(pilot)
        assert screen.stage == "reason", said(pilot)
