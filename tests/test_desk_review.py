"""The desk's behaviour: inbox filters and pages, the transcript, review notes, the ticket queue, corrections
exported as valid Rasa data without duplicates, the test story and the figures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from bot.nlu.dataset import read_examples
from tests.desk_testing import DeskData, accounts_url, cheap_hashing, client, csrf, desk, nlu_copy  # noqa: F401
from tests.desk_testing import NOW, signed_in


def _ids(client: TestClient, **query: object) -> list[int]:
    answer = client.get("/api/desk/conversations", params=query)
    assert answer.status_code == 200, answer.text
    return [row["id"] for row in answer.json()["rows"]]


def test_inbox_filters(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "sup")
    d = desk
    assert _ids(client) == [d.other_practice, d.own_practice, d.wechat_conversation, d.customer_conversation]
    assert _ids(client, channel="wechat") == [d.wechat_conversation]
    assert _ids(client, channel="practice", score_min=50) == [d.own_practice]
    assert _ids(client, score_max=50) == [d.other_practice]
    # a customer conversation's reason and need are its outcome's, a practice call's its scenario's
    assert _ids(client, reason="reason_price_high") == [d.own_practice, d.customer_conversation]
    assert _ids(client, need="emotional") == [d.other_practice, d.wechat_conversation]
    assert _ids(client, channel="practice", reason="reason_network_quality") == [d.other_practice]
    assert _ids(client, channel="practice", need="rational") == [d.own_practice]
    rows = {row["id"]: row for row in client.get("/api/desk/conversations").json()["rows"]}
    assert (rows[d.own_practice]["reason"], rows[d.own_practice]["need"]) == ("reason_price_high", "rational")
    assert (rows[d.wechat_conversation]["reason"], rows[d.wechat_conversation]["need"]) == (
        "reason_network_quality", "emotional")
    assert _ids(client, outcome="retained") == [d.customer_conversation]
    assert _ids(client, outcome="open") == [d.other_practice, d.wechat_conversation]
    assert _ids(client, band="高") == [d.wechat_conversation, d.customer_conversation]
    assert _ids(client, band="低") == []
    assert _ids(client, trainee=d.trainee) == [d.own_practice]
    assert _ids(client, low_confidence="true") == [d.customer_conversation]
    assert d.customer_conversation not in _ids(client, low_confidence="false")
    assert client.get("/api/desk/conversations", params={"outcome": "maybe"}).status_code == 400
    assert client.get("/api/desk/conversations", params={"cursor": "nonsense"}).status_code == 400

    headers = csrf(client)
    client.post(f"/desk/conversations/{d.wechat_conversation}/tags", data={"tag": "投诉"}, headers=headers)
    client.post(f"/desk/conversations/{d.wechat_conversation}/reviewed", data={"reviewed": "1"}, headers=headers)
    assert _ids(client, tag="投诉") == [d.wechat_conversation]
    assert _ids(client, reviewed="true") == [d.wechat_conversation]
    assert d.wechat_conversation not in _ids(client, reviewed="false")


def test_inbox_pages_follow_the_cursor_without_gaps_or_repeats(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "sup")
    seen, cursor = [], None
    while True:
        page = client.get("/api/desk/conversations", params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        seen += [row["id"] for row in page.json()["rows"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == _ids(client)
    html = client.get("/desk", params={"limit": 1, "channel": ""}).text
    assert "下一页" in html


def test_transcript_shows_what_the_bot_read_did_and_promised(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "sup")
    view = client.get(f"/api/desk/conversations/{desk.customer_conversation}").json()
    first = view["turns"][0]
    assert (first["intent"], first["intent_confidence"], first["need"]) == ("reason_price_high", 0.25, "rational")
    assert first["entities"][0]["entity"] == "phone_number"
    assert view["turns"][1]["actions"] == ["action_retention_turn", "utter_offer"]
    assert view["offers"][0]["code"] == "DOWN-59" and view["offers"][0]["outcome"] == "accepted"
    practice = client.get(f"/api/desk/conversations/{desk.own_practice}").json()
    assert (practice["reason"], practice["need"]) == ("reason_price_high", "rational")  # the scenario's
    trainee = practice["turns"][1]
    assert (trainee["expected_act"], trainee["feedback"], trainee["score"]) == ("agent_probe", {"note": "先探询"}, 72.0)
    wechat = client.get(f"/api/desk/conversations/{desk.wechat_conversation}").json()
    assert {t["kind"] for t in wechat["tickets"]} == {"network_repair", "callback"}


def test_review_notes_keep_who_and_when(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "sup")
    headers, cid = csrf(client), desk.customer_conversation
    for path, form in [("tags", {"tag": "好例子"}), ("tags", {"tag": "好例子"}), ("comments", {"body": "报价清楚"}),
                       ("reviewed", {"reviewed": "1"})]:
        assert client.post(f"/desk/conversations/{cid}/{path}", data=form, headers=headers,
                           follow_redirects=False).status_code == 303
    view = client.get(f"/api/desk/conversations/{cid}").json()
    assert [(t["text"], t["by"]) for t in view["tags"]] == [("好例子", "sup")]
    assert [(c["text"], c["by"]) for c in view["comments"]] == [("报价清楚", "sup")]
    assert view["reviewed"]["by"] == "sup" and view["reviewed"]["at"]
    assert client.post(f"/desk/conversations/{cid}/comments", data={"body": " "}, headers=headers).status_code == 400


def test_ticket_queue_overdue_first_then_assign_comment_resolve(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "sup")
    queue = client.get("/api/desk/tickets").json()
    assert [t["id"] for t in queue] == [desk.ticket, desk.later_ticket]
    assert queue[0]["overdue"] and not queue[1]["overdue"] and queue[0]["due"].endswith("前")
    headers = csrf(client)
    client.post(f"/desk/tickets/{desk.ticket}/assign", data={"assignee": desk.admin}, headers=headers)
    assert client.post(f"/desk/tickets/{desk.ticket}/assign", data={"assignee": desk.trainee},
                       headers=headers).status_code == 400
    client.post(f"/desk/tickets/{desk.ticket}/comments", data={"body": "已联系网优"}, headers=headers)
    item = client.get("/api/desk/tickets").json()[0]
    assert (item["assignee"], item["status"], item["comments"]) == ("adm", "in_progress", ["sup: 已联系网优"])
    client.post(f"/desk/tickets/{desk.ticket}/resolve", data={"resolution": "基站已修复"}, headers=headers)
    assert [t["id"] for t in client.get("/api/desk/tickets").json()] == [desk.later_ticket]
    view = client.get(f"/api/desk/conversations/{desk.wechat_conversation}").json()
    resolved = next(t for t in view["tickets"] if t["id"] == desk.ticket)
    assert (resolved["status"], resolved["resolution"]) == ("resolved", "基站已修复")
    assert client.post(f"/desk/tickets/{desk.ticket}/resolve", data={"resolution": "再结"},
                       headers=headers).status_code == 400


def _validate(nlu_dir: Path) -> None:
    """What `rasa data validate` checks of NLU files: the YAML schema, and no example under two intents."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
    from rasa.validator import Validator

    for role in ("customer", "agent"):
        RasaYAMLReader().read(nlu_dir / role / "corrections.yml")  # raises on a schema error
        importer = TrainingDataImporter.load_from_dict(training_data_paths=[str(nlu_dir / role)])
        assert Validator.from_importer(importer).verify_example_repetition_in_intents(ignore_warnings=False)


