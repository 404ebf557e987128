"""Fixtures of the store terminal tests (helpers in terminal_chain.py)."""

from terminal_chain import chain, opened

__all__ = ["chain", "opened"]
