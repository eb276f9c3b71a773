"""The script corpus (scripts_corpus/): agent lines tagged with their act, step, reason and need.

See docs/SCRIPTS_CORPUS.md. `lines_for`, `lines_of` and `act_of` are what practice mode and the transcript
use; `bot.corpus.domain_builder` turns the corpus into domain.yml's responses.
"""

from bot.corpus.loader import CorpusError, load_corpus
from bot.corpus.lookup import act_of, default_corpus, lines_for, lines_of
from bot.corpus.model import ANY, INTERNAL_ACT, STEPS, ScriptCorpus, ScriptEntry, ScriptLine

__all__ = [
    "ANY",
    "INTERNAL_ACT",
    "STEPS",
    "CorpusError",
    "ScriptCorpus",
    "ScriptEntry",
    "ScriptLine",
    "act_of",
    "default_corpus",
    "lines_for",
    "lines_of",
    "load_corpus",
]
