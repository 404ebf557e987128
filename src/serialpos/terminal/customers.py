"""Customer records pulled from central at each sync (issue 16; services/customer_sync.py).

The snapshot brings every record of the chain; each round that pulls then asks central for the
records changed since central's clock at the last look (``GET /v1/customers``), less an
overlap, and takes them by key in one local transaction with the new cursor. Records made or
edited here reach central the other way, as ``customer_upsert`` entries; the pull runs only
when none is waiting (terminal/sync.py), so a record's local change is never overwritten
before central has it.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.services.customer_sync import next_since, take_in
from serialpos.terminal.client import CentralClient, CentralRefused

#: The journal state holding what to ask central from next.
CUSTOMERS_SINCE = "customers_since"


def pull_customers(db: Database, client: CentralClient) -> int:
    """Take central's records changed since the last look; the number changed here. A
    central that has no such route yet (not upgraded) is skipped: the rest of the sync goes
    on, and the next round asks again."""
    since = db.read(lambda conn: journal.get_state(conn, CUSTOMERS_SINCE))
    try:
        found = client.get_json("/v1/customers", **({"changed_since": since} if since else {}))
    except CentralRefused as exc:
        if exc.code != "not_found":
            raise
        logging.getLogger(__name__).warning("central has no customer feed yet: %s", exc)
        return 0

    def write(conn: Connection) -> int:
        changed = take_in(conn, found["customers"])
        journal.set_state(conn, CUSTOMERS_SINCE, next_since(found["until"]))
        return changed

    return db.write(write)
