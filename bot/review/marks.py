"""Tags, comments and the reviewed mark on a conversation; each row keeps who and when (bot.db.models.review)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.models import ReviewComment, ReviewMark, ReviewTag, User
from bot.db.models.review import TAG_MAX_CHARS

MAX_COMMENT_CHARS = 2000


def _tag(text: str) -> str:
    tag = text.strip()
    if not tag or len(tag) > TAG_MAX_CHARS:
        raise ValueError(f"a tag has 1-{TAG_MAX_CHARS} characters")
    return tag


def add_tag(session: Session, conversation_id: int, tag: str, user: User) -> None:
    """Tag once: the same tag again keeps the first tagger and time."""
    tag = _tag(tag)
    existing = session.execute(
        select(ReviewTag).where(ReviewTag.conversation_id == conversation_id, ReviewTag.tag == tag)
    ).scalar_one_or_none()
    if existing is None:
        session.add(ReviewTag(conversation_id=conversation_id, tag=tag, user_id=user.id))
        session.flush()


def remove_tag(session: Session, conversation_id: int, tag: str) -> None:
    session.execute(delete(ReviewTag).where(ReviewTag.conversation_id == conversation_id, ReviewTag.tag == tag.strip()))


def comment_body(text: str) -> str:
    body = text.strip()
    if not body or len(body) > MAX_COMMENT_CHARS:
        raise ValueError(f"a comment has 1-{MAX_COMMENT_CHARS} characters")
    return body


def add_comment(session: Session, user: User, body: str, *, conversation_id: int | None = None,
                ticket_id: int | None = None) -> ReviewComment:
    comment = ReviewComment(
        conversation_id=conversation_id, ticket_id=ticket_id, user_id=user.id, body=comment_body(body)
    )
    session.add(comment)
    session.flush()
    return comment


def set_reviewed(session: Session, conversation_id: int, user: User, reviewed: bool) -> None:
    """Mark (the first reviewer and time stay) or unmark a conversation as reviewed."""
    mark = session.execute(
        select(ReviewMark).where(ReviewMark.conversation_id == conversation_id)
    ).scalar_one_or_none()
    if reviewed and mark is None:
        session.add(ReviewMark(conversation_id=conversation_id, user_id=user.id))
    elif not reviewed and mark is not None:
        session.delete(mark)
    session.flush()
