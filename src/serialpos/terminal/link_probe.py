"""Ask central before a sale the store's offline rules would refuse (issue 16).

The offline rules (terminal/offline_rules.py) follow the link as last found: a sync round,
an ``apply --push`` or an online sale at the console that got no answer. Between the moment
the link drops and the moment something finds it down, the till still counts itself
online, and a sale made then escaped both rules: a 900.00 TV sold with no manager's PIN and
above the offline price limit, while the next till refused it.

So before such a sale — a sale line, on a till that counts its link up, that one of the
rules would refuse were the link down — the till asks central (:func:`ask_first`: one small
read of its feed, :data:`PROBE_TIMEOUT` seconds at most). No answer: the link is recorded
down now (``went_offline`` audited, as a sync round does), and the rules then refuse the
sale before anything of it is recorded or printed; the console's manager-PIN dialog opens,
``apply`` answers ``offline_needs_manager`` or ``offline_price_limit``. An answer changes
nothing: the sale goes on as an online one (it is pushed as before). Central refusing the
till (a revoked token) is recorded as a refused link, which counts as offline.

What it costs: nothing for a sale no rule applies to (both rules are off by default, and a
cheap sale under the limit after a manager's PIN asks nothing), one round trip on loopback
for one that a rule covers while central answers, and at most :data:`PROBE_TIMEOUT` seconds
when central is silent (a refused connection answers at once). A till already counting
itself offline asks nothing: the rules hold for it anyway. Nor does an answer make a quiet
till (one that has not synced for minutes, terminal/link.py ``HEARD_WITHIN``) count as
online: a sale made by ``apply`` without ``--push`` is checked by central only at the next
sync, so only a sync or a push records central as heard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.orders import LineStatus
from serialpos.services.orders import get_order
from serialpos.terminal import offline_rules
from serialpos.terminal.client import CentralClient, CentralRefused, Offline
from serialpos.terminal.link import OFFLINE, record_link

#: Seconds central has to answer the question before a sale a rule covers: as long as an
#: online sale waits for central's verdict (terminal/online.py ``ONLINE_TIMEOUT``).
PROBE_TIMEOUT = 2.0


def ask_first(db: Database, data: Mapping[str, Any], chain: ChainConfig, *, user: str) -> None:
    """Before the sale line ``data`` is applied (outside any transaction of the till's):
    when the rules count the link up but would refuse the sale offline, ask central; no
    answer records the link down, so :func:`offline_rules.check_sale` then refuses it."""
    if not offline_rules.would_refuse_offline(db, data):
        return
    if db.read(offline_rules.offline_since) is not None:
        return  # offline for the rules already: they hold whatever central would say
    after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    try:
        with CentralClient.of_till(chain, timeout=PROBE_TIMEOUT) as client:
            client.get_json("/v1/events", after=after, limit=1)
    except Offline as exc:
        record_link(db, OFFLINE, reason=exc.message, terminal=chain.terminal, user=user)
    except CentralRefused as exc:
        record_link(
            db, OFFLINE, reason=exc.message, refused=exc, terminal=chain.terminal, user=user
        )


def ask_before_fulfilment(db: Database, chain: ChainConfig, order: str, *, user: str) -> None:
    """:func:`ask_first` for the fulfilment of ``order`` at the counter: an order central has
    not seen is journaled whole as its ``order_create``, which the rules check (one
    central has seen is fulfilled there by an ``order_fulfil``, which they do not)."""
    view = get_order(db, order)
    if db.read(lambda conn: journal.mentions(conn, view.order)):
        return
    sold = [
        {"sku": line.sku}
        for line in view.lines
        if line.package_line is None and line.status != LineStatus.REMOVED
    ]
    ask_first(db, {"op": "order_create", "store": view.store, "lines": sold}, chain, user=user)
