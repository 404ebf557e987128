"""``apply`` handler for customer records: ``customer_upsert``, the line a store terminal
journals when a record is added or edited there (services/customer_sync.py)."""

from __future__ import annotations

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.services.apply.fields import Fields, Result, _json_type
from serialpos.services.context import Actor


def _customer_upsert(db: Database, actor: Actor, f: Fields) -> Result:
    """The record holding ``key`` takes the fields given (``""`` clears one; a field left out
    keeps its value), or is added under ``key`` (then ``name`` is needed)."""
    from serialpos.services.customer_sync import FIELDS, check_key, upsert

    changes: dict[str, str | None] = {}
    for name in FIELDS:
        value = f.value(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRequest(f"'{name}' must be text, not {_json_type(value)}")
        changes[name] = value
    record, added = upsert(db, actor, check_key(f.value("key")), changes)
    return {
        "customer": record.id,
        "key": record.key,
        "added": added,
        **{k: getattr(record, k) for k in FIELDS},
    }
