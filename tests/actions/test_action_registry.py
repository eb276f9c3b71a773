"""The action package and the domain agree: every custom action of the contract exists, and nothing else."""

from __future__ import annotations

from action_testing import DOMAIN
from rasa_sdk.executor import ActionExecutor


def test_the_actions_package_registers_exactly_the_domain_custom_actions() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    # rasa_sdk registers every Action subclass in the process; other test packages may have defined some.
    ours = {name for name, run in executor.actions.items() if type(run.__self__).__module__.startswith("actions.")}
    assert ours == set(DOMAIN["actions"]) == {"action_retention_turn"}
