"""The custom actions of the customer bot (rasa-sdk), one small module per step of the retention flow.

The dialogue contract (which action sets which slot and says which response) is docs/DIALOGUE.md; the words
are in scripts_corpus/. Actions reach the app data only through `bot.db` (DATABASE_URL via `bot.config`), and
a database failure never ends the conversation: it is logged and the customer gets a polite line (`_db.py`).
"""
