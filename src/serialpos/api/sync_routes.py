"""Routes of the store terminals' sync (issue 16): the snapshot a terminal starts from and
the conflicts managers resolve. Pushes use ``POST /v1/apply`` and pulls ``GET /v1/events``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from serialpos.api.auth import actor_now
from serialpos.api.body import json_body, refuse_unknown_keys
from serialpos.domain.errors import BadRequest
from serialpos.domain.text import has_control_chars
from serialpos.services import acting_at_till, conflict_views, conflicts, snapshot, store_scope


def _optional(request: Request, key: str) -> str | None:
    value = request.query_params.get(key) or None
    if value is not None and (len(value) > 64 or has_control_chars(value)):
        raise BadRequest(f"'{key}' must be text of at most 64 characters, no control characters")
    return value


def _required(request: Request, key: str) -> str:
    value = _optional(request, key)
    if value is None:
        raise BadRequest(f"'{key}' is missing")
    return value


def snapshot_route(request: Request) -> Response:
    """``GET /v1/snapshot?store=S01&terminal=ID[&part=reference]``: what a new store
    terminal starts from; with ``part=reference`` only the settings and catalogue, which a
    terminal takes again from time to time; with ``part=orders&number=S1-A-000001...`` the
    rows of the store's orders named (a till's copy of a sale made elsewhere)."""
    actor = actor_now(request)
    store, terminal = _required(request, "store"), _required(request, "terminal")
    part = _optional(request, "part")
    if part == "reference":
        return JSONResponse(snapshot.reference(request.app.state.db, actor, store, terminal))
    if part == "orders":
        numbers = request.query_params.getlist("number")
        db = request.app.state.db
        return JSONResponse(snapshot.orders(db, actor, store, terminal, numbers))
    if part is not None:
        raise BadRequest("'part' must be 'reference' (settings and catalogue), 'orders' or absent")
    return JSONResponse(snapshot.take(request.app.state.db, actor, store, terminal))


def incoming_transfers(request: Request) -> Response:
    """``GET /v1/transfers/incoming?store=S02``: the transfers shipped to a store with units
    still in transit, for its terminals to receive (offline too); a store terminal's token
    its own store's only (services/store_scope.py)."""
    from serialpos.services.transfers.incoming import incoming_json

    actor = actor_now(request)
    store = _required(request, "store")
    store_scope.require_own_store(request.app.state.db, actor, store, "the incoming transfers")
    from serialpos.services.transfers.bare import in_transit_json

    found = incoming_json(request.app.state.db, actor, store)
    # Units shipped here on no kept transfer (a host's bare transfer_out): a till sets them
    # in transit at its store, so it can take them in (services/transfers/bare.py).
    bare = in_transit_json(request.app.state.db, store)
    return JSONResponse({"transfers": found, "units_in_transit": bare})


def open_asns(request: Request) -> Response:
    """``GET /v1/asns/open?store=S01``: the open ASNs of a store with their lines and the
    scans saved so far, for its terminals to receive (services/asn/till_copy.py); a store
    terminal's token its own store's only."""
    from serialpos.services.asn.till_copy import open_json

    actor = actor_now(request)
    store = _required(request, "store")
    store_scope.require_own_store(request.app.state.db, actor, store, "the open ASNs")
    found = open_json(request.app.state.db, actor, store)
    return JSONResponse({"asns": found})


def sent_transfers(request: Request) -> Response:
    """``GET /v1/transfers/sent?store=S01&number=TR1&number=TR2[&serial=A1...][&after=N
    [&follow=A7...]]``:
    central's copy of transfers shipped from a store (at most 100 numbers, and the last one
    holding each of at most 100 serials), for the sending store's terminals to follow their
    receipt at the other store; with ``after`` (a number of the event feed), ``away`` too:
    central's state of the units shipped from the store that moved at another store since
    (services/transfers/away.py), and of the units named by ``follow`` (at most 100) that
    moved there. A store terminal's token asks for its own store only."""
    from serialpos.services.transfers.away import away_json
    from serialpos.services.transfers.sent import checked, sent_json

    actor = actor_now(request)
    store = _required(request, "store")
    store_scope.require_own_store(request.app.state.db, actor, store, "the transfers sent")
    numbers = request.query_params.getlist("number")
    serials = request.query_params.getlist("serial")
    found = sent_json(request.app.state.db, actor, store, numbers, serials)
    after = _optional(request, "after")
    if after is None:
        return JSONResponse({"transfers": found})
    if not after.isascii() or not after.isdigit() or len(after) > 18:
        raise BadRequest("'after' must be 0 or a number of the event feed")
    follow = request.query_params.getlist("follow")
    away = away_json(request.app.state.db, actor, store, int(after), checked(follow, "follow"))
    return JSONResponse({"transfers": found, "away": away})


def units(request: Request) -> Response:
    """``GET /v1/units?store=S01&serial=A&serial=B``: central's state of every unit carrying
    one of the serials (at most 100), wherever it is (``{serial, sku, store, state,
    event}``), for a till whose units an event central lost in a restore set
    (services/central_units.py). A store terminal's token asks for its own store only."""
    from serialpos.services.central_units import units_json

    actor = actor_now(request)
    store = _required(request, "store")
    serials = request.query_params.getlist("serial")
    return JSONResponse({"units": units_json(request.app.state.db, actor, store, serials)})


