"""The script corpus: validation, the generated domain.yml, act tags and the lookups practice mode uses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.cli.main import main as cli_main
from bot.corpus import INTERNAL_ACT, CorpusError, load_corpus
from bot.corpus.domain_builder import build_domain_text, domain_is_current, write_domain
from bot.corpus.model import ScriptCorpus
from bot.taxonomy import agent_acts, reason_intents

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "scripts_corpus"
DOMAIN_FILE = ROOT / "domain.yml"
TEST_STORIES_DIR = ROOT / "tests" / "test_stories"

# The dialogue contract (flows helper × actions helper).
CONTRACT_RESPONSES = {
    "utter_greet", "utter_probe_reason", "utter_probe_deeper", "utter_commit_ticket", "utter_propose_offer",
    "utter_compare_cost", "utter_retain_number", "utter_offer_accepted", "utter_close_success", "utter_close_fail",
    "utter_handoff", "utter_ask_phone", "utter_invalid_phone", "utter_bot_challenge", "utter_out_of_scope",
    "utter_default", "utter_ask_rephrase", "utter_goodbye", "utter_thank",
}  # fmt: skip
CONTRACT_ACTIONS = {
    "action_register_reason": INTERNAL_ACT,
    "action_identify_customer": "agent_greet",
    "action_fetch_churn_score": INTERNAL_ACT,
    "action_create_ticket": "agent_commit",
    "action_propose_offer": "agent_propose",
    "action_retain_number": "agent_retain_number",
    "action_record_outcome": INTERNAL_ACT,
    "action_handoff": "agent_commit",
    "validate_phone_form": INTERNAL_ACT,
    "action_default_ask_affirmation": "agent_probe",
}
# Words that promise what nobody can keep (信守诺言) or name a competitor (客观评价竞争对手).
OVERPROMISE_WORDS = ("保证", "永远", "绝对", "百分之百", "再也不会", "不会再", "一定解决")
COMPETITOR_NAMES = ("移动", "联通", "广电")


@pytest.fixture(scope="module")
def corpus() -> ScriptCorpus:
    return load_corpus(CORPUS_DIR)


def short(reason: str) -> str:
    return reason.removeprefix("reason_")


# --- the project's corpus ------------------------------------------------------------------------------------


def test_every_reason_has_an_empathy_and_an_acknowledgement_line(corpus: ScriptCorpus) -> None:
    names = set(corpus.response_names())
    for reason in reason_intents():
        assert f"utter_empathize_{short(reason)}" in names
        assert f"utter_acknowledge_{short(reason)}" in names
        assert corpus.act_of(f"utter_empathize_{short(reason)}") == "agent_empathize"
        assert [e.need for e in corpus.entries_of(f"utter_empathize_{short(reason)}")] == ["emotional"]
        assert [e.need for e in corpus.entries_of(f"utter_acknowledge_{short(reason)}")] == ["rational"]


def test_contract_names_and_acts(corpus: ScriptCorpus) -> None:
    assert CONTRACT_RESPONSES <= set(corpus.response_names())
    assert dict(corpus.custom_actions) == CONTRACT_ACTIONS


def test_lines_keep_the_promises_of_the_training_material(corpus: ScriptCorpus) -> None:
    for entry in corpus.entries:
        for text in entry.variants:
            assert not [w for w in OVERPROMISE_WORDS if w in text], f"{entry.source}: over-promise in {text!r}"
            assert not [w for w in COMPETITOR_NAMES if w in text], f"{entry.source}: names a competitor: {text!r}"


# --- validation ------------------------------------------------------------------------------------------------

VALID_ENTRY = {
    "response": "utter_probe_reason",
    "act": "agent_probe",
    "step": "探询原因",
    "variants": ["方便说说原因吗？", "是哪方面不满意呢？", "能具体讲讲吗？"],
}


def write_corpus(directory: Path, entries: list[dict], actions: dict | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    tags = actions if actions is not None else {"custom_actions": {"action_x": "internal"}, "forms": {}}
    (directory / "actions.yml").write_text(yaml.safe_dump(tags, allow_unicode=True), encoding="utf-8")
    (directory / "lines.yml").write_text(yaml.safe_dump({"lines": entries}, allow_unicode=True), encoding="utf-8")
    return directory


def test_a_valid_minimal_corpus_loads(tmp_path: Path) -> None:
    corpus = load_corpus(write_corpus(tmp_path / "c", [VALID_ENTRY]))
    assert corpus.act_of("utter_probe_reason") == "agent_probe"
    assert corpus.act_of("action_x") == INTERNAL_ACT


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"act": "agent_praise"}, "not an agent act"),
        ({"act": "internal"}, "spoken lines are never internal"),
        ({"act": "agent_overpromise"}, "forbidden act"),
        ({"step": "寒暄"}, "step"),
        ({"reason": "reason_weather"}, "not a reason_* intent"),
        ({"need": "urgent"}, "need 'urgent'"),
        ({"variants": ["一", "", "三"]}, "variant 2 is empty"),
        ({"variants": ["一", "二"]}, "3 to 5 lines"),
        ({"variants": ["一", "二", "三", "四", "五", "六"]}, "3 to 5 lines"),
        ({"variants": ["一", "一", "三"]}, "identical"),
        ({"variants": ["{ticket_due", "二", "三"]}, "broken braces"),
        ({"response": "probe_reason"}, "`response` must be a name"),
        ({"uttered_by": "action_missing"}, "not an action in actions.yml"),
        ({"fills": ["offer_name"]}, "`fills` needs `uttered_by`"),
        ({"tone": "warm"}, "unknown key 'tone'"),
        ({"when": {"customer_found": True}}, "needs one entry with reason and need `any`"),
    ],
)
def test_invalid_entries_are_reported_with_their_place(tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(CorpusError) as error:
        load_corpus(write_corpus(tmp_path / "c", [{**VALID_ENTRY, **change}]))
    assert message in str(error.value)
    assert "lines.yml entry 1" in str(error.value)


def test_entries_of_one_response_must_agree_and_differ(tmp_path: Path) -> None:
    other_act = {**VALID_ENTRY, "act": "agent_empathize", "need": "emotional"}
    with pytest.raises(CorpusError, match="disagree on act"):
        load_corpus(write_corpus(tmp_path / "a", [VALID_ENTRY, other_act]))
    with pytest.raises(CorpusError, match="same reason, need and `when`"):
        load_corpus(write_corpus(tmp_path / "b", [VALID_ENTRY, dict(VALID_ENTRY)]))


def test_action_tags_must_be_acts(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="action_x: act 'agent_argue'"):
        load_corpus(write_corpus(tmp_path / "c", [VALID_ENTRY], {"custom_actions": {"action_x": "agent_argue"}}))


def test_placeholders_must_be_slots_or_filled_by_the_action(tmp_path: Path) -> None:
    entry = {**VALID_ENTRY, "variants": ["{customer_name}您好", "{mood}您好", "您好"]}
    corpus = load_corpus(write_corpus(tmp_path / "c", [entry]))
    with pytest.raises(CorpusError, match=r"placeholders \['mood'\] are neither slots nor in `fills`"):
        build_domain_text(corpus)


def test_conditions_must_use_template_slot_values(tmp_path: Path) -> None:
    conditional = {**VALID_ENTRY, "when": {"churn_band": "极高"}}
    corpus = load_corpus(write_corpus(tmp_path / "c", [VALID_ENTRY, conditional]))
    with pytest.raises(CorpusError, match="not a value of the categorical slot 'churn_band'"):
        build_domain_text(corpus)


# --- the generated domain ------------------------------------------------------------------------------------


def test_domain_yml_is_up_to_date(corpus: ScriptCorpus) -> None:
    assert domain_is_current(corpus, DOMAIN_FILE), "run `retention-bot corpus build`"


def test_a_changed_line_makes_the_domain_out_of_date_until_rebuilt(tmp_path: Path) -> None:
    copy = tmp_path / "scripts_corpus"
    shutil.copytree(CORPUS_DIR, copy)
    domain = tmp_path / "domain.yml"
    shutil.copy(DOMAIN_FILE, domain)
    probing = copy / "probing.yml"
    probing.write_text(probing.read_text(encoding="utf-8").replace("您的意见对我们很重要", "您的意见我们很看重"),
                       encoding="utf-8")
    changed = load_corpus(copy)
    assert not domain_is_current(changed, domain)
    assert write_domain(changed, domain)
    assert domain_is_current(changed, domain)
    assert "您的意见我们很看重" in domain.read_text(encoding="utf-8")


def test_every_domain_response_comes_from_the_corpus(corpus: ScriptCorpus) -> None:
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    assert set(domain["responses"]) == set(corpus.response_names())
    for name, variations in domain["responses"].items():
        corpus_texts = {text for entry in corpus.entries_of(name) for text in entry.variants}
        assert {v["text"] for v in variations} == corpus_texts


def test_every_action_and_response_of_the_domain_has_an_act() -> None:
    from rasa.shared.core.constants import RULE_SNIPPET_ACTION_NAME
    from rasa.shared.core.domain import Domain

    from bot.corpus import act_of

    domain = Domain.load(str(DOMAIN_FILE))
    valid = {*agent_acts(), INTERNAL_ACT}
    for name in domain.action_names_or_texts:
        if name != RULE_SNIPPET_ACTION_NAME:
            assert act_of(name) in valid, name


def test_rasa_fills_reason_specific_lines_and_action_values() -> None:
    """The conditional variations and placeholders work in Rasa's own response generator."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain

    nlg = TemplatedNaturalLanguageGenerator(Domain.load(str(DOMAIN_FILE)).responses)
    billing = {
        text.format(ticket_id="T42", ticket_due="明天18:00前")
        for entry in load_corpus(CORPUS_DIR).entries_of("utter_commit_ticket")
        if entry.reason == "reason_billing_error"
        for text in entry.variants
    }
    for _ in range(10):
        message = nlg.generate_from_slots(
            "utter_commit_ticket", {"leave_reason": "reason_billing_error"}, "rest",
            ticket_id="T42", ticket_due="明天18:00前",
        )  # fmt: skip
        assert message["text"] in billing
    greeting = nlg.generate_from_slots("utter_close_fail", {"customer_found": True, "customer_name": "王先生"}, "rest")
    assert "王先生" in greeting["text"]


