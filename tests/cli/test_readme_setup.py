"""The README's "typical first set-up" run as written, in order, on a fresh HOME (new-user
walk, round two): it imported ``sample_product_feed.csv`` alone, and the sample ASNs the
README and docs/asn.md point at name products that feed lacks (PH-AUR15, LT-ZEN14, TL-DRL18…),
so ``asn import ./samples/sample_asn.csv`` was refused whole. Real processes: each line of
the README's block is run by bash with the installed ``serialpos``, only the database path
moved under the test's folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
DB_LINE = "export SERIALPOS_DB=sqlite:////var/lib/serialpos/shop.sqlite"


def setup_block() -> str:
    """The shell block under "A typical first set-up of a real store"."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"A typical first set-up of a real store:\n\n```sh\n(.*?)```", text, re.S)
    assert found, "the README lost its set-up block"
    return found.group(1)


def test_the_readme_setup_runs_in_order_on_a_fresh_home(tmp_path: Path) -> None:
    block = setup_block()
    assert DB_LINE in block  # the one line moved: the database goes under the test's folder
    db = tmp_path / "var" / "shop.sqlite"
    script = block.replace(DB_LINE, f"export SERIALPOS_DB=sqlite:///{db}")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SERIALPOS_") and k not in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")
    }
    bin_dir = str(Path(sys.executable).parent)
    env |= {"HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"}
    done = subprocess.run(
        ["bash", "-e", "-x", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ASN ASN-1001 from Aurora Devices Ltd: 3 lines, 34 units" in done.stdout
    assert "ASN ASN-1002 from Northwind Computing: 3 lines, 55 units" in done.stdout
    assert "ASN-1002" in done.stdout.split("ASN ASN-1002 from")[-1]  # `asn list` lists it
    assert "auto_prompt_serial is now on at S01" in done.stdout
