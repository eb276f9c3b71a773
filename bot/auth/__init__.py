"""Accounts of practice mode and the supervisor desk (docs/ACCOUNTS.md), one module per job.

- `passwords`: argon2id hashes; nothing else sees a password.
- `accounts`: creating and changing users, signing in with the lock-out (the rules, on a SQLAlchemy session).
- `roles`: what each role may see.
- `sessions`: the signed session cookie and its secret.
- `csrf`: the token every state-changing request of a browser must send back.
- `redirects`: which `next` targets a login may send the browser to.
- `dependencies`: `current_user`, `require_role(...)`, `require_page_role(...)` for FastAPI routes.
"""