# --- lookups for practice mode -------------------------------------------------------------------------------


def test_act_of_responses_actions_and_unknown_names() -> None:
    from bot.corpus import act_of

    assert act_of("utter_probe_deeper") == "agent_probe"
    assert act_of("utter_empathize_billing_error") == "agent_empathize"
    assert act_of("action_retain_number") == "agent_retain_number"
    assert act_of("action_record_outcome") == INTERNAL_ACT
    assert act_of("phone_form") == "agent_greet"
    assert act_of("action_listen") == INTERNAL_ACT
    with pytest.raises(KeyError, match="utter_nothing"):
        act_of("utter_nothing")


def test_lines_for_prefers_the_reason_and_need_and_leaves_out_other_reasons() -> None:
    from bot.corpus import lines_for

    empathy = lines_for("agent_empathize", reason="reason_network_quality", need="emotional")
    assert empathy and all(line.reason in ("reason_network_quality", "any") for line in empathy)
    assert empathy[0].response == "utter_empathize_network_quality"
    assert all(line.need in ("emotional", "any") for line in empathy)

    commits = lines_for("agent_commit", reason="reason_billing_error")
    assert commits[0].reason == "reason_billing_error" and commits[0].response == "utter_commit_ticket"
    assert {line.reason for line in commits} == {"reason_billing_error", "any"}
    assert "utter_service_error" not in {line.response for line in lines_for("agent_commit")}  # apology only

    every_probe = lines_for("agent_probe")
    assert every_probe[0].when == {} and {line.response for line in every_probe} >= {"utter_probe_reason"}


