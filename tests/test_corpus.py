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

# The dialogue contract: the responses bot/flow/decide.py says (a missing one would fail at run time).
CONTRACT_RESPONSES = {
    "utter_greet", "utter_probe_reason", "utter_probe_deeper", "utter_probe_other_reason", "utter_probe_detail",
    "utter_commit_ticket", "utter_ticket_status", "utter_ticket_escalated", "utter_propose_offer",
    "utter_compare_cost", "utter_compare_competitor", "utter_confirm_enrolment", "utter_not_enrolled",
    "utter_retain_number", "utter_retain_number_advice", "utter_offer_accepted", "utter_close_success",
    "utter_close_fail", "utter_handoff", "utter_handoff_unidentified", "utter_callback_contact",
    "utter_close_unidentified", "utter_no_more_asking", "utter_question_noted", "utter_ask_phone", "utter_ask_phone_again",
    "utter_invalid_phone", "utter_bot_challenge", "utter_out_of_scope", "utter_default", "utter_ask_rephrase",
    "utter_goodbye", "utter_thank", "utter_offer_details", "utter_offer_fact", "utter_need_to_verify",
    "utter_how_to_leave_port", "utter_how_to_leave_cancel", "utter_how_to_leave_broadband",
}  # fmt: skip
CONTRACT_ACTIONS = {"action_retention_turn": INTERNAL_ACT}
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
            # The due time is said as 「12月3日 18:00前」 (bot/flow/promises.py): a 前 after it reads 「前前」.
            assert "{ticket_due}前" not in text, f"{entry.source}: {text!r} says 前 twice"


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
    entry = {**VALID_ENTRY, "variants": ["{mood}您好", "您好呀", "您好"]}
    corpus = load_corpus(write_corpus(tmp_path / "c", [entry]))
    with pytest.raises(CorpusError, match=r"placeholders \['mood'\] are neither slots nor in `fills`"):
        build_domain_text(corpus)


def test_conditions_must_be_ones_the_flow_knows(tmp_path: Path) -> None:
    conditional = {**VALID_ENTRY, "when": {"churn_band": "高"}}
    corpus = load_corpus(write_corpus(tmp_path / "c", [VALID_ENTRY, conditional]))
    with pytest.raises(CorpusError, match=r"`when` on \['churn_band'\]"):
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


def test_the_flow_says_reason_specific_lines_with_every_value_filled() -> None:
    """The renderer picks the reason's own variant (never another reason's) and fills the placeholders."""
    from bot.corpus import default_corpus
    from bot.flow.decide import Decision
    from bot.flow.render import render
    from bot.flow.state import FlowState, TicketPromise

    corpus = load_corpus(CORPUS_DIR)
    billing = {
        text.format(ticket_id="42", ticket_due="12月7日 18:00前")
        for entry in corpus.entries_of("utter_commit_ticket")
        if entry.reason == "reason_billing_error"
        for text in entry.variants
    }
    state = FlowState(reason="reason_billing_error", need="rational",
                      tickets={"billing_check": TicketPromise(id="42", due="12月7日 18:00前")})
    for seed in range(4):
        decision = Decision(state.copy(deep=True))
        decision.say("utter_commit_ticket", ticket="billing_check")
        decision.say("utter_close_fail")
        rendered = render(decision, default_corpus(), None, seed=seed)
        assert rendered[0].text in billing
        assert "{" not in rendered[1].text


# --- lookups for practice mode -------------------------------------------------------------------------------


def test_act_of_responses_actions_and_unknown_names() -> None:
    from bot.corpus import act_of

    assert act_of("utter_probe_deeper") == "agent_probe"
    assert act_of("utter_empathize_billing_error") == "agent_empathize"
    assert act_of("utter_confirm_enrolment") == "agent_commit"
    assert act_of("action_retention_turn") == INTERNAL_ACT
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


def test_lines_of_the_turn_action_are_the_lines_with_values_it_fills() -> None:
    from bot.corpus import lines_of

    ticket_lines = {line.response for line in lines_of("action_retention_turn", reason="reason_network_quality")}
    assert {"utter_commit_ticket", "utter_propose_offer", "utter_confirm_enrolment"} <= ticket_lines
    assert "utter_service_error" in {line.response for line in lines_of("utter_service_error")}


# --- CLI and test-story coverage -----------------------------------------------------------------------------


def test_cli_check_passes_on_the_project(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["corpus", "check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_cli_lines_rejects_an_unknown_act(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["corpus", "lines", "agent_flatter"]) == 2
    assert "unknown act 'agent_flatter'" in capsys.readouterr().err


def test_generated_rules_route_every_intent_and_test_stories_cover_every_reason() -> None:
    from bot.corpus.rules_builder import TURN_ACTION, stale_project_files

    assert stale_project_files(ROOT) == [], "run `retention-bot corpus build`"
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    rules = yaml.safe_load((ROOT / "stories" / "turns.yml").read_text(encoding="utf-8"))["rules"]
    routed = {rule["steps"][0]["intent"] for rule in rules if rule["steps"][1] == {"action": TURN_ACTION}}
    assert routed == {*domain["intents"], "nlu_fallback"}
    stories = yaml.safe_load((TEST_STORIES_DIR / "test_turns.yml").read_text(encoding="utf-8"))["stories"]
    assert {story["steps"][0]["intent"] for story in stories} == set(reason_intents())


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
    assert len(expected_warnings(corpus)) == len(corpus.response_names())  # the turn action says every line
    # The tiny NLU set lacks most intents: those warnings must fail, the explained ones must not appear.
    tiny_nlu = ROOT / "tests" / "data" / "nlu_tiny" / "nlu.yml"
    problems = rasa_validation_problems(
        corpus, domain=DOMAIN_FILE, config=ROOT / "config.yml", data=[tiny_nlu, ROOT / "stories"]
    )
    assert "The intent 'reason_billing_error' is listed in the domain file, but is not found in the NLU " \
        "training data." in problems
    assert not any("is not used in any story or rule" in problem for problem in problems)
