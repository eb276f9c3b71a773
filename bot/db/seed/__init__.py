"""`retention-bot db seed`: a deterministic synthetic customer base and the offer catalogue."""

from bot.db.seed.database import AlreadySeeded, SeedResult, clear_app_data, default_as_of, seed_database

__all__ = ["AlreadySeeded", "SeedResult", "clear_app_data", "default_as_of", "seed_database"]
