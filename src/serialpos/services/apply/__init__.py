"""``serialpos apply``: ledger operations from a host system as JSON Lines, one transaction each.

Host systems (an ERP, a web shop, a warehouse system) drive the ledger without a person at a
screen, so every line must come back with a verdict a program can act on: a stable error code,
a sentence for the person reading the log, and the input line number and ``id`` to match it
with. The parsing, the checks on every field and the table of operations live here, not in the
CLI, so the same behaviour serves any later transport; later operations (orders, ASN
receiving, counts) are one handler and one entry in ``dispatch.OPERATIONS``.
The format is documented for hosts in docs/integration.md; keep the two in step.

The package is split by job: ``dispatch`` (the envelope: lines, parsing, the table of
operations, verdicts), ``fields`` (typed reading of a line's fields), and one room of handlers
per document family: ``move_handlers`` (ledger moves), ``order_handlers`` (sale orders) and
``document_handlers`` (counts and ASN receipts). Code in serialpos imports from those modules;
the names below are re-exported for scripts written against the single module this used to be.
"""

from __future__ import annotations

from serialpos.services.apply.dispatch import (
    COMMON_KEYS,
    MAX_LINE_BYTES,
    OPERATIONS,
    Operation,
    apply_line,
    apply_object,
    apply_stream,
    parse,
    read_lines,
)
from serialpos.services.apply.fields import (
    MAX_DOCUMENT,
    MAX_DOCUMENT_LINE,
    MAX_QUANTITY,
    MAX_REASON,
    Fields,
    Handler,
    Result,
)

__all__ = [
    "COMMON_KEYS",
    "MAX_DOCUMENT",
    "MAX_DOCUMENT_LINE",
    "MAX_LINE_BYTES",
    "MAX_QUANTITY",
    "MAX_REASON",
    "OPERATIONS",
    "Fields",
    "Handler",
    "Operation",
    "Result",
    "apply_line",
    "apply_object",
    "apply_stream",
    "parse",
    "read_lines",
]
