"""Use cases: each function is one user action, one transaction, its events."""
