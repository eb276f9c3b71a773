"""The FastAPI application: one process holds the Rasa models and serves every HTTP area."""
