"""Alembic scripts of the emulator database (version table `scimguard_emulator_version`)."""
