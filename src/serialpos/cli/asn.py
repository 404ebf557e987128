"""``serialpos asn``: advance shipping notices (import, list, show)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Advance shipping notices: import, list, show.", no_args_is_help=True)