def test_corrections_export_as_valid_training_data_without_duplicates(
    client: TestClient, desk: DeskData, nlu_copy: Path  # noqa: F811
) -> None:
    signed_in(client, "sup")
    headers = csrf(client)
    before = {p.name: p.read_text(encoding="utf-8") for p in (nlu_copy / "customer").glob("*.yml")}

    def correct(turn: int, field: str, value: str) -> int:
        return client.post(f"/api/desk/turns/{turn}/corrections", json={"field": field, "value": value},
                           headers=headers).status_code

    assert correct(desk.customer_turn, "intent", "reason_competitor_offer") == 201
    assert correct(desk.customer_turn, "need", "emotional") == 201
    assert correct(desk.trainee_turn, "act", "agent_probe") == 201
    assert correct(desk.customer_turn, "act", "agent_probe") == 400  # a customer turn has no act
    assert correct(desk.customer_turn, "intent", "made_up") == 400
    report = client.post("/api/desk/export-training", headers=headers).json()
    assert report["written"] == {"customer": 1, "agent": 1} and report["conflicts"] == []

    customer = read_examples([nlu_copy / "customer" / "corrections.yml"])
    assert [(e.intent, e.need) for e in customer] == [("reason_competitor_offer", "emotional")]
    assert [e.intent for e in read_examples([nlu_copy / "agent" / "corrections.yml"])] == ["agent_probe"]
    after = {p.name: p.read_text(encoding="utf-8") for p in (nlu_copy / "customer").glob("*.yml")}
    assert {name: text for name, text in after.items() if name != "corrections.yml"} == before
    _validate(nlu_copy)

    # exporting again writes the same file; a text the data already has is a duplicate or a conflict
    again = client.post("/api/desk/export-training", headers=headers).json()
    assert again["written"] == {"customer": 1, "agent": 1}
    sample = read_examples([nlu_copy / "customer" / "greet.yml"])[0]
    with_known = yaml.safe_load((nlu_copy / "customer" / "corrections.yml").read_text(encoding="utf-8"))
    assert len(with_known["nlu"]) == 1
    from bot.db.models import Turn
    from bot.db.session import session_scope

    with session_scope(None) as db:
        db.get(Turn, desk.customer_turn).text = sample.text
    report = client.post("/api/desk/export-training", headers=headers).json()
    assert report["written"]["customer"] == 0 and len(report["conflicts"]) == 1
    assert not (nlu_copy / "customer" / "corrections.yml").exists()