#: The most journal entries one ``GET /v1/conflicts`` may name (``entry``, repeated): a
#: till asks for its unresolved ones in pieces of this many (terminal/central_conflicts.py).
MOST_ENTRIES = 100


def conflict_list(request: Request) -> Response:
    """``GET /v1/conflicts[?status=open|resolved&store=&entry=ID...]``. A store terminal's
    token, of any role, sees its own store's conflicts only, asked or not (another store's is
    refused), as it reads its own store's feed; a manager's or an admin's token sees every
    store's, or the one asked for (services/conflict_views.py ``list_for``). ``entry``
    (repeated, at most :data:`MOST_ENTRIES`): only those journal entries' conflicts — a till
    following its own unresolved ones asks for them, not its store's whole history."""
    actor = actor_now(request)
    named = request.query_params.getlist("entry")
    if len(named) > MOST_ENTRIES:
        raise BadRequest(f"at most {MOST_ENTRIES} 'entry' a request ({len(named)} given)")
    if any(not e or len(e) > 128 or has_control_chars(e) for e in named):
        raise BadRequest("each 'entry' is a journal entry's id: 1 to 128 characters, no control")
    found = conflict_views.list_for(
        request.app.state.db,
        actor,
        status=_optional(request, "status"),
        asked=_optional(request, "store"),
        entries=named or None,
    )
    return JSONResponse({"conflicts": found})


def customers_changed(request: Request) -> Response:
    """``GET /v1/customers[?changed_since=ISO]``: the customer records changed since then
    (all without) and ``until``, central's clock when it looked; a store terminal takes them
    by key at each sync (services/customer_sync.py)."""
    from datetime import datetime

    from serialpos.services.customer_sync import changed_since

    actor = actor_now(request)
    text = _optional(request, "changed_since")
    try:
        since = None if text is None else datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest("'changed_since' must be a date and time (ISO 8601)") from None
    if since is not None and since.tzinfo is not None:
        raise BadRequest("'changed_since' is central's time as it sent it ('until'), no zone")
    return JSONResponse(changed_since(request.app.state.db, actor, since))


async def conflict_resolve(request: Request) -> Response:
    """``POST /v1/conflicts/{id}/resolve`` with ``{"by": "accept"|"return"|"write_off"|
    "record_sale"|"refund", "note"?, "user"?, "entry"?}``: a manager resolves a conflict by a
    new event.
    ``user`` is the manager logged in at a store terminal's console (its token's own user
    without it): the resolution is theirs, never with more rights than the token's user.
    ``entry``: the journal entry the till means (``conflict_of_other_entry`` when the number
    is another entry's conflict now, after central was restored from an older backup).
    A store terminal's token resolves its own store's conflicts only (``wrong_store``)."""
    from starlette.concurrency import run_in_threadpool

    from serialpos.api.auth import actor_of
    from serialpos.services.apply.dispatch import apply_object

    token = await actor_of(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("the body is an object with 'by' and optionally 'note' and 'user'")
    refuse_unknown_keys(body, {"by", "note", "user", "entry"})
    by, note, user = body.get("by"), body.get("note"), body.get("user")
    entry = body.get("entry")
    if not isinstance(by, str) or (note is not None and not isinstance(note, str)):
        raise BadRequest(
            "'by' must be text (accept, return, write_off, record_sale or refund), 'note' text"
        )
    if user is not None and (not isinstance(user, str) or not user.strip() or len(user) > 32):
        raise BadRequest("'user' must be the user's name (text, at most 32)")
    if entry is not None and (not isinstance(entry, str) or not entry or len(entry) > 128):
        raise BadRequest("'entry' must be the id of the journal entry (text, at most 128)")
    try:
        conflict_id = int(request.path_params["conflict"])
    except ValueError:
        raise BadRequest("the conflict's id is a whole number") from None

    def work() -> dict[str, object]:
        db = request.app.state.db
        actor = acting_at_till.resolver_for(db, token, user)
        store_scope.require_own_conflict(db, token, conflict_id)
        return conflicts.resolve(db, actor, conflict_id, by, note, apply_object, entry)

    return JSONResponse(await run_in_threadpool(work))


async def conflict_record_again(request: Request) -> Response:
    """``POST /v1/conflicts`` with ``{"entries": [{"line", "error", "message"}]}``: a store
    terminal's entries central answered as conflicts, sent again by ``terminal resend`` after
    central was restored from an older backup; each is recorded as a conflict again, never
    applied (services/lost_conflicts.py). ``{"verdicts": [...]}``, one per entry."""
    from starlette.concurrency import run_in_threadpool

    from serialpos.api.auth import actor_of
    from serialpos.services.lost_conflicts import record_again

    token = await actor_of(request)
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
        raise BadRequest("the body is an object with 'entries' (a list)")
    refuse_unknown_keys(body, {"entries"})
    entries = body["entries"]
    verdicts = await run_in_threadpool(record_again, request.app.state.db, token, entries)
    return JSONResponse({"verdicts": verdicts})
