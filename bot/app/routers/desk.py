"""`/desk...`: the supervisor desk's pages, rendered on the server (Jinja2, autoescaped, no script) under the
web chat's Content-Security-Policy. Forms post back here with the session's CSRF token and are answered with a
303 to the page they came from; the work is bot.review's, shared with the JSON routes of desk_api.py."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app.routers.auth import NO_STORE
from bot.app.routers.webchat import SECURITY_HEADERS
from bot.auth.csrf import CSRF_FIELD
from bot.auth.dependencies import require_page_role, session_data
from bot.auth.roles import ROLE_LABELS
from bot.auth.sessions import SessionData
from bot.config import get_settings
from bot.db.models import User
from bot.db.models.vocabulary import CHANNELS, CHURN_BANDS
from bot.flow.promises import CHINA_TIME
from bot.review import charts, marks, takeover, tickets
from bot.review.access import is_staff
from bot.review.corrections import relabel, visible_turn
from bot.review.export import export_training
from bot.review.figures import all_figures
from bot.review.inbox import OUTCOME_FILTERS, InboxFilter, inbox_filter, inbox_page
from bot.review.service import DESK_ROLES, EVERY_ROLE, answered, desk_db, live_suggestion
from bot.review.transcript import transcript, visible_conversation
from bot.taxonomy import agent_acts, customer_intents, needs, reason_intents

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
TEMPLATES.env.filters["china_time"] = (
    lambda moment: moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if moment else ""
)

router = APIRouter(tags=["desk pages"], include_in_schema=False)
any_user = require_page_role(*EVERY_ROLE)
staff = require_page_role(*DESK_ROLES)


def _page(request: Request, name: str, user: User, session: SessionData | None, **context: object) -> Response:
    context.update(user=user, role_label=ROLE_LABELS[user.role], staff=is_staff(user), csrf_field=CSRF_FIELD,
                   csrf_token=session.csrf if session else "")
    return TEMPLATES.TemplateResponse(request, name, context, headers={**SECURITY_HEADERS, **NO_STORE})


def _back(path: str, **query: str) -> RedirectResponse:
    return RedirectResponse(path + (f"?{urlencode(query)}" if query else ""), status_code=status.HTTP_303_SEE_OTHER)


@router.get("/desk", response_class=HTMLResponse)
def inbox(
    request: Request,
    query: InboxFilter = Depends(inbox_filter),
    user: User = Depends(any_user),
    session: SessionData | None = Depends(session_data),
    db: Session = desk_db,
) -> Response:
    with answered():
        page = inbox_page(db, user, query, low_confidence_below=get_settings().desk_low_confidence)
    trainees = (
        db.execute(select(User).where(User.role == "trainee").order_by(User.display_name)).scalars().all()
        if is_staff(user) else []
    )
    params = {key: value for key, value in request.query_params.items() if value and key != "cursor"}
    next_url = f"/desk?{urlencode({**params, 'cursor': page.next_cursor})}" if page.next_cursor else None
    return _page(
        request, "desk.html", user, session, page=page, query=query, next_url=next_url, channels=CHANNELS,
        reasons=reason_intents(), needs=needs(), outcomes=OUTCOME_FILTERS, bands=CHURN_BANDS, trainees=trainees,
    )


@router.get("/desk/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request,
    conversation_id: int,
    user: User = Depends(any_user),
    session: SessionData | None = Depends(session_data),
    db: Session = desk_db,
) -> Response:
    with answered():
        view = transcript(db, user, conversation_id)
        suggestion = live_suggestion(request, db, user, conversation_id) if is_staff(user) else None
        live_mine = is_staff(user) and visible_conversation(db, user, conversation_id).taken_over_by == user.id
    return _page(request, "desk_transcript.html", user, session, view=view, intents=customer_intents(),
                 needs=needs(), acts=agent_acts(), message=request.query_params.get("message"),
                 live_channel=takeover.LIVE_CHANNEL, live_mine=live_mine, suggestion=suggestion,
                 max_reply=takeover.MAX_REPLY_CHARS)


@router.post("/desk/conversations/{conversation_id}/takeover")
def take_over(conversation_id: int, live: str = Form("1"), user: User = Depends(staff),
              db: Session = desk_db) -> Response:
    with answered():
        (takeover.take_over if live == "1" else takeover.hand_back)(db, user, conversation_id)
    return _back(f"/desk/conversations/{conversation_id}")


@router.post("/desk/conversations/{conversation_id}/replies")
def agent_reply(conversation_id: int, text: str = Form(...), user: User = Depends(staff),
                db: Session = desk_db) -> Response:
    with answered():
        takeover.reply(db, user, conversation_id, text)
    return _back(f"/desk/conversations/{conversation_id}")


@router.post("/desk/conversations/{conversation_id}/tags")
def tag(conversation_id: int, tag: str = Form(...), remove: str = Form(""), user: User = Depends(staff),
        db: Session = desk_db) -> Response:
    with answered():
        visible_conversation(db, user, conversation_id)
        if remove:
            marks.remove_tag(db, conversation_id, tag)
        else:
            marks.add_tag(db, conversation_id, tag, user)
    return _back(f"/desk/conversations/{conversation_id}")


@router.post("/desk/conversations/{conversation_id}/comments")
def comment(conversation_id: int, body: str = Form(...), user: User = Depends(staff),
            db: Session = desk_db) -> Response:
    with answered():
        marks.add_comment(db, user, body, conversation_id=visible_conversation(db, user, conversation_id).id)
    return _back(f"/desk/conversations/{conversation_id}")


@router.post("/desk/conversations/{conversation_id}/reviewed")
def reviewed(conversation_id: int, reviewed: str = Form("1"), user: User = Depends(staff),
             db: Session = desk_db) -> Response:
    with answered():
        marks.set_reviewed(db, visible_conversation(db, user, conversation_id).id, user, reviewed == "1")
    return _back(f"/desk/conversations/{conversation_id}")


@router.post("/desk/turns/{turn_id}/relabel")
def relabel_turn(turn_id: int, field: str = Form(...), value: str = Form(...), user: User = Depends(staff),
                 db: Session = desk_db) -> Response:
    with answered():
        turn = visible_turn(db, user, turn_id)
        relabel(db, turn, field, value, user)
    return _back(f"/desk/conversations/{turn.conversation_id}")


@router.post("/desk/export")
def export(conversation_id: int = Form(0), user: User = Depends(staff), db: Session = desk_db) -> Response:
    report = export_training(db, get_settings().nlu_data_dir)
    message = (
        f"已导出：客户 {report.written.get('customer', 0)} 条，坐席 {report.written.get('agent', 0)} 条；"
        f"重复 {len(report.duplicates)}，冲突 {len(report.conflicts)}" + "".join(f"；{c}" for c in report.conflicts)
    )
    return _back(f"/desk/conversations/{conversation_id}" if conversation_id else "/desk", message=message)


@router.get("/desk/tickets", response_class=HTMLResponse)
def ticket_page(request: Request, user: User = Depends(staff), session: SessionData | None = Depends(session_data),
                db: Session = desk_db) -> Response:
    assignees = db.execute(
        select(User).where(User.role.in_(DESK_ROLES), User.active).order_by(User.display_name)
    ).scalars().all()
    return _page(request, "desk_tickets.html", user, session, items=tickets.open_tickets(db), assignees=assignees,
                 closing=tickets.CLOSING_STATUSES)


@router.post("/desk/tickets/{ticket_id}/assign")
def assign(ticket_id: int, assignee: int = Form(...), user: User = Depends(staff),
           db: Session = desk_db) -> Response:
    with answered():
        tickets.assign(db, ticket_id, assignee)
    return _back("/desk/tickets")


@router.post("/desk/tickets/{ticket_id}/comments")
def ticket_comment(ticket_id: int, body: str = Form(...), user: User = Depends(staff),
                   db: Session = desk_db) -> Response:
    with answered():
        tickets.comment(db, ticket_id, user, body)
    return _back("/desk/tickets")


@router.post("/desk/tickets/{ticket_id}/resolve")
def resolve(ticket_id: int, resolution: str = Form(...), status_: str = Form("resolved", alias="status"),
            user: User = Depends(staff), db: Session = desk_db) -> Response:
    with answered():
        tickets.resolve(db, ticket_id, resolution, status_)
    return _back("/desk/tickets")


@router.get("/desk/figures", response_class=HTMLResponse)
def figures_page(request: Request, user: User = Depends(staff), session: SessionData | None = Depends(session_data),
                 db: Session = desk_db) -> Response:
    drawn = [(figure, Markup(charts.to_svg(figure))) for figure in all_figures(db)]  # nosec B704 - escaped in charts
    return _page(request, "desk_figures.html", user, session, figures=drawn)
