"""Fixtures of the store terminal tests (helpers in terminal_chain.py)."""

from terminal_chain import chain

__all__ = ["chain"]
