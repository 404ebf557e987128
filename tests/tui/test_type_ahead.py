"""The keys held while a login is checked (tui/type_ahead.py): kept in order and handed on,
dropped on a refusal, and never held past the limit (a login that is never answered must not
leave the keyboard dead)."""

from __future__ import annotations

import asyncio

from textual import events

from serialpos.tui.type_ahead import HOLD_LIMIT, TypeAhead


def _key(name: str) -> events.Key:
    return events.Key(name, name if len(name) == 1 else None)


def test_held_keys_go_on_in_order_and_a_stale_hold_ends() -> None:
    now = [100.0]
    sent: list[str] = []

    async def route(event: events.Key) -> None:
        sent.append(event.key)

    ahead = TypeAhead(route, clock=lambda: now[0])
    assert not ahead.take(_key("1"))  # not holding: the key goes its way
    ahead.hold()
    assert ahead.take(_key("3")) and ahead.take(_key("enter"))
    asyncio.run(ahead.replay())
    assert sent == ["3", "enter"] and not ahead.holding

    ahead.hold()
    assert ahead.take(_key("4"))
    now[0] += HOLD_LIMIT + 1  # the login never answered
    assert not ahead.take(_key("5"))  # the keyboard works again; the stale key is dropped
    assert not ahead.holding
    asyncio.run(ahead.replay())
    assert sent == ["3", "enter"]
