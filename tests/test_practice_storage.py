"""What a practice call stores for the supervisor desk, without the trained models: the scenario's leave reason
and need as columns, and the final report's points per rubric point as rows (one per point, however often the
call is ended). tests/test_practice_web.py checks the same on a whole call played with the models.

The engine's parsers are never called here: preparing a call and scoring it read the database and the
rubric only, so a stand-in with a model version is all the read-back cache needs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from bot.db.models import Conversation, PracticePointScore
from bot.db.seed import default_as_of, seed_database
from bot.db.session import session_scope
from bot.practice.call import PracticeEngine
from bot.practice.scenario import library
from bot.practice.storage import new_call, record_end
from tests.auth_testing import accounts_url, cheap_hashing  # noqa: F401 - fixtures

SCENARIO = "price_high-emotional-easy"


def test_an_ended_call_stores_its_scenario_columns_and_points_per_rubric_point(
    accounts_url: str, tmp_path: Path  # noqa: F811 - the fixture of tests/auth_testing.py
) -> None:
    today = date.today()
    seed_database(accounts_url, customers=120, seed=7, as_of=default_as_of(today))
    unused_parser = SimpleNamespace(model_version="unused")
    engine = PracticeEngine(unused_parser, unused_parser, cache_dir=tmp_path)  # type: ignore[arg-type]
    with session_scope(accounts_url) as db:
        state, _ = engine.prepare(db, library().get(SCENARIO), today)
        call_id = new_call(db, state, None)
    report = engine.report(state)
    for _ in range(2):  # the web's "end" on an ended call stores the same report again
        with session_scope(accounts_url) as db:
            record_end(db, call_id, state, report)
    with session_scope(accounts_url) as db:
        call = db.get(Conversation, call_id)
        assert (call.scenario_reason, call.scenario_need) == ("reason_price_high", "emotional")
        assert call.ended_at is not None and call.score == report.score.score
        stored = db.execute(
            select(PracticePointScore.point, PracticePointScore.points, PracticePointScore.max_points)
            .where(PracticePointScore.conversation_id == call_id)
            .order_by(PracticePointScore.id)
        ).all()
    assert [tuple(row) for row in stored] == [(p.id, p.points, p.max) for p in report.score.breakdown]
    assert {point for point, _, _ in stored} == {"rapport", "probing", "need", "offer", "keep_number", "follow_up"}
