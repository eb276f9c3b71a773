"""All configuration in one place.

Everything that differs between a laptop demo and a scaled deployment comes from environment variables with a
safe default, so `make run` works on a bare machine and production only sets variables (secrets never live in
the repository).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _path_env(name: str, default: Path) -> Path:
    return Path(_env(name, str(default))).expanduser().resolve()


@dataclass(frozen=True)
class Settings:
    """Runtime settings, read once per process from the environment."""

    project_root: Path = PROJECT_ROOT
    var_dir: Path = field(default_factory=lambda: _path_env("RETENTION_VAR_DIR", PROJECT_ROOT / "var"))
    models_dir: Path = field(default_factory=lambda: _path_env("RETENTION_MODELS_DIR", PROJECT_ROOT / "models"))
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL", "").strip())
    tracker_store_url: str = field(default_factory=lambda: _env("TRACKER_STORE_URL", ""))
    lock_store_url: str = field(default_factory=lambda: _env("LOCK_STORE_URL", ""))
    # Custom actions run in-process from this package unless an external action server is named.
    action_endpoint_url: str = field(default_factory=lambda: _env("ACTION_ENDPOINT_URL", ""))
    actions_package: str = field(default_factory=lambda: _env("ACTIONS_PACKAGE", "actions"))
    wechat_token: str = field(default_factory=lambda: _env("WECHAT_TOKEN", ""))
    wechat_appid: str = field(default_factory=lambda: _env("WECHAT_APPID", ""))
    wechat_aes_key: str = field(default_factory=lambda: _env("WECHAT_AES_KEY", ""))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO").upper())

    # Training inputs: the fingerprint of these decides whether `train` has work to do.
    @property
    def config_file(self) -> Path:
        return self.project_root / "config.yml"

    @property
    def domain_file(self) -> Path:
        return self.project_root / "domain.yml"

    @property
    def nlu_data_dir(self) -> Path:
        return self.project_root / "nlu_data"

    @property
    def stories_dir(self) -> Path:
        return self.project_root / "stories"

    @property
    def scripts_corpus_dir(self) -> Path:
        return self.project_root / "scripts_corpus"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'retention.db'}"


def get_settings() -> Settings:
    """A fresh read of the environment; cheap, and lets tests set variables per test."""
    return Settings()
