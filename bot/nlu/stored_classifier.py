"""A scikit-learn classifier and its metadata inside a Rasa model: skops (no pickle) plus a JSON file.

The model archive may come from elsewhere (a shared models directory), so loading refuses any type skops does
not trust instead of executing it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def save_classifier(directory: Path, name: str, classifier: Any, metadata: dict[str, Any]) -> None:
    import skops.io as sio

    sio.dump(classifier, directory / f"{name}.skops")
    (directory / f"{name}.json").write_text(json.dumps(metadata), encoding="utf-8")


def load_classifier(directory: Path, name: str) -> tuple[Any, dict[str, Any]]:
    """The classifier and its metadata; ValueError when missing or holding untrusted types."""
    import skops.io as sio

    model_file = directory / f"{name}.skops"
    if not model_file.exists():
        raise ValueError(f"{model_file.name} is not in the model")
    untrusted = sio.get_untrusted_types(file=model_file)
    if untrusted:
        raise ValueError(f"untrusted types in {model_file.name}: {untrusted}")
    metadata = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    return sio.load(model_file, trusted=False), metadata
