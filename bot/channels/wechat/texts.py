"""What the channel itself says, as opposed to the bot: the welcome, and the answers to what the bot cannot read.

The welcome is the first greeting of the script corpus (`utter_greet`), so it changes with the corpus and
sounds like the bot; the other lines have no counterpart in the corpus and live here, in one place. A failed
turn is answered with the dialogue's own apology (`bot.dialogue.service.TURN_FAILED`), the same on every channel.
"""

from __future__ import annotations

from bot.corpus import lines_of

# Images, voice, video, locations and links: the bot understands text only.
ASK_FOR_TEXT = "抱歉，我目前只能看懂文字消息。麻烦您用文字简单说一下您的问题，我马上为您处理。"


def welcome() -> str:
    """The line a new follower gets on subscribing (the corpus is loaded once and cached)."""
    return lines_of("utter_greet")[0].text
