"""Checks the installed environment against the lock and against what packages declare.

Rasa 3.6 declares Python <3.11, so its environment is installed with `pip install --no-deps` from
requirements.lock and pip never checks that the pins agree. This check does, and fails on every conflict that
is not in the short allow-list below, each entry with the reason it is safe.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bot.config import PROJECT_ROOT

# (dependent, dependency) -> why the mismatch is accepted.
ALLOWED_CONFLICTS: dict[tuple[str, str], str] = {
    # Rasa pins matplotlib<3.6, which has no CPython 3.11 wheel; Rasa only uses it to plot evaluation charts,
    # and 3.7.5 keeps the pyplot API it calls.
    ("rasa", "matplotlib"): "no Python 3.11 wheel below 3.6; only used for plots",
}


def installed_versions() -> dict[str, str]:
    return {canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def lock_pins(lock_file: Path) -> dict[str, str]:
    pins = {}
    for line in lock_file.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    return pins


def declared_conflicts(installed: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(dependent, dependency, declared specifier, installed version or 'missing') for every unmet requirement."""
    conflicts = []
    for dist in metadata.distributions():
        dependent = canonicalize_name(dist.metadata["Name"])
        for raw in dist.requires or []:
            try:
                requirement = Requirement(raw)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            dependency = canonicalize_name(requirement.name)
            version = installed.get(dependency)
            if version is None:
                conflicts.append((dependent, dependency, str(requirement.specifier) or "any", "missing"))
                continue
            try:
                ok = requirement.specifier.contains(Version(version), prereleases=True)
            except InvalidVersion:
                ok = False
            if not ok:
                conflicts.append((dependent, dependency, str(requirement.specifier), version))
    return sorted(set(conflicts))


def main() -> int:
    installed = installed_versions()
    failures = []
    for name, version in sorted(lock_pins(PROJECT_ROOT / "requirements.lock").items()):
        if installed.get(name) != version:
            failures.append(f"{name}: requirements.lock pins {version}, installed {installed.get(name, 'nothing')}")
    for dependent, dependency, wanted, found in declared_conflicts(installed):
        reason = ALLOWED_CONFLICTS.get((dependent, dependency))
        line = f"{dependent} requires {dependency}{wanted}, installed {found}"
        if reason:
            print(f"allowed: {line} ({reason})")
        else:
            failures.append(line)
    for failure in failures:
        print(f"CONFLICT: {failure}", file=sys.stderr)
    print(f"dependency check: {len(installed)} packages, {len(failures)} conflicts")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
