"""Writing output files so that a reader never sees half of one.

A temporary file is named ``.<target>.<pid>-<random>.tmp``: a writer killed before its
rename leaves it behind, and :func:`remove_leftover_temp_files` (run at start-up and by
``events flush``) removes those whose process is gone, never a live writer's.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

#: A temporary file of ours: the target's name, the writer's pid (absent in older names).
_TEMP = re.compile(r"\..+\.(?:(\d+)-)?[0-9a-f]{8}\.tmp")
#: A temporary file without a live owner this old is a leftover whatever its name says.
STALE_SECONDS = 3600.0


def _temp_name(target: Path) -> Path:
    return target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def remove_leftover_temp_files(folder: Path) -> tuple[Path, ...]:
    """Remove the temporary files of writers that were killed before their rename: those
    whose process no longer runs, and any older than an hour (or, for names without a pid,
    older than a minute). Returns what was removed; a folder that cannot be read is left."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return ()
    now = time.time()
    for path in entries:
        found = _TEMP.fullmatch(path.name)
        if found is None:
            continue
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        pid = found.group(1)
        if pid is not None:
            leftover = (int(pid) != os.getpid() and not _alive(int(pid))) or age > STALE_SECONDS
        else:
            leftover = age > 60
        if leftover:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return tuple(removed)


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, flush it to disk, then rename it
    into place. On any failure (full disk, no permission) the temporary file is removed and
    nothing appears under ``target``."""
    folder = target.parent
    temp = _temp_name(target)
    mode = 0o666  # the umask applies, as for any new file
    with contextlib.suppress(OSError):
        mode = target.stat().st_mode & 0o777  # replacing a file keeps its permissions
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); not possible on every platform."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """For output written in a stream (exports too large to hold in memory): yield a new,
    empty temporary file beside ``target`` for the caller to write; when the block ends
    normally it is flushed to disk and renamed into place, on any failure it is removed and
    nothing appears under ``target`` (an earlier file there stays as it was)."""
    folder = target.parent
    temp = _temp_name(target)
    mode = 0o666
    with contextlib.suppress(OSError):
        mode = target.stat().st_mode & 0o777
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
    try:
        yield temp
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(folder)
