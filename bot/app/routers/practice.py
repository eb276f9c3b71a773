"""`/practice` (the script coach page) and `/api/practice/...`: practice calls for signed-in trainees and staff.

The page is rendered on the server (the scenario library, the CSRF token for the script) under the web chat's
Content-Security-Policy, with one local script and one local style sheet. The API:

- `POST /api/practice/calls` — start a call: `{"scenario": ID}`, `{"random": true}` or `{"reason", "need",
  "temperament"?, "difficulty"?}`, with `"exam": true` for no feedback until the report;
- `POST /api/practice/calls/{id}/replies` — `{"text"}`: the judged reply and the customer's answer (the report
  too when the call ended with it); 409 when another reply to the call was stored first or the call is over;
- `POST /api/practice/calls/{id}/end` — end the call where it stands: the report;
- `GET /api/practice/calls` — the calls the user may see (a trainee's own; staff everyone's, `?user_id=`);
- `GET /api/practice/calls/{id}` — one call: scenario, customer, transcript, the report once it ended.

A trainee sees only their own calls (`bot.auth.roles.may_see_sessions_of`); someone else's answers 404, like a
call that does not exist. The practice engine (both models) is `app.state.practice`, set when the app loads
them; until then the API answers 503.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError

from bot.app.request_checks import JsonRoute
from bot.app.routers.webchat import SECURITY_HEADERS
from bot.auth.csrf import CSRF_FIELD
from bot.auth.dependencies import account_session, require_page_role, require_role, session_data
from bot.auth.roles import ROLE_LABELS
from bot.auth.sessions import SessionData
from bot.db.models import User
from bot.flow.promises import CHINA_TIME
from bot.practice.acts import ACT_LABELS
from bot.nlu.parser import NluParser
from bot.practice.call import CallEnded, PracticeEngine, Report, TurnResult
from bot.practice.profile import NoCustomer
from bot.practice.scenario import DIFFICULTIES, LABELS, NEEDS, TEMPERAMENTS, library, random_spec, spec_from_choice
from bot.practice.session import PracticeSessions
from bot.practice.storage import CallNotFound, StaleCall, calls_of
from bot.taxonomy import description, reason_intents

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
ROLES = ("trainee", "supervisor", "admin")
NO_STORE = {"Cache-Control": "no-store"}
MAX_REPLY = 500  # characters: a reply on the phone, not an essay

router = APIRouter(tags=["practice"], route_class=JsonRoute)
page_user = require_page_role(*ROLES)
api_user = require_role(*ROLES)


class StartRequest(BaseModel):
    scenario: str | None = None
    random: bool = False
    reason: str | None = None
    need: str | None = None
    temperament: str | None = None
    difficulty: str = "medium"
    seed: int | None = None
    exam: bool = False


class ReplyRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=MAX_REPLY)


def enable(app: FastAPI, parsers: Mapping[str, NluParser]) -> None:
    """Practice mode on the models the app loaded: the agent-act model and the customer model (read-back)."""
    if "agent" in parsers and "customer" in parsers:
        app.state.practice = PracticeSessions(PracticeEngine(parsers["agent"], parsers["customer"]))


def sessions(request: Request) -> PracticeSessions:
    practice = getattr(request.app.state, "practice", None)
    if practice is None:
        state = getattr(request.app.state, "retention", None)
        reasons = "; ".join(f"{role}: {error}" for role, error in (getattr(state, "load_errors", None) or {}).items())
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"practice unavailable: {reasons or 'the models are loading'}"
        )
    return practice


def _today() -> Any:
    return datetime.now(CHINA_TIME).date()


def _spec(body: StartRequest) -> Any:
    if body.scenario:
        try:
            return library().get(body.scenario)
        except KeyError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no scenario {body.scenario!r}") from None
    seed = body.seed if body.seed is not None else int(datetime.now().timestamp() * 1000) % 2**31
    if body.random or not body.reason:
        return random_spec(seed)
    try:
        return spec_from_choice(
            reason=body.reason, need=body.need or "", temperament=body.temperament, difficulty=body.difficulty,
            seed=seed,
        )
    except ValidationError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=json.loads(exc.json())) from None


def _labels(acts: list[str]) -> list[str]:
    return [ACT_LABELS.get(act, act) for act in acts]


def _report(report: Report) -> dict[str, Any]:
    return json.loads(report.json(exclude={"turns"}))


def _turn(result: TurnResult, report: Report | None, *, exam: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "turn": result.turn,
        "customer": result.answer.text,
        "ended": result.ended,
        "report": _report(report) if report is not None else None,
    }
    if not exam:
        answer |= {
            "acts": result.acts,
            "act_labels": _labels(result.acts),
            "expected_act": result.expected_act,
            "expected_label": ACT_LABELS.get(result.expected_act or "", None),
            "feedback": json.loads(result.feedback.json()),
            "recommended": result.recommended,
            "score": result.score,
        }
    return answer


@router.get("/practice", response_class=HTMLResponse, include_in_schema=False)
def practice_page(
    request: Request, user: User = Depends(page_user), session: SessionData | None = Depends(session_data)
) -> Response:
    assert session is not None  # nosec B101 - the role check admitted a signed-in session (for the type checker)
    reasons = [(reason, description(reason).split("（")[0]) for reason in reason_intents()]
    context = {
        "user": user,
        "role_label": ROLE_LABELS[user.role],
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.csrf,
        "scenarios": library().scenarios,
        "reasons": reasons,
        "needs": [(need, LABELS[need]) for need in NEEDS],
        "temperaments": [(t, LABELS[t]) for t in TEMPERAMENTS],
        "difficulties": [(d, LABELS[d]) for d in DIFFICULTIES],
    }
    return TEMPLATES.TemplateResponse(
        request, "practice.html", context, headers={**SECURITY_HEADERS, **NO_STORE}
    )


@router.post("/api/practice/calls", status_code=status.HTTP_201_CREATED)
async def start_call(
    body: StartRequest, user: User = Depends(api_user), practice: PracticeSessions = Depends(sessions)
) -> dict[str, Any]:
    spec = _spec(body)
    try:
        started = await practice.start(spec, user_id=user.id, today=_today(), exam=body.exam)
    except NoCustomer as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from None
    return {
        "id": started.id,
        "scenario": spec.label(),
        "customer": started.state.profile.summary(),
        "line": started.state.last_customer.text,
        "exam": body.exam,
    }


@router.post("/api/practice/calls/{call_id}/replies")
async def reply(
    call_id: int, body: ReplyRequest, user: User = Depends(api_user), practice: PracticeSessions = Depends(sessions)
) -> dict[str, Any]:
    try:
        replied = await practice.reply(call_id, body.text, user)
    except CallNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such practice call") from None
    except (StaleCall, CallEnded) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    return _turn(replied.result, replied.report, exam=replied.state.exam)


@router.post("/api/practice/calls/{call_id}/end")
async def end_call(
    call_id: int, user: User = Depends(api_user), practice: PracticeSessions = Depends(sessions)
) -> dict[str, Any]:
    try:
        return _report(await practice.end(call_id, user))
    except CallNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such practice call") from None


@router.get("/api/practice/calls")
def list_calls(user: User = Depends(api_user), user_id: int | None = Query(None)) -> list[dict[str, Any]]:
    with account_session() as db:
        calls = calls_of(db, user, user_id)
    return [
        {
            "id": call.id, "user_id": call.user_id, "scenario": call.scenario, "score": call.score,
            "outcome": call.outcome, "started_at": call.started_at.isoformat(),
            "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        }
        for call in calls
    ]


@router.get("/api/practice/calls/{call_id}")
async def get_call(
    call_id: int, user: User = Depends(api_user), practice: PracticeSessions = Depends(sessions)
) -> dict[str, Any]:
    try:
        state = await practice.state(call_id, user)
    except CallNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such practice call") from None
    return {
        "id": call_id,
        "scenario": state.spec.label(),
        "customer": state.profile.summary(),
        "transcript": [json.loads(line.json()) for line in state.transcript],
        "ended": state.ended,
        "exam": state.exam,
        "report": _report(practice.engine.report(state.copy(deep=True))) if state.ended else None,
    }
