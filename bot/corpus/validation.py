"""`rasa data validate --fail-on-warnings`, minus the warnings the corpus explains.

Rasa warns "The utterance 'X' is not used in any story or rule" for every response that only a custom action
says. Every corpus line is said by the turn action (`action_retention_turn`, which picks the line with
bot.flow) and none by a story, so exactly those warnings, for the corpus's responses, are expected; every other
validator warning and every story conflict still fails.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from bot.corpus.model import ScriptCorpus


def expected_warnings(corpus: ScriptCorpus) -> set[str]:
    """The validator warnings that only say "an action says this response, not a story"."""
    said_by_actions = set(corpus.response_names())
    return {f"The utterance '{name}' is not used in any story or rule." for name in said_by_actions}


def rasa_validation_problems(
    corpus: ScriptCorpus, *, domain: Path, config: Path, data: Sequence[Path], max_history: int | None = None
) -> list[str]:
    """Every problem `rasa data validate --fail-on-warnings` would fail on, except the expected warnings."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_config(
        domain_path=str(domain), training_data_paths=[str(path) for path in data], config_path=str(config)
    )
    validator = Validator.from_importer(importer)
    problems: list[str] = []
    domain_checks = (
        validator.verify_domain_validity(),
        validator.verify_actions_in_stories_rules(),
        validator.verify_forms_in_stories_rules(),
        validator.verify_form_slots(),
        validator.verify_slot_mappings(),
    )
    if not all(domain_checks):
        problems.append("the domain is invalid or the stories use unknown actions, forms or slots (see the log)")
    # The NLU/usage checks are the ones --fail-on-warnings turns from warnings into failures.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validator.verify_nlu(ignore_warnings=True)
    expected = expected_warnings(corpus)
    problems.extend(
        message
        for message in (str(item.message) for item in caught if issubclass(item.category, UserWarning))
        if message not in expected
    )
    if not validator.verify_story_structure(ignore_warnings=False, max_history=max_history):
        problems.append("stories contradict each other (the conflicts are logged above)")
    return problems
