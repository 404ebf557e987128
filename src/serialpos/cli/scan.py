"""`serialpos scan`: run the barcode decoder on one string, to set up and debug scanners.

A technician configuring a scanner (AIM prefix on, FNC1 substitute, suffix) needs to see what
the till will make of a scan without opening a sale; this prints exactly what ``decode``
returns, as key: value lines or as the JSON shape scripts rely on.

The decoder (and biip under it) is imported inside the command: ``serialpos`` loads this
module at start-up to register the command, and the console should not pay for biip then.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from serialpos.domain.decoder import DecodedScan

app = typer.Typer(
    help="Decode what a barcode scanner sends (AIM prefixes, GS1, Digital Link, EAN/UPC).",
    no_args_is_help=True,
)


@app.callback()
def _scan() -> None:
    """Decode what a barcode scanner sends (AIM prefixes, GS1, Digital Link, EAN/UPC)."""
    # A callback keeps `decode` a named sub-command even while it is the only one.


def check_gs(value: str | None) -> str | None:
    """The ``--gs`` option: one character that cannot occur in GS1 data."""
    if value is None:
        return None
    from serialpos.domain.decoder import gs_substitute_error

    error = gs_substitute_error(value)
    if error:
        raise typer.BadParameter(error)
    return value


def case_code(result: DecodedScan) -> dict[str, str | None]:
    """What the decoder's shape leaves unsaid: whether the scan is a case's or a pallet's
    label (domain/case_codes.py), never a unit's. An SSCC label, ``(00)...`` or its 20 raw
    digits, decodes as ``kind: serial`` (GS1 has no product or serial in it; the decoder's
    kinds and JSON are pinned): ``sscc`` names its code and ``case_label`` says what it is."""
    from serialpos.domain.case_codes import case_label, sscc_of

    text = result.text
    if not text or result.kind == "product_serial":  # a unit's label: its serial says so
        return {"sscc": None, "case_label": None}
    return {"sscc": sscc_of(text), "case_label": case_label(text)}


def _print_lines(result: DecodedScan) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    case = case_code(result)
    kind: str = result.kind
    if case["sscc"] is not None:  # the decoder's kind (pinned) beside what it really is
        kind = f"{kind} (an SSCC: a case's or pallet's label)"
    rows = [
        ("kind", kind),
        ("symbology", result.symbology),
        ("aim id", result.aim_id),
        ("gtin", result.gtin),
        ("serial", result.serial),
        ("batch", result.batch),
        ("expiry", result.expiry),
    ]
    if case["sscc"] is not None:
        rows.append(("sscc", case["sscc"]))
    if case["case_label"] is not None:
        rows.append(("label", f"{case['case_label']}, not a unit's serial"))
    for key, value in rows:
        # Text, not markup: scanned data may contain "[" and must print as sent.
        line = Text.assemble((f"{key + ':':<11}", "bold"), value if value is not None else "-")
        console.print(line, soft_wrap=True)


@app.command("decode")
def decode_command(
    raw: Annotated[
        str,
        typer.Argument(
            help="The scanned string. In bash, pass a GS (FNC1) as $'...\\x1d...'.",
            metavar="RAW",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON on stdout.")
    ] = False,
    gs: Annotated[
        str | None,
        typer.Option(
            "--gs",
            metavar="CHAR",
            help="Character the scanner sends instead of GS for FNC1, e.g. '~'.",
            callback=check_gs,
        ),
    ] = None,
) -> None:
    """Decode RAW and show kind, symbology, GTIN, serial, batch and expiry; a case's or
    pallet's label (an SSCC, a case's GTIN) is named as one (``sscc``, ``case_label``).

    Exits 1 when the scan is unreadable (the reason goes to stderr).
    """
    from serialpos.domain.decoder import decode

    result = decode(raw, gs_substitute=gs)
    if as_json:
        typer.echo(json.dumps({**result.to_json(), **case_code(result)}))
    else:
        _print_lines(result)
    if result.kind == "unreadable":
        typer.echo(f"unreadable scan: {result.error}", err=True)
        raise typer.Exit(code=1)
