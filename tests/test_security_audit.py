"""`make audit` (bandit over bot/ and actions/): every silenced finding names its test and says why.

A bare `# nosec` silences every check on its line, today's and those of a later bandit; so each one must read
`# nosec B101 - <why it is safe here>`, and bandit must know the id.
"""

from __future__ import annotations

import re

import pytest

from bot.config import PROJECT_ROOT

NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)$")
JUSTIFIED = re.compile(r"^ (?P<ids>B\d{3}(?:, ?B\d{3})*) - \S.{9,}$")  # ids, then a reason of 10+ characters


def _nosec_lines() -> list[tuple[str, int, str]]:
    found = []
    for folder in ("bot", "actions"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                match = NOSEC.search(line)
                if match:
                    found.append((f"{path.relative_to(PROJECT_ROOT)}:{number}", number, match["rest"]))
    return found


def _known_ids() -> set[str]:
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    return {plugin.plugin._test_id for plugin in manager.plugins} | set(manager.blacklist_by_id)


def test_every_nosec_names_known_checks_and_says_why() -> None:
    known = _known_ids()
    bad = []
    for where, _, rest in _nosec_lines():
        match = JUSTIFIED.match(rest)
        if not match or not set(re.findall(r"B\d{3}", match["ids"])) <= known:
            bad.append(f"{where}: `# nosec{rest}`")
    assert not bad, "write `# nosec BXXX - why`:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("comment", "ok"),
    [
        (" B311 - reproducible synthetic demo data", True),
        (" B101, B105 - narrows the type only here", True),
        ("", False),
        (" B311", False),
        (" - because", False),
        (" B311 - ok", False),
    ],
)
def test_the_rule(comment: str, ok: bool) -> None:
    assert bool(JUSTIFIED.match(comment)) is ok
