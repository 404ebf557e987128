"""Persistence: engine, SQLModel tables, unit of work, Alembic migrations."""
