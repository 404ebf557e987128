"""``serialpos samples``: the example terminal config and sample files shipped in the package,
listed or copied out (a wheel install has no source tree to find them in)."""

from __future__ import annotations

from pathlib import Path

import typer

from serialpos.cli.output import fail, say


def samples(
    copy: Path | None = typer.Option(
        None, "--copy", metavar="DIR", help="Copy every sample into DIR (made if missing)."
    ),
    show: str | None = typer.Option(
        None, "--show", metavar="NAME", help="Print one sample, e.g. terminal.example.toml."
    ),
) -> None:
    """List the sample files (example terminal config, product feeds, ASNs), print one, or
    copy them all out. Existing files in DIR are never overwritten."""
    from serialpos.data import SAMPLES, sample

    if show is not None:
        if show not in SAMPLES:
            fail(f"there is no sample '{show}'; samples are: {', '.join(SAMPLES)}")
        typer.echo(sample(show).read_text(encoding="utf-8"), nl=False)
        return
    if copy is None:
        for name in SAMPLES:
            say(name)
        return
    copy.mkdir(parents=True, exist_ok=True)
    for name in SAMPLES:
        target = copy / name
        if target.exists():
            say(f"{target} exists: kept")
            continue
        target.write_bytes(sample(name).read_bytes())
        say(f"{target} written")
