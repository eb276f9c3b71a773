"""`corpus build|check|validate|lines`: the script corpus and the domain.yml generated from it."""

from __future__ import annotations

import argparse
import logging
import sys

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    corpus = subparsers.add_parser(
        "corpus",
        help="validate the script corpus and generate domain.yml from it",
        description="scripts_corpus/ holds every bot line, tagged with its agent act, step, reason and need; "
        "domain.yml is generated from it and bot/corpus/domain_template.yml (docs/SCRIPTS_CORPUS.md).",
    )
    commands = corpus.add_subparsers(dest="corpus_command", metavar="COMMAND", required=True)

    build = commands.add_parser("build", help="validate the corpus and regenerate domain.yml")
    build.set_defaults(func=run_build)

    check = commands.add_parser(
        "check", help="validate the corpus; fail when domain.yml is not what `corpus build` would write"
    )
    check.set_defaults(func=run_check)

    validate = commands.add_parser(
        "validate",
        help="rasa data validate --fail-on-warnings, except for responses the corpus says an action utters",
        description="Runs Rasa's validator on domain.yml, the NLU data and the stories. Every warning fails, "
        "except 'utterance not used in any story' for responses with `uttered_by` in the corpus (said by a "
        "custom action, a form or the fallback, never by a story).",
    )
    validate.add_argument("--data", nargs="+", default=None,
                          help="NLU and story files or directories (default: nlu_data/customer stories)")
    validate.add_argument("--max-history", type=int, default=None, help="turns considered for story conflicts")
    validate.set_defaults(func=run_validate)

    lines = commands.add_parser(
        "lines",
        help="print the recommended lines for an agent act (what practice mode shows a trainee)",
        description="Prints one JSON object per line: text, response, act, step, reason, need, when.",
    )
    lines.add_argument("act", help="an agent act of the taxonomy, e.g. agent_empathize")
    lines.add_argument("--reason", default=None, help="a reason_* intent, e.g. reason_network_quality")
    lines.add_argument("--need", default=None, help="emotional, rational or none")
    lines.set_defaults(func=run_lines)


def _load():  # type: ignore[no-untyped-def]
    """The settings and the corpus, or None after printing why the corpus is invalid."""
    from bot.config import get_settings
    from bot.corpus import CorpusError, load_corpus

    settings = get_settings()
    try:
        return settings, load_corpus(settings.scripts_corpus_dir)
    except CorpusError as exc:
        print(f"retention-bot corpus: {exc}", file=sys.stderr)
        return None


def run_build(args: argparse.Namespace) -> int:
    from bot.corpus import CorpusError
    from bot.corpus.domain_builder import write_domain
    from bot.corpus.rules_builder import write_project_files

    loaded = _load()
    if loaded is None:
        return 1
    settings, corpus = loaded
    try:
        changed = write_domain(corpus, settings.domain_file)
    except CorpusError as exc:
        print(f"retention-bot corpus: {exc}", file=sys.stderr)
        return 1
    state = "written" if changed else "already up to date"
    print(f"{settings.domain_file}: {state} ({len(corpus.response_names())} responses, "
          f"{len(corpus.custom_actions)} actions)")
    for path in write_project_files(settings.project_root):
        print(f"{path}: written")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from bot.corpus import CorpusError
    from bot.corpus.domain_builder import domain_is_current
    from bot.corpus.rules_builder import stale_project_files

    loaded = _load()
    if loaded is None:
        return 1
    settings, corpus = loaded
    try:
        current = domain_is_current(corpus, settings.domain_file)
    except CorpusError as exc:
        print(f"retention-bot corpus: {exc}", file=sys.stderr)
        return 1
    stale = stale_project_files(settings.project_root)
    if stale:
        print(f"retention-bot corpus: {', '.join(map(str, stale))} out of date; run `retention-bot corpus build`",
              file=sys.stderr)
        return 1
    if not current:
        print(
            f"retention-bot corpus: {settings.domain_file} is out of date with scripts_corpus/ or "
            "bot/corpus/domain_template.yml; run `retention-bot corpus build`",
            file=sys.stderr,
        )
        return 1
    print(f"scripts_corpus/ is valid and {settings.domain_file.name} is up to date")
    return 0


def run_lines(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict

    from bot.taxonomy import agent_acts, needs, reason_intents

    for value, allowed, what in (
        (args.act, agent_acts(), "act"),
        (args.reason, reason_intents(), "reason"),
        (args.need, needs(), "need"),
    ):
        if value is not None and value not in allowed:
            print(f"retention-bot corpus lines: unknown {what} {value!r}; one of: {', '.join(allowed)}",
                  file=sys.stderr)
            return 2
    loaded = _load()
    if loaded is None:
        return 1
    _, corpus = loaded
    for line in corpus.lines_for(args.act, args.reason, args.need):
        print(json.dumps(asdict(line), ensure_ascii=False))
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.corpus.validation import rasa_validation_problems

    loaded = _load()
    if loaded is None:
        return 1
    settings, corpus = loaded
    data = [Path(p) for p in args.data] if args.data else [settings.nlu_data_dir / "customer", settings.stories_dir]
    missing = [str(path) for path in data if not path.exists()]
    if missing:
        print(f"retention-bot corpus validate: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    problems = rasa_validation_problems(
        corpus, domain=settings.domain_file, config=settings.config_file, data=data, max_history=args.max_history
    )
    if problems:
        print("retention-bot corpus validate: " + "\n  ".join(["failed:", *problems]), file=sys.stderr)
        return 1
    print("domain, NLU data and stories are valid (responses said by actions are expected outside stories)")
    return 0
