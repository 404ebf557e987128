"""``serialpos asn import|list|show``: the sample files import on the demo database, a bad
file is refused whole with every problem on its own line, and the store defaults to the
terminal's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import cli_fork

ROOT = Path(__file__).resolve().parents[2]
#: The samples shipped in the package (relative to ROOT, where the commands run).
ASN_CSV, ASN_JSON = "src/serialpos/data/sample_asn.csv", "src/serialpos/data/sample_asn.json"


def serialpos(
    tmp_path: Path,
    *args: str,
    store: str | None = None,
    user: str = "stockroom",
) -> subprocess.CompletedProcess[str]:
    """``python -m serialpos ARGS`` in a process of its own (started by cli_fork.py), on the
    database and folders under ``tmp_path`` (the event files and logs where the autouse
    fixtures put a test's: the demo template is made outside any test)."""
    env = {
        **os.environ,
        "SERIALPOS_DB": f"sqlite:///{tmp_path / 'demo.sqlite'}",
        "SERIALPOS_USER": user,
        "SERIALPOS_OUTBOX": str(tmp_path / "outbox"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    env.pop("SERIALPOS_STORE", None)
    env.pop("SERIALPOS_CONFIG", None)
    if store is not None:
        env["SERIALPOS_STORE"] = store
    done = cli_fork.run(list(args), env, timeout=300, cwd=ROOT)
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``serialpos demo`` run once for the module (its day of activity is most of a test's
    time otherwise); each test works on a copy of everything it left."""
    folder = tmp_path_factory.mktemp("asn-demo")
    made = serialpos(folder, "demo", "--no-console")
    assert made.returncode == 0, made.stderr
    return folder


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo_template, tmp_path, dirs_exist_ok=True)
    return tmp_path


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_samples_import_on_the_demo_store_and_show(demo: Path) -> None:
    done = serialpos(demo, "asn", "import", ASN_CSV, "--store", "S01")
    assert done.returncode == 0, done.stderr
    assert (
        "ASN ASN-1001 from Aurora Devices Ltd: 3 lines, 34 units, 4 serials expected at "
        "S01" in done.stdout
    )
    assert "ASN ASN-1002 from Northwind Computing" in done.stdout
    # The terminal's own store is the default, as at the console's login.
    result = as_json(serialpos(demo, "asn", "import", ASN_JSON, "--json", store="S02"))
    assert result["store"] == "S02"
    assert [(a["asn"], a["lines"], a["units"], a["serials"]) for a in result["asns"]] == [
        ("ASN-2001", 3, 28, 4),
        ("ASN-2002", 2, 8, 0),
    ]
    listed = as_json(serialpos(demo, "asn", "list", "--json"))
    assert {(a["asn"], a["store"], a["status"]) for a in listed} == {
        ("ASN-DEMO-1", "S01", "open"),  # the demo's own ASN on its way
        ("ASN-1001", "S01", "open"),
        ("ASN-1002", "S01", "open"),
        ("ASN-2001", "S02", "open"),
        ("ASN-2002", "S02", "open"),
    }
    assert [
        a["asn"] for a in as_json(serialpos(demo, "asn", "list", "--store", "S02", "--json"))
    ] == ["ASN-2002", "ASN-2001"]
    detail = as_json(serialpos(demo, "asn", "show", "ASN-1001", "--json"))
    assert detail["status"] == "open"
    assert [
        (ln["sku"], ln["quantity"], ln["listed"], ln["case_pack"], ln["received"])
        for ln in detail["lines"]
    ] == [
        ("PH-AUR15", 4, 4, None, 0),
        ("AC-CASE15", 20, 0, "CP-CASE-01", 0),
        ("AC-CHG65", 10, 0, "CP-CHG-01", 0),
    ]
    table = serialpos(demo, "asn", "show", "ASN-1001")
    assert "ASN ASN-1001 from Aurora Devices Ltd at S01: open, 0 of 34 scanned" in table.stdout
    assert "CP-CASE-01" in table.stdout
    unit = as_json(serialpos(demo, "serial", "show", "356938040000011", "--json"))
    assert "expected" in json.dumps(unit)


def test_a_bad_file_is_refused_whole_listing_every_problem(demo: Path) -> None:
    bad = demo / "bad.csv"
    bad.write_text(
        "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"
        "ASN-9,Acme,PH-AUR15,1,356938040000011,\n"
        "ASN-9,Acme,NOPE,1,,\n"
        "ASN-9,Acme,PH-NOVA7,2,,CP-1\n"
        "ASN-9,Acme,AC-USBC1,lots,,\n"
        "ASN-9,Acme,PH-AUR15,1,356938040000011,\n"
        "ASN-9,Acme,PH-AUR15,1,35693803000001,\n",
        encoding="utf-8",
    )
    done = serialpos(demo, "asn", "import", str(bad), "--store", "S01")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == f"error: {bad} refused, nothing imported (5 problems):"
    assert lines[1:] == [  # line 2 is fine on its own
        "  line 3: there is no product with SKU 'NOPE'",
        "  line 4: PH-NOVA7 is serialized (required): serialized units are tracked one by "
        "one: CasePack cannot hold a serialized product",
        "  line 5: Quantity 'lots' is not a positive whole number",
        "  line 6: serial 356938040000011 of PH-AUR15 is listed twice in the file (first at "
        "line 2)",
        "  line 7: serial '35693803000001' is not valid for PH-AUR15: an IMEI has 15 digits, "
        "this has 14",
    ]
    # Only the demo's own ASN: nothing of the refused file was imported.
    assert [a["asn"] for a in as_json(serialpos(demo, "asn", "list", "--json"))] == ["ASN-DEMO-1"]


def test_refusals_are_one_clear_line(demo: Path) -> None:
    missing = serialpos(demo, "asn", "import", "no-such.csv", "--store", "S01")
    assert (missing.returncode, missing.stderr) == (
        2,
        "error: cannot read no-such.csv: no such file\n",
    )
    no_store = serialpos(demo, "asn", "import", ASN_CSV)
    assert no_store.returncode == 2 and "say which store: --store CODE" in no_store.stderr
    cashier = serialpos(demo, "asn", "import", ASN_CSV, "--store", "S01", user="cashier")
    assert cashier.returncode == 1 and cashier.stderr.startswith("error: ")
    unknown = serialpos(demo, "asn", "show", "ASN-0")
    assert (unknown.returncode, unknown.stderr) == (1, "error: there is no ASN 'ASN-0'\n")
    wrong_store = serialpos(demo, "asn", "import", ASN_CSV, "--store", "S09")
    assert (wrong_store.returncode, wrong_store.stderr) == (1, "error: there is no store 'S09'\n")


def test_a_received_asn_shows_its_differences(demo: Path) -> None:
    assert serialpos(demo, "asn", "import", ASN_CSV, "--store", "S01").returncode == 0
    ops = demo / "ops.jsonl"
    ops.write_text(
        json.dumps(
            {
                "op": "asn_receive",
                "asn": "ASN-1002",
                "store": "S01",
                "complete": True,
                "scans": [
                    {"sku": "LT-ZEN14", "serial": "ZB24100001"},
                    {"sku": "LT-ZEN14", "serial": "ZB24100003"},
                    {"sku": "TL-DRL18", "serial": "DRL18-B001"},
                    {"sku": "TL-DRL18", "serial": "DRL18-B002"},
                    *[{"sku": "AC-USBC1"}] * 50,
                ],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    applied = serialpos(demo, "apply", str(ops))
    assert applied.returncode == 0, applied.stdout
    verdict = json.loads(applied.stdout)
    assert verdict["ok"] is True and verdict["received"] == 54
    assert verdict["event_file"]["owed"] is False
    shown = serialpos(demo, "asn", "show", "ASN-1002")
    assert (
        "ASN ASN-1002 from Northwind Computing at S01: received, 54 of 55 received" in shown.stdout
    )
    assert "difference: LT-ZEN14 2 of 3 received; missing ZB24100002" in shown.stdout
    received = as_json(serialpos(demo, "asn", "list", "--status", "received", "--json"))
    assert [a["asn"] for a in received] == ["ASN-1002"]
    unit = serialpos(demo, "serial", "show", "ZB24100002", "--json")
    assert '"expected"' in unit.stdout  # not scanned: still expected, the ASN now closed
    bad = serialpos(demo, "asn", "list", "--status", "done")
    assert (bad.returncode, bad.stderr) == (
        1,
        "error: status 'done' is not one of open, received\n",
    )


def test_invisible_characters_another_products_serial_and_asn_case_are_refused(
    demo: Path,
) -> None:
    """``asn import`` used to take ``DRL18-X<U+200B>1`` and ``DRL18-X<U+00A0>2`` as expected
    units no label could match, a sold ZenBook's serial under a drill, and ``asn-demo-1``
    beside the demo's ASN-DEMO-1 as a second ASN (its packs expected twice)."""
    bad = demo / "bad.csv"
    bad.write_text(
        "ASN,Vendor,SKU,Quantity,Serials,CasePack\n"
        "ASN-9,Acme,TL-DRL18,2,DRL18-X\u200b1|DRL18-X\u00a02,\n"
        "ASN-9,Acme,TL-DRL18,1,ZB24000104,\n"
        "asn-demo-1,Aurora Devices Ltd,AC-USBC1,20,,CP-DEMO-1\n",
        encoding="utf-8",
    )
    done = serialpos(demo, "asn", "import", str(bad), "--store", "S01")
    assert done.returncode == 1
    assert done.stderr.splitlines()[1:] == [
        "  line 2: serial 1 of the list, 'DRL18-X<U+200B>1', holds an invisible character "
        "(U+200B at position 8): no label carries it, so the unit could never be received; "
        "correct the file",
        "  line 2: serial 2 of the list, 'DRL18-X<U+00A0>2', holds an invisible character "
        "(U+00A0 at position 8): no label carries it, so the unit could never be received; "
        "correct the file",
        "  line 3: listed for TL-DRL18: ZB24000104 is the serial of LT-ZEN14 ZenBook 14 laptop "
        "(sold): take it back as a return of LT-ZEN14, or check the label",
        "  line 4: ASN asn-demo-1 was already imported as ASN-DEMO-1 (ASN ids ignore letter case)",
    ]
    assert [a["asn"] for a in as_json(serialpos(demo, "asn", "list", "--json"))] == ["ASN-DEMO-1"]


def test_apply_refuses_a_gone_units_serial_and_a_product_barcode(demo: Path) -> None:
    """``serialpos apply`` on the demo: the returned bike's serial under a drill, the drill's
    own barcode and two labels run together each refused with a pinned code."""
    lines = demo / "lines.jsonl"
    lines.write_text(
        '{"op":"rtv","store":"S01","sku":"BK-CITY7","serial":"WTU123456789A","reason":"x"}\n'
        '{"op":"receive","store":"S01","sku":"TL-DRL18","serial":"WTU123456789A"}\n'
        '{"op":"receive","store":"S01","sku":"TL-DRL18","serial":"05012345000053"}\n'
        '{"op":"adjust","store":"S01","sku":"AP-FRG300","reason":"found",'
        '"add":["FR-300-1015-FR-300-1017"]}\n',
        encoding="utf-8",
    )
    done = serialpos(demo, "apply", str(lines), user="manager")
    assert done.returncode == 1, done.stderr
    said = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(s["ok"], s.get("error")) for s in said] == [
        (True, None),
        (False, "duplicate_serial"),
        (False, "bad_serial_format"),
        (False, "merged_scan"),
    ]
    assert said[1]["message"] == (
        "WTU123456789A is the serial of BK-CITY7 City bike 7-speed (returned to vendor): "
        "receive it under BK-CITY7, or check the label"
    )
