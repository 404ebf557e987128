"""Alembic migrations for the serialpos schema (run through ``serialpos db upgrade``)."""
