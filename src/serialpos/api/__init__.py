"""``serialpos serve``: the HTTP/JSON API a host system (web shop, ERP, warehouse) uses.

Starlette under uvicorn, versioned under ``/v1``. The API layer parses requests, checks the
bearer token and renders answers; every rule and every transaction is a service's, so the
API refuses exactly what the console and ``serialpos apply`` refuse, with the same codes.
"""
