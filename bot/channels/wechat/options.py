"""Quick replies on a text-only channel: the bot's buttons as numbered options, and an answer back to a payload.

A passive reply is one text message, so the bot's messages are joined with newlines and its buttons become
lines like 「回复 1：好的，就办这个」. The options of the last reply are remembered per openid (the
`wechat_users.buttons` column, so any instance can read them); an answer that is just an option's number
(half- or full-width) or exactly its title is sent to the bot as that option's payload, anything else as
typed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

Button = dict[str, str]


def render_messages(messages: Iterable[Mapping[str, Any]]) -> tuple[str, list[Button]]:
    """One text for the bot's messages (Rasa REST shape) and the buttons it offered, in order."""
    lines: list[str] = []
    buttons: list[Button] = []
    for message in messages:
        if message.get("text"):
            lines.append(str(message["text"]))
        buttons.extend(
            {"title": str(button["title"]), "payload": str(button["payload"])}
            for button in message.get("buttons") or []
            if button.get("title") and button.get("payload")
        )
    lines.extend(f"回复 {number}：{button['title']}" for number, button in enumerate(buttons, start=1))
    return "\n".join(lines), buttons


def answer_to_message(text: str, buttons: list[Button]) -> str:
    """What to send to the bot for the customer's `text`, given the options they were last shown."""
    answer = unicodedata.normalize("NFKC", text).strip()  # "１" → "1", the way people type on a phone
    if answer.isdecimal() and 1 <= int(answer) <= len(buttons):
        return buttons[int(answer) - 1]["payload"]
    for button in buttons:
        if answer == unicodedata.normalize("NFKC", button["title"]).strip():
            return button["payload"]
    return text