def test_a_conversation_exports_as_a_rasa_test_story(client: TestClient, desk: DeskData) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    signed_in(client, "sup")
    answer = client.get(f"/api/desk/conversations/{desk.customer_conversation}/story")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/yaml")
    steps = yaml.safe_load(answer.text)["stories"][0]["steps"]
    assert steps[0] == {"user": "太贵了，我的号码13812341234", "intent": "reason_price_high"}
    assert steps[1] == {"action": "action_retention_turn"}
    from bot.config import get_settings

    domain = Domain.load(get_settings().domain_file)
    stories = YAMLStoryReader(domain).read_from_string(answer.text)
    assert len(stories) == 1 and len(stories[0].events) == 4


def test_figures_page_draws_svg_and_offers_csv(client: TestClient, desk: DeskData) -> None:
    signed_in(client, "sup")
    page = client.get("/desk/figures")
    assert page.status_code == 200 and page.text.count("<svg") == 8 and "http://" not in page.text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    csv_text = client.get("/api/desk/figures/retention_by_reason.csv").text.splitlines()
    assert csv_text[0] == "reason,decided,retained,rate"
    assert "reason_price_high,1,1,1.0" in csv_text
    offers = client.get("/api/desk/figures/offer_acceptance.csv").text
    assert "套餐降档,1,1,1.0" in offers
    nlu = client.get("/api/desk/figures/nlu_confidence.csv").text.splitlines()
    assert nlu[0] == "day,turns,low_rate,fallback_rate" and len(nlu) >= 2
    assert client.get("/api/desk/figures/nope.csv").status_code == 404


def test_rubric_point_trends_read_the_stored_points_of_ended_calls(client: TestClient, desk: DeskData) -> None:
    from bot.db.models import Conversation, PracticePointScore
    from bot.db.session import session_scope

    with session_scope(None) as db:  # a second call ended the same day: each point's share is summed, not averaged
        call = Conversation(mode="practice", channel="practice", sender_id="practice-second", user_id=desk.trainee,
                            started_at=NOW, ended_at=NOW, score=50.0)
        db.add(call)
        db.flush()
        db.add_all(PracticePointScore(conversation_id=call.id, point=point, points=0.0, max_points=worth)
                   for point, worth in [("probing", 25), ("need", 20)])
    signed_in(client, "sup")
    lines = client.get("/api/desk/figures/rubric_point_trends.csv").text.splitlines()
    assert lines[0] == "day,calls,rapport_score,probing_score,need_score,offer_score,keep_number_score,follow_up_score"
    ends = {NOW.date(), (NOW - timedelta(hours=4, minutes=50)).date()}
    if len(ends) == 1:  # both calls ended on one UTC day
        assert lines[1:] == [f"{NOW.date()},2,100.0,10.0,50.0,60.0,100.0,100.0"]
    else:
        assert lines[1:] == [f"{min(ends)},1,100.0,20.0,100.0,60.0,100.0,100.0", f"{max(ends)},1,,0.0,0.0,,,"]
    page = client.get("/desk/figures").text
    section = page[page.index('id="rubric_point_trends"'):]
    assert section.count("<polyline") >= 6 and "follow_up_score" in section


def test_export_training_command(desk: DeskData, nlu_copy: Path) -> None:  # noqa: F811
    from bot.cli.main import main

    assert main(["export-training"]) == 0
    assert not (nlu_copy / "customer" / "corrections.yml").exists()
