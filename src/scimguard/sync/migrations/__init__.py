"""Alembic scripts of the engine database (version table `scimguard_engine_version`)."""
