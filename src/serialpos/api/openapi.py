"""The OpenAPI 3.1 document of ``/v1``, written out (the routes are plain Starlette).

Kept beside the routes and checked against the running server by schemathesis
(tests/api/test_api_schema.py): every answer must match what is written here. The answer shapes
live in openapi_shapes.py, the paths in openapi_ledger.py (the ledger) and openapi_sync.py
(store terminals)."""

from __future__ import annotations

from functools import cache
from typing import Any

import serialpos
from serialpos.api.openapi_ledger import ledger_paths
from serialpos.api.openapi_shapes import PROBLEM
from serialpos.api.openapi_sync import sync_paths


@cache
def document() -> dict[str, Any]:
    """The whole document (built once: it never changes while the server runs)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "serialpos",
            "version": serialpos.__version__,
            "description": "The serial ledger of a store or a chain. See docs/integration.md.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": PROBLEM},
        },
        "security": [{"bearer": []}],
        "paths": {**ledger_paths(), **sync_paths()},
    }
