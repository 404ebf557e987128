"""The seal of a store terminal's journal entry: a SHA-256 over its line, chained to the
entry before it, so a line edited in the till's SQLite after it was made (another serial, a
price) is found before it is sent, by central when it arrives, and by ``db check``.

The seal lives in the line's ``journal`` object, as ``prev`` (the previous entry's hash,
:data:`GENESIS` for the first sealed one) and ``hash``: SHA-256 of ``prev``, a line break,
and the line as written with ``prev`` but without ``hash`` (compact JSON, keys in the order
written). Central reads the line as sent and hashes it the same way, with no state of its own.

What it proves, and what not: a change to one entry's payload that leaves its seal alone
breaks that entry's own hash (the usual edit, named alone). A person who also recomputes the
hash (SHA-256 is no secret) breaks the link to the next entry instead, and that is found,
but which side of the link was changed cannot be told; rewriting every hash after the edit
passes. A key only the till and central hold (an HMAC) would close that; it is not here.

Pure: no database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The ``prev`` of a terminal's first sealed entry.
GENESIS = "0" * 64
#: The keys of ``journal`` the seal adds (central's idempotency fingerprint leaves them out,
#: so an entry made before seals, sent again sealed, is still the same line).
SEAL_KEYS = ("prev", "hash")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _digest(prev: str, text: str) -> str:
    return hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()


def seal(line: dict[str, Any], prev: str) -> str:
    """``line`` (with its ``journal`` object) as the text to store and send, sealed after
    the entry whose hash is ``prev``."""
    journal = {k: v for k, v in line["journal"].items() if k not in SEAL_KEYS}
    unsealed = {**line, "journal": {**journal, "prev": prev}}
    text = _dumps(unsealed)
    digest = _digest(prev, text)
    if next(reversed(unsealed)) == "journal":  # as a till writes it: ``hash`` goes last
        return f'{text[:-2]},"hash":"{digest}"}}}}'
    return _dumps({**line, "journal": {**journal, "prev": prev, "hash": digest}})


def hash_of(line: str) -> str | None:
    """The ``hash`` a stored line's seal says (not checked), read from its end where a till
    writes it, else from the whole line; None when it has none."""
    tail = line[-76:]
    if tail.startswith(',"hash":"') and tail.endswith('"}}'):
        return tail[9:-3]
    return read(line).hash


@dataclass(frozen=True)
class Seal:
    """What a line's seal says: ``prev`` and ``hash`` as stored (None when missing), and
    whether the hash is the line's own (``intact``)."""

    prev: str | None
    hash: str | None
    intact: bool

    @property
    def present(self) -> bool:
        return self.hash is not None


def read(line: str | Mapping[str, Any]) -> Seal:
    """The seal of ``line`` (its stored text, or the object central decoded from it)."""
    try:
        data = json.loads(line) if isinstance(line, str) else line
    except ValueError:
        return Seal(None, None, False)
    journal = data.get("journal") if isinstance(data, Mapping) else None
    if not isinstance(journal, dict) or "hash" not in journal:
        return Seal(None, None, False)
    digest, prev = journal.get("hash"), journal.get("prev")
    if not isinstance(digest, str) or not isinstance(prev, str):
        return Seal(prev if isinstance(prev, str) else None, str(digest), False)
    rest = {k: v for k, v in journal.items() if k != "hash"}
    return Seal(prev, digest, _digest(prev, _dumps({**data, "journal": rest})) == digest)


def without_seal(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` with its ``journal`` free of seal keys (central's fingerprint of a line)."""
    journal = data.get("journal")
    if not isinstance(journal, dict) or not any(k in journal for k in SEAL_KEYS):
        return data
    return {**data, "journal": {k: v for k, v in journal.items() if k not in SEAL_KEYS}}
