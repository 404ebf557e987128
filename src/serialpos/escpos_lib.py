"""python-escpos, loaded without the root logging it sets up.

``escpos.capabilities`` calls ``logging.basicConfig()`` when it is first imported. That gives
the root logger a stderr handler, and serialpos's records reach the root (they propagate, so
pytest's caplog and an embedding program see them): from then on every line the program logs
was also printed on the terminal. A CLI command that printed a shift report or a receipt and
then logged an action wrote ``INFO:serialpos.actions:user=...`` to stderr. Every serialpos
module imports python-escpos through here, which takes away any root handler the import
added, so the root stays as the program (or the host embedding it) set it.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType


def _load_printer_module() -> ModuleType:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        loaded = importlib.import_module("escpos.printer")
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
    return loaded


printer = _load_printer_module()
#: The in-memory printer the receipt and report layouts are drawn on.
Dummy = printer.Dummy
