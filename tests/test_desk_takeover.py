"""Live take-over of a web chat from the desk: while a supervisor answers, the customer's messages never reach the
bot and the supervisor's replies reach the chat page's poll; the desk suggests the flow's next line, computed
from the bot's own flow state; handing back gives the chat to the bot again.

The app has no models: a stand-in dialogue records whether the bot was asked and holds the tracker's flow
state, and a stand-in customer parser reads every message as 「too expensive」, as the real one would read
「太贵了」.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.db.models import Conversation, Turn
from bot.db.session import session_scope
from bot.flow.state import STATE_SLOT, FlowState
from tests.desk_testing import DeskData, accounts_url, cheap_hashing, client, csrf, desk, signed_in  # noqa: F401

SENDER = "web-live-0123456789abcdef"
WEBHOOK = "/webhooks/rest/webhook"


class StandInDialogue:
    """What the webhook and the desk use of DialogueService: `handle` and the tracker's slots."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.flow = FlowState(replies=2)

    async def handle(self, sender_id: str, text: str, **_: Any) -> list[dict[str, Any]]:
        self.asked.append(text)
        return [{"recipient_id": sender_id, "text": "机器人的回答"}]

    async def slots(self, sender_id: str) -> dict[str, Any]:
        assert sender_id == SENDER  # the tracker of this very chat
        return {STATE_SLOT: self.flow.to_slot()}


class StandInParser:
    async def parse(self, text: str) -> dict[str, Any]:
        return {"text": text, "intent": {"name": "reason_price_high", "confidence": 0.91},
                "need": {"name": "rational", "confidence": 0.8}, "entities": []}


@pytest.fixture
def live(client: TestClient, desk: DeskData) -> Iterator[tuple[TestClient, StandInDialogue, int]]:  # noqa: F811
    """An open web chat of SENDER with one message; the app with the stand-ins (gone before the app stops)."""
    dialogue = StandInDialogue()
    client.app.state.retention.dialogue = dialogue
    client.app.state.retention.parsers["customer"] = StandInParser()
    with session_scope(None) as db:
        chat = Conversation(mode="customer", channel="web", sender_id=SENDER)
        db.add(chat)
        db.flush()
        db.add(Turn(conversation_id=chat.id, seq=1, role="customer", text="你好", intent="greet", need="none"))
        chat_id = chat.id
    yield client, dialogue, chat_id
    client.app.state.retention.dialogue = None


def _say(client: TestClient, text: str) -> list[dict[str, Any]]:
    answer = client.post(WEBHOOK, json={"sender": SENDER, "message": text, "metadata": {"source": "webchat"}})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _poll(client: TestClient, after: int = 0) -> dict[str, Any]:
    answer = client.get("/webhooks/rest/agent", params={"sender": SENDER, "after": after})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_taken_over_chat_is_answered_by_the_supervisor_not_the_bot(
    live: tuple[TestClient, StandInDialogue, int]
) -> None:
    client, dialogue, chat = live
    assert _say(client, "在吗") == [{"recipient_id": SENDER, "text": "机器人的回答"}]
    assert _poll(client) == {"live": False, "messages": []}

    signed_in(client, "sup")
    headers = csrf(client)
    assert client.post(f"/api/desk/conversations/{chat}/replies", json={"text": "您好"},
                       headers=headers).status_code == 400  # not taken over yet
    assert client.post(f"/api/desk/conversations/{chat}/takeover", json={"live": True},
                       headers=headers).json() == {"live": True}
    assert client.get(f"/api/desk/conversations/{chat}").json()["taken_over_by"] == "sup"

    assert _say(client, "太贵了") == []  # no bot answer: the supervisor's comes by the poll
    assert dialogue.asked == ["在吗"]
    customer = client.get(f"/api/desk/conversations/{chat}").json()["turns"][-1]
    assert (customer["role"], customer["text"], customer["intent"], customer["need"]) == (
        "customer", "太贵了", "reason_price_high", "rational")

    sent = client.post(f"/api/desk/conversations/{chat}/replies", json={"text": "理解您，我先帮您核对用量。"},
                       headers=headers)
    assert sent.status_code == 201
    seq = sent.json()["seq"]
    assert _poll(client) == {"live": True, "messages": [{"seq": seq, "text": "理解您，我先帮您核对用量。"}]}
    assert _poll(client, after=seq) == {"live": True, "messages": []}

    assert client.post(f"/api/desk/conversations/{chat}/takeover", json={"live": False},
                       headers=headers).json() == {"live": False}
    assert _say(client, "那怎么办") == [{"recipient_id": SENDER, "text": "机器人的回答"}]
    assert dialogue.asked == ["在吗", "那怎么办"]
    assert _poll(client, after=seq)["live"] is False


def test_the_desk_suggests_the_flows_next_line_from_the_bots_state(
    live: tuple[TestClient, StandInDialogue, int]
) -> None:
    client, dialogue, chat = live
    signed_in(client, "sup")
    headers = csrf(client)
    assert client.get(f"/api/desk/conversations/{chat}/suggestion").json() == {"line": None}  # not taken over
    page = client.get(f"/desk/conversations/{chat}").text
    assert "机器人应答中" in page and "接管对话" in page and "流程建议" not in page
    assert client.post(f"/desk/conversations/{chat}/takeover", data={"live": "1"}, headers=headers,
                       follow_redirects=False).status_code == 303
    _say(client, "太贵了")

    line = client.get(f"/api/desk/conversations/{chat}/suggestion").json()["line"]
    assert line and any(word in line for word in ("用量", "费用", "资费")) and not line.startswith("您好")
    dialogue.flow = FlowState()  # a bot that has not answered yet would greet first
    assert client.get(f"/api/desk/conversations/{chat}/suggestion").json()["line"].startswith("您好")

    page = client.get(f"/desk/conversations/{chat}")
    assert "流程建议" in page.text and 'action="/desk/conversations/%d/replies"' % chat in page.text
    client.post(f"/desk/conversations/{chat}/replies", data={"text": "我马上帮您查"}, headers=headers)
    assert _poll(client)["messages"][-1]["text"] == "我马上帮您查"


def test_one_voice_per_chat_and_only_open_web_chats(live: tuple[TestClient, StandInDialogue, int],
                                                    desk: DeskData) -> None:  # noqa: F811
    client, _, chat = live
    signed_in(client, "sup")
    headers = csrf(client)
    client.post(f"/api/desk/conversations/{chat}/takeover", json={"live": True}, headers=headers)
    client.cookies.clear()
    signed_in(client, "adm")
    headers = csrf(client)
    refused = client.post(f"/api/desk/conversations/{chat}/takeover", json={"live": True}, headers=headers)
    assert refused.status_code == 400 and "sup" in refused.json()["detail"]
    assert client.post(f"/api/desk/conversations/{chat}/replies", json={"text": "我来"},
                       headers=headers).status_code == 400
    page = client.get(f"/desk/conversations/{chat}").text
    assert "由 sup 接管中" in page and "交还机器人" in page
    for other in (desk.wechat_conversation, desk.own_practice):
        assert client.post(f"/api/desk/conversations/{other}/takeover", json={"live": True},
                           headers=headers).status_code == 400
    with session_scope(None) as db:
        db.get(Conversation, chat).ended_at = db.get(Conversation, chat).started_at
    assert client.post(f"/api/desk/conversations/{chat}/replies", json={"text": "还在吗"},
                       headers=headers).status_code == 400
    with session_scope(None) as db:
        agent_turns = db.execute(select(Turn).where(Turn.conversation_id == chat, Turn.role == "agent")).all()
    assert agent_turns == []
