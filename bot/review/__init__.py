"""The supervisor desk (issue #13), one module per job; the routers in bot/app/routers/desk*.py only translate.

- `access`: who may see which conversation, and phone numbers masked for trainees.
- `inbox`: the filtered, keyset-paginated conversation list.
- `transcript`: one conversation with everything the bot read, said, proposed and promised.
- `marks`: tags, comments and the reviewed mark.
- `tickets`: the queue of promises and what supervisors do with them.
- `corrections`: relabelled turns; `export`: corrections as Rasa training data, conversations as test stories.
- `figures` and `charts`: the figures page's tables, SVG charts and CSV files.
"""
