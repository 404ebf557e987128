"""``serialpos invoice``: an invoice (or refund note) as a PDF, and to the counter printer."""

from __future__ import annotations

from pathlib import Path

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_USAGE, fail, say


def invoice(
    ctx: typer.Context,
    invoice_no: str = typer.Argument(
        ..., metavar="INVOICE_NO", help="The invoice number, e.g. INV-S1-000017."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the PDF to this file."),
    print_it: bool = typer.Option(
        False, "--print", help="Send the PDF to the terminal's CUPS printer (lp)."
    ),
) -> None:
    """Write an invoice's PDF (serials shown per the store's setting now) and/or print it."""
    import shutil
    import subprocess
    import tempfile

    from serialpos.services.invoices import write_invoice_pdf

    if out is None and not print_it:
        fail("say where the PDF goes: --out FILE.pdf, and/or --print", EXIT_USAGE)
    cli = state(ctx)
    printer = lp = None
    if print_it:
        config = cli.config()
        printer = config.printer
        if not printer:
            where = config.path or "the terminal config"
            fail(f"no printer is configured: set name under [printer] in {where}")
        lp = shutil.which("lp")
        if lp is None:
            fail("cannot print: the lp command (CUPS) is not installed on this terminal")
    db = cli.database()
    with tempfile.TemporaryDirectory(prefix="serialpos-invoice-") as tmp:
        target = out if out is not None else Path(tmp) / f"{invoice_no.strip()}.pdf"
        path = write_invoice_pdf(db, invoice_no, target)
        if out is not None:
            say(f"wrote {path}")
        if print_it:
            assert lp is not None and printer is not None
            try:
                done = subprocess.run(
                    [lp, "-d", printer, str(path)],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                fail(f"printing on {printer} failed: {exc}")
            if done.returncode != 0:
                reason = (done.stderr or done.stdout).strip().splitlines()
                fail(
                    f"printing on {printer} failed (lp exit {done.returncode}): "
                    f"{reason[0] if reason else 'no message'}"
                )
            say(f"sent {invoice_no.strip()} to printer {printer}")
