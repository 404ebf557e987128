"""Run the serialpos CLI with ``python -m serialpos``."""

from serialpos.cli.app import main

main()
