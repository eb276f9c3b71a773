"""The figures page: each figure is a small table computed in the database, drawn as an SVG chart and offered
as CSV. Rates are fractions 0-1; a group without decided conversations has no rate rather than 0."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.config import get_settings
from bot.db.models import Conversation, Offer, OfferHistory, PracticePointScore, RetentionOutcome, Ticket, Turn, User
from bot.db.models.base import utcnow
from bot.practice.scorer import rubric
from bot.db.models.vocabulary import OPEN_TICKET_STATUSES

DAYS = 30  # how far back the time series go


@dataclass(frozen=True)
class Figure:
    name: str  # the URL's and the CSV file's name
    title: str
    columns: tuple[str, ...]
    rows: list[tuple]
    chart: str  # "bar": the first column against the last; "line": the first against every number column


@lru_cache(maxsize=4)
def _fallback_threshold(config: Path) -> float:
    for component in yaml.safe_load(config.read_text(encoding="utf-8")).get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.3


def fallback_threshold() -> float:
    """The FallbackClassifier threshold of config.yml: below it Rasa reads a message as nlu_fallback."""
    return _fallback_threshold(get_settings().config_file)


def _rate(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


def _retention_by(session: Session, column, name: str, title: str) -> Figure:  # type: ignore[no-untyped-def]
    decided = RetentionOutcome.result != "pending"
    rows = session.execute(
        select(column, func.count(), func.sum(case((RetentionOutcome.result == "retained", 1), else_=0)))
        .where(decided, column.is_not(None))
        .group_by(column)
        .order_by(column)
    ).all()
    return Figure(name, title, (name.rsplit("_", 1)[-1], "decided", "retained", "rate"),
                  [(key, total, kept, _rate(kept, total)) for key, total, kept in rows], "bar")


def _offer_acceptance(session: Session) -> Figure:
    rows = session.execute(
        select(Offer.type, func.count(), func.sum(case((OfferHistory.outcome == "accepted", 1), else_=0)))
        .join(Offer, Offer.id == OfferHistory.offer_id)
        .group_by(Offer.type)
        .order_by(Offer.type)
    ).all()
    return Figure("offer_acceptance", "方案接受率（按方案类型）", ("type", "proposed", "accepted", "rate"),
                  [(kind, total, taken, _rate(taken, total)) for kind, total, taken in rows], "bar")


def _handoffs(session: Session) -> Figure:
    rows = session.execute(
        select(RetentionOutcome.result, func.count()).group_by(RetentionOutcome.result).order_by(RetentionOutcome.result)
    ).all()
    total = sum(count for _, count in rows)
    return Figure("outcomes", "结果分布与转人工率", ("result", "conversations", "share"),
                  [(result, count, _rate(count, total)) for result, count in rows], "bar")


def _overdue(session: Session, now: datetime) -> Figure:
    rows = session.execute(
        select(Ticket.kind, func.count(), func.sum(case((Ticket.due_at < now, 1), else_=0)))
        .where(Ticket.status.in_(OPEN_TICKET_STATUSES))
        .group_by(Ticket.kind)
        .order_by(Ticket.kind)
    ).all()
    return Figure("tickets_overdue", "未结工单与逾期（按类型）", ("kind", "open", "overdue"),
                  [tuple(row) for row in rows], "bar")


def _day(column):  # type: ignore[no-untyped-def]
    """The UTC calendar day of a timestamp: `date()` is a function on SQLite and a cast on PostgreSQL."""
    return func.date(column)


def _nlu_by_day(session: Session, since: datetime) -> Figure:
    low, fallback = get_settings().desk_low_confidence, fallback_threshold()
    day = _day(Turn.created_at)
    rows = session.execute(
        select(
            day,
            func.count(),
            func.sum(case((Turn.intent_confidence < low, 1), else_=0)),
            func.sum(case((Turn.intent_confidence < fallback, 1), else_=0)),
        )
        .where(Turn.role == "customer", Turn.intent_confidence.is_not(None), Turn.created_at >= since)
        .group_by(day)
        .order_by(day)
    ).all()
    return Figure(
        "nlu_confidence", f"低置信度（<{low}）与兜底（<{fallback}）比例（按天）", ("day", "turns", "low_rate", "fallback_rate"),
        [(str(d), n, _rate(lo, n), _rate(fb, n)) for d, n, lo, fb in rows], "line",
    )


def _trainee_scores(session: Session, since: datetime) -> Figure:
    day = _day(Conversation.started_at)
    rows = session.execute(
        select(day, User.display_name, func.avg(Conversation.score), func.count())
        .join(User, User.id == Conversation.user_id)
        .where(Conversation.mode == "practice", Conversation.score.is_not(None), Conversation.started_at >= since)
        .group_by(day, User.display_name)
        .order_by(day, User.display_name)
    ).all()
    return Figure("trainee_scores", "学员练习得分（按天）", ("day", "trainee", "average_score", "calls"),
                  [(str(d), name, round(float(avg), 1), n) for d, name, avg, n in rows], "line")


def _rubric_point_trends(session: Session, since: datetime) -> Figure:
    """Per day of ending, each rubric point's points earned as a percentage of its maximum, over every trainee's
    ended calls: the overall score hides which part of the method (探询, 需求处理, …) the trainees are weak at.
    Columns follow rubric.yml; a point no longer in it (renamed) still shows, after them."""
    day = _day(Conversation.ended_at)
    rows = session.execute(
        select(day, PracticePointScore.point, func.sum(PracticePointScore.points),
               func.sum(PracticePointScore.max_points), func.count())
        .join(Conversation, Conversation.id == PracticePointScore.conversation_id)
        .where(Conversation.mode == "practice", Conversation.ended_at >= since)
        .group_by(day, PracticePointScore.point)
        .order_by(day)
    ).all()
    order = [point.id for point in rubric().points]
    points = order + sorted({row[1] for row in rows} - set(order))
    by_day: dict[str, dict[str, float | None]] = {}
    calls: dict[str, int] = {}
    for d, point, earned, worth, n in rows:
        by_day.setdefault(str(d), {})[point] = round(100 * float(earned) / worth, 1) if worth else None
        calls[str(d)] = max(calls.get(str(d), 0), n)
    return Figure(
        "rubric_point_trends", "学员各评分项得分率（%，按天）", ("day", "calls", *(f"{point}_score" for point in points)),
        [(d, calls[d], *(shares.get(point) for point in points)) for d, shares in by_day.items()], "line",
    )


def all_figures(session: Session, now: datetime | None = None) -> list[Figure]:
    now = now or utcnow()
    since = now - timedelta(days=DAYS)
    return [
        _retention_by(session, RetentionOutcome.reason, "retention_by_reason", "挽留率（按离网原因）"),
        _retention_by(session, RetentionOutcome.need, "retention_by_need", "挽留率（按需求类型）"),
        _offer_acceptance(session),
        _handoffs(session),
        _overdue(session, now),
        _nlu_by_day(session, since),
        _trainee_scores(session, since),
        _rubric_point_trends(session, since),
    ]
