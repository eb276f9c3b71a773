"""Which churn model is in use: the ChurnModelVersion rows, the files under models/churn/, and a load cache.

A model file is loaded once per process (keyed by path and modification time) and kept: a single score then
costs a database lookup and one small prediction, not an unpickling.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.churn.errors import ChurnError
from bot.churn.model import ChurnModel
from bot.config import get_settings
from bot.db.models import ChurnModelVersion

logger = logging.getLogger(__name__)
MODELS_SUBDIR = "churn"


def artifact_location(version: str) -> tuple[str, Path]:
    """The path stored in the database (relative to the models directory, so the directory can move) and the
    absolute path."""
    relative = f"{MODELS_SUBDIR}/{version}.joblib"
    return relative, get_settings().models_dir / relative


def active_version(session: Session) -> ChurnModelVersion | None:
    return session.execute(select(ChurnModelVersion).where(ChurnModelVersion.is_active.is_(True))).scalar_one_or_none()


def version_named(session: Session, version: str) -> ChurnModelVersion | None:
    return session.execute(select(ChurnModelVersion).where(ChurnModelVersion.version == version)).scalar_one_or_none()


def version_with_fingerprint(session: Session, fingerprint: str) -> ChurnModelVersion | None:
    return (
        session.execute(
            select(ChurnModelVersion)
            .where(ChurnModelVersion.data_fingerprint == fingerprint)
            .order_by(ChurnModelVersion.created_at.desc())
        )
        .scalars()
        .first()
    )


def roc_auc_of(row: ChurnModelVersion) -> float:
    return float(row.metrics["model"]["roc_auc"])


@dataclass(frozen=True)
class Registration:
    activated: bool
    previous: ChurnModelVersion | None  # the model that was active before


def register(session: Session, model: ChurnModel, stored_path: str, force: bool) -> Registration:
    """Record a saved model; activate it unless the active one has a higher ROC-AUC (then only with force)."""
    previous = active_version(session)
    activate = previous is None or force or model.metrics["model"]["roc_auc"] >= roc_auc_of(previous)
    if activate and previous is not None:
        previous.is_active = False
        session.flush()  # the partial unique index allows one active row at any moment
    session.add(
        ChurnModelVersion(
            version=model.version,
            created_at=model.created_at,
            data_fingerprint=model.data_fingerprint,
            metrics=model.metrics,
            path=stored_path,
            is_active=activate,
        )
    )
    session.flush()
    return Registration(activated=activate, previous=previous)


@dataclass(frozen=True)
class LoadedModel:
    version_id: int
    version: str
    model: ChurnModel


@lru_cache(maxsize=4)
def _load(path: str, modified_ns: int) -> ChurnModel:
    model = ChurnModel.load(Path(path))
    model.assess(model.reference.reshape(1, -1))  # builds the explanation caches before the first real score
    logger.info("loaded churn model %s from %s", model.version, path)
    return model


def load_active(session: Session) -> LoadedModel | None:
    """The active model, or None when none was ever activated; ChurnError when its file is gone."""
    row = session.execute(
        select(ChurnModelVersion.id, ChurnModelVersion.version, ChurnModelVersion.path).where(
            ChurnModelVersion.is_active.is_(True)
        )
    ).first()
    if row is None:
        return None
    path = get_settings().models_dir / row.path
    try:
        modified_ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise ChurnError(f"启用中的流失模型 {row.version} 的文件不存在：{path}") from None
    return LoadedModel(row.id, row.version, _load(str(path), modified_ns))
