"""Parsing messages with a trained model into the project's label contract.

Both `retention-bot parse` and `POST /model/parse` go through `NluParser.parse`, so the command line and the
HTTP API cannot drift apart.

Every parse of the app runs in one parsing thread (`off_the_loop`), the customer dialogue's included: Rasa's
graph is synchronous CPU work (10-20 ms of DIET, the linear blend, the featurisers), and on the event loop it
held up every other request of the process, /health and the WeChat deadlines among them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT_RANKING_KEY

from bot.nlu.need_classifier import NEED, NEED_RANKING
from bot.nlu.training import find_model

logger = logging.getLogger(__name__)

# Agent messages carry no customer need; the contract still has the field.
_AGENT_NEED = {"name": "none", "confidence": 1.0}


_SLASHES = "/／"

T = TypeVar("T")
# One thread: parses never run at once, so no component of the graph is asked to be thread-safe.
_PARSE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu-parse")
_thread_loop = threading.local()


def _run_in_thread_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    loop = getattr(_thread_loop, "loop", None)
    if loop is None:
        loop = _thread_loop.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coroutine)


async def off_the_loop(parse: Coroutine[Any, Any, T]) -> T:
    """Run a Rasa parse coroutine (`Agent.parse_message`, `MessageProcessor.parse_message`: synchronous inside)
    in the parsing thread and await its result."""
    return await asyncio.get_running_loop().run_in_executor(_PARSE_THREAD, _run_in_thread_loop, parse)


def guard_intent_prefix(text: str) -> str:
    """Typed text with its leading slashes turned into spaces.

    Rasa treats a message starting with "/" as an intent payload (`/accept_offer`) and skips the NLU; our own
    quick-reply buttons rely on that, but what a customer or trainee types must never be read as one. The
    normaliser folds "／" to "/", so both are guarded; spaces keep the length, and the tokenizer drops them.
    """
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    body = stripped.lstrip(_SLASHES)
    return text[:lead] + " " * (len(stripped) - len(body)) + body


def _leading_space(text: str) -> int:
    """Rasa strips the message text, so its entity offsets count from the first non-blank character."""
    return len(text) - len(text.lstrip())


def _rounded(value: Any) -> float:
    return round(float(value), 4)


def to_contract(parse_data: dict[str, Any], text: str, role: str) -> dict[str, Any]:
    """The contract shape: text, intent, need, entities (+ rankings and the fallback flag).

    `intent` is the best label of the taxonomy; when its confidence is under the FallbackClassifier's
    threshold, `fallback` is true (Rasa's own `intent` would read `nlu_fallback` there, which is no label of the
    taxonomy). The dialogue uses Rasa's result directly and so still sees `nlu_fallback`.
    """
    ranking = [
        {"name": item["name"], "confidence": _rounded(item["confidence"])}
        for item in parse_data.get(INTENT_RANKING_KEY) or []
        if item.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME
    ]
    top = ranking[0] if ranking else {"name": None, "confidence": 0.0}
    shift = _leading_space(guard_intent_prefix(text))
    raw_intent = (parse_data.get("intent") or {}).get("name")
    if role == "agent":
        need, need_ranking = dict(_AGENT_NEED), [dict(_AGENT_NEED)]
    else:
        raw_need = parse_data.get(NEED) or {"name": "none", "confidence": 0.0}
        need = {"name": raw_need["name"], "confidence": _rounded(raw_need["confidence"])}
        need_ranking = [
            {"name": item["name"], "confidence": _rounded(item["confidence"])}
            for item in parse_data.get(NEED_RANKING) or [raw_need]
        ]
    return {
        "text": text,
        "intent": top,
        "need": need,
        "entities": [
            {
                "entity": entity["entity"],
                "value": entity.get("value"),
                "start": entity["start"] + shift,
                "end": entity["end"] + shift,
            }
            for entity in parse_data.get("entities") or []
        ],
        "fallback": raw_intent == DEFAULT_NLU_FALLBACK_INTENT_NAME,
        "intent_ranking": ranking,
        "need_ranking": need_ranking,
    }


class NluParser:
    """A loaded model for one role. Loading takes seconds (TensorFlow), so load once and reuse."""

    def __init__(self, agent: Any, role: str, model_path: Path) -> None:
        self._agent = agent
        self.role = role
        self.model_path = model_path

    @classmethod
    def load(cls, role: str = "customer", model_path: Path | None = None) -> NluParser:
        from rasa.core.agent import Agent

        path = model_path or find_model(role)
        logger.info("Loading the %s model %s", role, path)
        return cls(Agent.load(str(path)), role, path)

    @property
    def model_version(self) -> str:
        return self.model_path.name.removesuffix(".tar.gz")

    async def parse_raw(self, text: str) -> dict[str, Any]:
        """Rasa's own parse result (intent may be nlu_fallback)."""
        return await off_the_loop(self._agent.parse_message(guard_intent_prefix(text)))

    async def parse(self, text: str) -> dict[str, Any]:
        return to_contract(await self.parse_raw(text), text, self.role)
