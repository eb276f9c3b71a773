"""The roles of bot.db.models.vocabulary.USER_ROLES: their Chinese names and what each may see.

Routes admit roles by name (`require_role("supervisor", "admin")`); there is no hierarchy to reason about.
"""

from __future__ import annotations

from bot.db.models import User

# One per role of USER_ROLES (a test keeps them equal).
ROLE_LABELS: dict[str, str] = {"admin": "管理员", "supervisor": "督导", "trainee": "学员"}

# Roles that look at other people's work: the supervisor desk and the review pages.
STAFF_ROLES: tuple[str, ...] = ("supervisor", "admin")


def may_see_sessions_of(viewer: User, owner_id: int) -> bool:
    """A trainee sees only their own practice sessions; supervisors and admins see everyone's."""
    return viewer.role in STAFF_ROLES or viewer.id == owner_id
