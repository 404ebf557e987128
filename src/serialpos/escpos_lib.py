"""python-escpos, loaded without the root logging it sets up, and with its printer profiles
read once per machine rather than once per process.

``escpos.capabilities`` calls ``logging.basicConfig()`` when it is first imported. That gives
the root logger a stderr handler, and serialpos's records reach the root (they propagate, so
pytest's caplog and an embedding program see them): from then on every line the program logs
was also printed on the terminal. A CLI command that printed a shift report or a receipt and
then logged an action wrote ``INFO:serialpos.actions:user=...`` to stderr. Every serialpos
module imports python-escpos through here, which takes away any root handler the import
added, so the root stays as the program (or the host embedding it) set it.

The same import parses the library's printer profiles (``capabilities.json``, 1.5 MB, with
pure-Python YAML: 60-440 ms of CPU) and keeps them pickled in
``ESCPOS_CAPABILITIES_PICKLE_DIR``, by default a **new** temporary folder each time: every
command that printed a receipt or a shift report (``shift x``, ``shift close``, a refund's
note) paid the parse again and left a 76 KB folder in ``/tmp`` behind it. Here the pickle is
kept in serialpos's cache folder (:func:`capabilities_folder`), written whole (to a temporary
file, then renamed: a command starting meanwhile never reads half of it), so the parse is
paid once per machine and interpreter version, and the empty folder the library still makes
is removed. Where the cache folder cannot be written, the library's own way stands.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import platform
import tempfile
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The variable python-escpos reads for where its pickled profiles are.
PICKLE_DIR_VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"

log = logging.getLogger(__name__)


def capabilities_folder() -> Path:
    """Where the printer profiles are kept pickled: serialpos's cache folder."""
    import platformdirs

    from serialpos.config import APP_NAME

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "escpos"


def _kept_capabilities() -> Path | None:
    """The folder holding an up-to-date pickle of the profiles (written now when missing or
    older than the library's file), or None where it cannot be (the library then does as
    it always did)."""
    if os.environ.get(PICKLE_DIR_VARIABLE) or os.environ.get("ESCPOS_CAPABILITIES_FILE"):
        return None  # set by whoever runs us: theirs
    folder = capabilities_folder()
    kept = folder / f"{platform.python_version()}.capabilities.pickle"
    try:
        with resources.as_file(resources.files("escpos") / "capabilities.json") as source:
            if kept.exists() and kept.stat().st_mtime >= source.stat().st_mtime:
                return folder
            import yaml

            with source.open(encoding="utf-8") as text:
                profiles = yaml.safe_load(text)  # as the library reads them
        folder.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=folder, prefix=".capabilities-")
        try:
            with os.fdopen(fd, "wb") as out:
                pickle.dump(profiles, out, protocol=2)
            os.replace(partial, kept)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise
    except (OSError, ModuleNotFoundError) as error:
        log.debug("printer profiles not kept in %s: %s", folder, error)
        return None
    return folder


@contextlib.contextmanager
def _no_folder_left() -> Iterator[None]:
    """The library makes a temporary folder at import even when told where its profiles are
    (``environ.get(..., mkdtemp())``): made in a scratch folder of ours meanwhile, and
    removed with it when empty (only ever ``rmdir``: nothing anyone wrote is deleted)."""
    scratch = tempfile.mkdtemp(prefix="serialpos-escpos-")
    saved, tempfile.tempdir = tempfile.tempdir, scratch
    try:
        yield
    finally:
        tempfile.tempdir = saved
        for name in os.listdir(scratch):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(scratch, name))
        with contextlib.suppress(OSError):
            os.rmdir(scratch)


def _load_printer_module() -> ModuleType:
    root = logging.getLogger()
    before = list(root.handlers)
    kept = _kept_capabilities()
    if kept is not None:
        os.environ[PICKLE_DIR_VARIABLE] = str(kept)
    try:
        with _no_folder_left():
            loaded = importlib.import_module("escpos.printer")
    finally:
        if kept is not None:
            os.environ.pop(PICKLE_DIR_VARIABLE, None)
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
    return loaded


printer = _load_printer_module()
#: The in-memory printer the receipt and report layouts are drawn on.
Dummy = printer.Dummy
