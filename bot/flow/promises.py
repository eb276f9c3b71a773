"""Promises with a deadline (承诺的事情一定要做到): the time told to the customer is the time stored.

A due time is the ticket kind's default (bot.db.queries.DEFAULT_DUE_IN) from now, rounded up to the next full
hour, and moved into service hours (08:00–22:00 China time): nobody calls a customer back at 02:00, so a
promise of 「02:00前」 is one that cannot be kept. It is never earlier than the kind's default.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from bot.db.models.base import utcnow
from bot.db.queries import DEFAULT_DUE_IN

# China keeps UTC+8 all year (no daylight saving): the one place the project names its customers' time zone.
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
SERVICE_OPENS = time(8, 0)
SERVICE_CLOSES = time(22, 0)


def promised_due(now: datetime, due_in: timedelta) -> datetime:
    """`now + due_in`, rounded up to the next full hour, then moved to the next opening if outside hours."""
    due = (now + due_in).astimezone(CHINA_TIME)
    if (due.minute, due.second, due.microsecond) != (0, 0, 0):
        due = due.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if due.time() > SERVICE_CLOSES:
        due = datetime.combine(due.date() + timedelta(days=1), SERVICE_OPENS, CHINA_TIME)
    elif due.time() < SERVICE_OPENS:
        due = datetime.combine(due.date(), SERVICE_OPENS, CHINA_TIME)
    return due.astimezone(timezone.utc)


def follow_up_due(kind: str, now: datetime | None = None) -> datetime:
    """When a promise of this ticket kind falls due if made now."""
    return promised_due(now or utcnow(), DEFAULT_DUE_IN[kind])


def due_phrase(due: datetime) -> str:
    """The deadline as the customer hears it, e.g. 「12月3日 18:00前」."""
    local = due.astimezone(CHINA_TIME)
    return f"{local.month}月{local.day}日 {local:%H:%M}前"
