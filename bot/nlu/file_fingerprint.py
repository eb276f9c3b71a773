"""The content hash of a data file that a component reads at training time, for Rasa's training cache.

Rasa fingerprints a component by its source, config and inputs, not by the files its config names: without this,
an edited gazetteer or cue lexicon would come back from the cache as the old one (`fingerprint_addon`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_fingerprint(path: Path) -> str | None:
    """SHA-256 of the file's bytes, or None when there is no such file (the component then fails on create)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
