"""The compiled-schema check of action results accepts and refuses exactly what Rasa's own check does."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.dialogue.action_result_validation import validate_action_result

VALID = {"events": [{"event": "slot", "name": "flow", "value": {"replies": 1}}], "responses": [{"text": "您好"}]}
INVALID = [{"events": "not a list"}, {"events": [{"name": "x"}]}, {"responses": "你好"}]


def _rasa_verdict(result: dict) -> str | None:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError as error:
        return error.message
    return None


def test_a_valid_result_passes_like_rasa() -> None:
    assert _rasa_verdict(VALID) is None
    assert validate_action_result(RemoteAction("action_x", None), VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_result_fails_with_rasas_error_and_hint(result: dict) -> None:
    expected = _rasa_verdict(result)
    assert expected is not None
    with pytest.raises(jsonschema.ValidationError) as raised:
        validate_action_result(RemoteAction("action_x", None), result)
    assert raised.value.message.startswith(expected) and "custom-actions" in raised.value.message
