"""`/api/desk/...`: the supervisor desk as JSON, for scripts and tests; the pages (desk.py) call the same
bot.review functions. Every route names its roles; trainees reach only the inbox and transcripts, where the
query itself keeps them to their own practice calls."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from bot.app.request_checks import JsonRoute
from bot.auth.dependencies import require_role
from bot.config import get_settings
from bot.db.models import User
from bot.review import charts, takeover, tickets
from bot.review.corrections import relabel, visible_turn
from bot.review.export import ExportReport, export_training, story_yaml
from bot.review.figures import all_figures
from bot.review.inbox import InboxFilter, InboxPage, inbox_filter, inbox_page
from bot.review.service import DESK_ROLES, EVERY_ROLE, answered, desk_db, live_suggestion
from bot.review.transcript import Transcript, transcript, visible_conversation

router = APIRouter(prefix="/api/desk", tags=["desk"], route_class=JsonRoute)
any_user = require_role(*EVERY_ROLE)
staff = require_role(*DESK_ROLES)


class CorrectionIn(BaseModel):
    field: str = Field(..., description="intent or need (customer turns), act (trainee turns)")
    value: str


class TakeOverIn(BaseModel):
    live: bool = Field(..., description="true: a person answers this web chat from now on; false: the bot again")


class ReplyIn(BaseModel):
    text: str = Field(..., description="what the customer's chat page shows")


class ExportOut(BaseModel):
    written: dict[str, int]
    duplicates: list[str]
    conflicts: list[str]
    skipped: list[str]

    @classmethod
    def of(cls, report: ExportReport) -> ExportOut:
        return cls(**report.__dict__)


@router.get("/conversations", response_model=InboxPage)
def conversations(
    query: InboxFilter = Depends(inbox_filter), user: User = Depends(any_user), db: Session = desk_db
) -> InboxPage:
    with answered():
        return inbox_page(db, user, query, low_confidence_below=get_settings().desk_low_confidence)


@router.get("/conversations/{conversation_id}", response_model=Transcript)
def conversation(conversation_id: int, user: User = Depends(any_user), db: Session = desk_db) -> Transcript:
    with answered():
        return transcript(db, user, conversation_id)


@router.get("/conversations/{conversation_id}/story", response_class=PlainTextResponse)
def story(conversation_id: int, user: User = Depends(staff), db: Session = desk_db) -> Response:
    with answered():
        text = story_yaml(db, visible_conversation(db, user, conversation_id))
    return PlainTextResponse(text, media_type="application/yaml; charset=utf-8")


@router.post("/conversations/{conversation_id}/takeover")
def take_over(
    conversation_id: int, body: TakeOverIn, user: User = Depends(staff), db: Session = desk_db
) -> dict[str, bool]:
    with answered():
        (takeover.take_over if body.live else takeover.hand_back)(db, user, conversation_id)
    return {"live": body.live}


@router.post("/conversations/{conversation_id}/replies", status_code=201)
def agent_reply(
    conversation_id: int, body: ReplyIn, user: User = Depends(staff), db: Session = desk_db
) -> dict[str, int]:
    with answered():
        return {"seq": takeover.reply(db, user, conversation_id, body.text).seq}


@router.get("/conversations/{conversation_id}/suggestion")
def suggestion(conversation_id: int, request: Request, user: User = Depends(staff),
               db: Session = desk_db) -> dict[str, str | None]:
    with answered():
        return {"line": live_suggestion(request, db, user, conversation_id)}


@router.post("/turns/{turn_id}/corrections", status_code=201)
def correct_turn(
    turn_id: int, body: CorrectionIn, user: User = Depends(staff), db: Session = desk_db
) -> dict[str, str | None]:
    with answered():
        correction = relabel(db, visible_turn(db, user, turn_id), body.field, body.value, user)
    return {"field": correction.field, "old_value": correction.old_value, "new_value": correction.new_value}


@router.post("/export-training", response_model=ExportOut)
def export(user: User = Depends(staff), db: Session = desk_db) -> ExportOut:
    return ExportOut.of(export_training(db, get_settings().nlu_data_dir))


@router.get("/tickets", response_model=list[tickets.QueueItem])
def ticket_queue(user: User = Depends(staff), db: Session = desk_db) -> list[tickets.QueueItem]:
    return tickets.open_tickets(db)


@router.get("/figures/{name}.csv", response_class=PlainTextResponse)
def figure_csv(name: str, user: User = Depends(staff), db: Session = desk_db) -> Response:
    for figure in all_figures(db):
        if figure.name == name:
            return PlainTextResponse(
                charts.to_csv(figure), media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
    raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no figure {name!r}")
