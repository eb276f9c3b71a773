"""Alembic migrations of the app database (run them with bot.db.migrate, not the alembic command)."""
