"""The ``/v1`` paths a store terminal syncs with central through.

Snapshots, customers, conflicts, leases, transfers and ASNs: what a till keeps a copy of so it
can go on selling and receiving offline (see OFFLINE.md)."""

from __future__ import annotations

from typing import Any

from serialpos.api.openapi_shapes import (
    INT,
    LEASE_TAKEN,
    LEASES,
    RELEASED,
    SHORT_TEXT,
    TEXT,
    answer,
    obj,
    operation,
    path_param,
    query,
)


def sync_paths() -> dict[str, Any]:
    """The store terminal paths, in the order the document lists them."""
    return {
        "/v1/snapshot": {
            "get": operation(
                "What a new store terminal starts from; binds the token to the terminal (not "
                "an admin's token: admin_token). "
                "part=reference: the settings and catalogue again; part=orders: the rows "
                "of the store's orders named by 'number' (1 to 100), a till's copy of a "
                "sale made elsewhere",
                answer({"type": "object"}),
                [
                    query("store", SHORT_TEXT, required=True),
                    query("terminal", SHORT_TEXT, required=True),
                    query("part", {"type": "string", "enum": ["reference", "orders"]}),
                    query("number", {"type": "array", "items": SHORT_TEXT, "maxItems": 100}),
                ],
            )
        },
        "/v1/customers": {
            "get": operation(
                "Customer records changed since central's time 'until' of an earlier call",
                answer(
                    obj(
                        ["customers", "until"],
                        customers={"type": "array", "items": {"type": "object"}},
                        until={"type": "string"},
                    )
                ),
                [query("changed_since", SHORT_TEXT)],
            )
        },
        "/v1/conflicts": {
            "get": operation(
                "Terminal entries central could not apply (managers)",
                answer(
                    obj(["conflicts"], conflicts={"type": "array", "items": {"type": "object"}})
                ),
                [
                    query("status", {"type": "string", "enum": ["open", "resolved"]}),
                    query("store", SHORT_TEXT),
                    query(
                        "entry",
                        {
                            "type": "array",
                            "items": {"type": "string", "minLength": 1, "maxLength": 128},
                            "maxItems": 100,
                        },
                    ),
                ],
            )
        },
        "/v1/leases": {
            "post": operation(
                "Lease units to the token's store terminal: serials, or N units of a SKU",
                answer(LEASE_TAKEN),
                body={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "serials": {"type": "array", "items": TEXT},
                                    "sku": TEXT,
                                    "count": {"type": "integer", "minimum": 1},
                                    "minutes": {"type": "integer", "minimum": 1},
                                    "terminal": TEXT,
                                },
                            }
                        }
                    },
                },
            ),
            "get": operation(
                "Leases in force: a terminal's own, or (managers) any terminal's",
                answer(LEASES),
                [query("terminal", SHORT_TEXT)],
            ),
            "delete": operation(
                "End every lease of a terminal",
                answer(RELEASED),
                [query("terminal", SHORT_TEXT)],
            ),
        },
        "/v1/leases/{serial}": {
            "delete": operation(
                "End one unit's lease",
                answer(RELEASED),
                [path_param("serial"), query("sku", SHORT_TEXT), query("terminal", SHORT_TEXT)],
            )
        },
        "/v1/transfers/incoming": {
            "get": operation(
                "Transfers shipped to a store with units still in transit (its terminals "
                "keep them to receive them offline)",
                answer(
                    obj(
                        ["transfers"],
                        transfers={"type": "array", "items": {"type": "object"}},
                        units_in_transit={"type": "array", "items": {"type": "object"}},
                    )
                ),
                [query("store", SHORT_TEXT, required=True)],
            )
        },
        "/v1/asns/open": {
            "get": operation(
                "The open ASNs of a store with their lines and the scans saved so far (its "
                "terminals keep them to receive them offline)",
                answer(obj(["asns"], asns={"type": "array", "items": {"type": "object"}})),
                [query("store", SHORT_TEXT, required=True)],
            )
        },
        "/v1/transfers/sent": {
            "get": operation(
                "Central's copy of transfers shipped from a store, by number (at most 100), "
                "and the last one holding each serial (at most 100): the sending store's "
                "terminals follow their receipt and their units' state; with 'after' (a "
                "feed number), 'away': central's state of the units shipped from the store "
                "that moved at another store since ('units', 'next', 'more'), and of the "
                "units named by 'follow' (at most 100) that moved there",
                answer(
                    obj(
                        ["transfers"],
                        transfers={"type": "array", "items": {"type": "object"}},
                        away=obj(
                            ["units", "next", "more"],
                            units={"type": "array", "items": {"type": "object"}},
                            next=INT,
                            more={"type": "boolean"},
                        ),
                    )
                ),
                [
                    query("store", SHORT_TEXT, required=True),
                    query("number", {"type": "array", "items": SHORT_TEXT}),
                    query("serial", {"type": "array", "items": SHORT_TEXT}),
                    query("after", {"type": "integer", "minimum": 0}),
                    query("follow", {"type": "array", "items": SHORT_TEXT}),
                ],
            )
        },
        "/v1/units": {
            "get": operation(
                "Central's state of every unit carrying one of the serials (at most 100), "
                "wherever it is: serial, sku, store, state and the unit's last event (a "
                "serial central holds no unit of is absent). A store terminal's token asks "
                "for its own store; `terminal resend` sets the units an event central lost "
                "in a restore had set on the till",
                answer(obj(["units"], units={"type": "array", "items": {"type": "object"}})),
                [
                    query("store", SHORT_TEXT, required=True),
                    query("serial", {"type": "array", "items": SHORT_TEXT}),
                ],
            )
        },
    }
