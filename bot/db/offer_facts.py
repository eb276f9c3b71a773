"""What the bot may answer about an offer, by topic: the meaning and validation of an offer's `facts` JSON.

Customers ask about the offer on the table ("保号的话能收短信吗", "宽带会受影响吗", "有违约金吗"); the answer must
come from the catalogue, never be made up (seed 000: 实事求是，不要过分夸大优势和隐瞒缺点). The topics are a
closed vocabulary so a question can be mapped to one key, and `parse_facts` refuses unknown keys and empty
answers so a typo in the catalogue fails when it is loaded instead of leaving the bot without an answer.
"""

from __future__ import annotations

from typing import Any

from bot.db.offer_rules import RuleError

# Topic -> the label an agent's screen or an admin page shows for it; the keys are the topics.
FACT_LABELS: dict[str, str] = {
    "effective": "何时生效",
    "calls": "通话/接电话",
    "sms": "短信/验证码",
    "data": "流量",
    "broadband": "宽带是否受影响",
    "number": "号码是否保留",
    "penalty": "违约金/提前退订/期满后",
    "device": "终端",
}
FACT_TOPICS: tuple[str, ...] = tuple(FACT_LABELS)


def parse_facts(data: Any, where: str = "facts") -> dict[str, str]:
    """The facts as topic -> sentence (surrounding blanks removed); RuleError names `where` and the bad key."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RuleError(f"{where}: expected a mapping of topic to sentence, got {type(data).__name__}")
    unknown = [key for key in data if key not in FACT_LABELS]
    if unknown:
        raise RuleError(f"{where}: unknown topic(s) {unknown}; allowed: {list(FACT_TOPICS)}")
    facts: dict[str, str] = {}
    for topic, sentence in data.items():
        if not isinstance(sentence, str) or not sentence.strip():
            raise RuleError(f"{where}.{topic}: expected a non-empty sentence, got {sentence!r}")
        facts[topic] = sentence.strip()
    return facts
