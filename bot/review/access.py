"""Who may see which conversation: staff see everything, a trainee only their own practice calls.

The rule is applied in the query (`visible`), not after loading, so a trainee's inbox and counts never include
rows they may not open, and a conversation they may not see answers exactly like one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import and_, true
from sqlalchemy.sql.elements import ColumnElement

from bot.auth.roles import STAFF_ROLES
from bot.db.models import Conversation, User
from bot.phone_numbers import mask_phones

PRACTICE = "practice"


class ConversationNotFound(LookupError):
    """No such conversation, or one the viewer may not see: the same answer, so nothing leaks."""


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def visible(user: User) -> ColumnElement:
    """The WHERE clause of the conversations `user` may see."""
    if is_staff(user):
        return true()
    return and_(Conversation.mode == PRACTICE, Conversation.user_id == user.id)


def shown(user: User, text: str | None) -> str | None:
    """Text as `user` may read it: phone numbers masked (138****1234) for anyone but staff."""
    if text is None or is_staff(user):
        return text
    return mask_phones(text)
