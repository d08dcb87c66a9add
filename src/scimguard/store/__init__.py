"""Database access shared by the emulator and the engine: engines, URLs, migrations."""
