"""The corrections export round-trips through the real `rasa data validate` (the venv's `rasa` command, not its
Python API): corrections are exported with `retention-bot export-training` into a copy of the project's training
data, and Rasa's own validator accepts that copy with the exported files and a conversation exported as a test
story. A control run on a broken corrections file fails, so the validator does check such a file.

Plain `rasa data validate` (not `--fail-on-warnings`): the shipped project already warns about responses that
only the custom action says, which no story names. Errors (a YAML schema error, an action or intent the domain
lacks, conflicting stories) fail it; so does a warning about the exported examples, which the test looks for.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 - runs the venv's own rasa command on files the test wrote
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.config import get_settings
from tests.desk_testing import DeskData, accounts_url, cheap_hashing, client, csrf, desk, nlu_copy  # noqa: F401
from tests.desk_testing import signed_in

RASA = Path(sys.executable).with_name("rasa")
VALIDATE_TIMEOUT = 120


def _validate(project: Path, *data: str) -> subprocess.CompletedProcess[str]:
    command = [str(RASA), "data", "validate", "--domain", "domain.yml", "--config", "config.yml", "--data", *data]
    return subprocess.run(  # nosec B603 - a fixed command of the venv
        command, cwd=project, capture_output=True, text=True, timeout=VALIDATE_TIMEOUT, check=False
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the YAML is the same from either backend
def test_exported_corrections_and_story_pass_rasa_data_validate(
    client: TestClient, desk: DeskData, nlu_copy: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    from bot.cli.main import main

    project = nlu_copy.parent
    settings = get_settings()
    shutil.copytree(settings.stories_dir, project / "stories")
    shutil.copy(settings.domain_file, project / "domain.yml")
    shutil.copy(settings.config_file, project / "config.yml")

    signed_in(client, "sup")
    headers = csrf(client)
    for turn, field, value in [(desk.customer_turn, "intent", "reason_competitor_offer"),
                               (desk.customer_turn, "need", "emotional"), (desk.trainee_turn, "act", "agent_probe")]:
        answer = client.post(f"/api/desk/turns/{turn}/corrections", json={"field": field, "value": value},
                             headers=headers)
        assert answer.status_code == 201, answer.text
    assert main(["export-training"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["customer: 1 corrected examples", "agent: 1 corrected examples"]
    story = client.get(f"/api/desk/conversations/{desk.customer_conversation}/story")
    assert story.status_code == 200 and "reason_competitor_offer" in story.text  # the corrected intent
    (project / "tests").mkdir()
    (project / "tests" / "test_conversation.yml").write_text(story.text, encoding="utf-8")

    data = ("nlu_data/customer", "nlu_data/agent", "stories", "tests/test_conversation.yml")
    result = _validate(project, *data)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    exported = ["太贵了，我的号码13812341234", "您好，这边给您推荐一个套餐"]
    warnings = [line for line in (result.stdout + result.stderr).splitlines() if "Warning" in line]
    assert not [line for line in warnings if any(text in line for text in exported)]

    # the control: the same command fails on a corrections file that is not valid Rasa YAML (alone: loading the
    # whole data again costs 20 s)
    corrections = nlu_copy / "customer" / "corrections.yml"
    corrections.write_text(corrections.read_text(encoding="utf-8") + "  - intent: [broken\n", encoding="utf-8")
    assert _validate(project, "nlu_data/customer/corrections.yml").returncode != 0
