"""The console's Alembic chain (version table `scimguard_console_version`, engine database)."""
