"""The custom action of the customer bot (rasa-sdk): `action_retention_turn`, one step per customer message.

It asks bot.flow what to do (pure rules over data), saves the business steps and says corpus lines; the
dialogue contract is docs/DIALOGUE.md, the words are in scripts_corpus/. Actions reach the app data only
through `bot.db` (DATABASE_URL via `bot.config`), and a failure never ends the conversation: it is logged and
the customer gets a polite line.
"""
