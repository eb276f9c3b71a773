"""The project's corpus, loaded once per process, and the lookups practice mode and the transcript use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.corpus.loader import load_corpus
from bot.corpus.model import ScriptCorpus, ScriptLine


@lru_cache(maxsize=4)
def _corpus_at(directory: Path) -> ScriptCorpus:
    return load_corpus(directory)


def default_corpus() -> ScriptCorpus:
    """The corpus under the configured project root (cached; the files do not change while serving)."""
    from bot.config import get_settings

    return _corpus_at(get_settings().scripts_corpus_dir)


def act_of(name: str) -> str:
    """The agent act (or `internal`) of a response or action name, e.g. the one a policy predicted."""
    return default_corpus().act_of(name)


def lines_for(act: str, reason: str | None = None, need: str | None = None) -> list[ScriptLine]:
    """Recommended lines for an agent act, the best match for the reason and need first."""
    return default_corpus().lines_for(act, reason, need)


def lines_of(name: str, reason: str | None = None, need: str | None = None) -> list[ScriptLine]:
    """The lines a response or an action says, the best match for the reason and need first."""
    return default_corpus().lines_of(name, reason, need)