def test_lines_of_an_action_are_the_lines_it_says() -> None:
    from bot.corpus import lines_of

    ticket_lines = lines_of("action_create_ticket", reason="reason_network_quality")
    assert {line.response for line in ticket_lines} == {"utter_commit_ticket"}
    assert ticket_lines[0].reason == "reason_network_quality"
    assert {line.response for line in lines_of("action_propose_offer")} == {"utter_propose_offer", "utter_compare_cost"}
    assert lines_of("action_register_reason") == []


# --- CLI and test-story coverage -----------------------------------------------------------------------------


def test_cli_check_passes_on_the_project(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["corpus", "check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_cli_lines_rejects_an_unknown_act(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["corpus", "lines", "agent_flatter"]) == 2
    assert "unknown act 'agent_flatter'" in capsys.readouterr().err


def test_test_stories_cover_every_reason_and_need_retained_and_lost() -> None:
    covered: set[tuple[str, str, str]] = set()
    for file in TEST_STORIES_DIR.glob("test_*.yml"):
        for story in yaml.safe_load(file.read_text(encoding="utf-8"))["stories"]:
            actions = [step["action"] for step in story["steps"] if "action" in step]
            slots = {k: v for step in story["steps"] for item in step.get("slot_was_set", []) for k, v in item.items()}
            closes = {"utter_close_success": "retained", "utter_close_fail": "lost"}
            outcome = next((closes[action] for action in actions if action in closes), "")
            if slots.get("leave_reason") and outcome:
                covered.add((slots["leave_reason"], slots["customer_need"], outcome))
    expected = {(r, n, o) for r in reason_intents() for n in ("emotional", "rational") for o in ("retained", "lost")}
    assert expected <= covered, sorted(expected - covered)


def test_a_failure_line_is_the_actions_to_say_but_never_their_model_answer(tmp_path: Path) -> None:
    """`said_on_failure_by`: validated like `uttered_by`, expected outside stories, left out of `lines_of`."""
    from bot.corpus.validation import expected_warnings

    tags = {"custom_actions": {"action_x": "agent_commit"}, "forms": {}}
    failure = {**VALID_ENTRY, "response": "utter_service_error", "said_on_failure_by": ["action_x"]}
    corpus = load_corpus(write_corpus(tmp_path / "ok", [failure], tags))
    assert corpus.lines_of("action_x") == []
    assert expected_warnings(corpus) == {"The utterance 'utter_service_error' is not used in any story or rule."}
    with pytest.raises(CorpusError, match="said_on_failure_by 'action_y' is not an action"):
        load_corpus(write_corpus(tmp_path / "bad", [{**failure, "said_on_failure_by": ["action_y"]}], tags))


def test_the_documented_example_entry_is_valid(tmp_path: Path) -> None:
    """docs/SCRIPTS_CORPUS.md shows an entry file the loader accepts, so the docs cannot drift from the schema."""
    doc = (ROOT / "docs" / "SCRIPTS_CORPUS.md").read_text(encoding="utf-8")
    example = yaml.safe_load(doc.split("```yaml\n", 1)[1].split("```", 1)[0])
    tags = {"custom_actions": {"action_create_ticket": "agent_commit"}}
    assert load_corpus(write_corpus(tmp_path / "c", example["lines"], tags)).response_names()


def test_strict_validation_fails_on_warnings_except_action_uttered_responses(corpus: ScriptCorpus) -> None:
    """`corpus validate` = rasa data validate --fail-on-warnings minus what `uttered_by` explains."""
    from bot.corpus.validation import expected_warnings, rasa_validation_problems

    assert "The utterance 'utter_commit_ticket' is not used in any story or rule." in expected_warnings(corpus)
    assert not any("utter_greet'" in warning for warning in expected_warnings(corpus))
    # The tiny NLU set lacks most intents: those warnings must fail, the explained ones must not appear.
    tiny_nlu = ROOT / "tests" / "data" / "nlu_tiny" / "nlu.yml"
    problems = rasa_validation_problems(
        corpus, domain=DOMAIN_FILE, config=ROOT / "config.yml", data=[tiny_nlu, ROOT / "stories"]
    )
    assert "The intent 'reason_billing_error' is listed in the domain file, but is not found in the NLU " \
        "training data." in problems
    assert not any("is not used in any story or rule" in problem for problem in problems)
