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
SMS_SENDERS = frozenset({"development", "http"})


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _path_env(name: str, default: Path) -> Path:
    return Path(_env(name, str(default))).expanduser().resolve()


def _int_env(name: str, default: int, minimum: int = 1) -> int:
    """A whole number; a typo fails loudly here rather than turning a lock-out or a session length off."""
    text = _env(name, str(default))
    if not (text.isascii() and text.isdigit()) or int(text) < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {text!r}")
    return int(text)


def _choice_env(name: str, default: str, choices: frozenset[str]) -> str:
    text = _env(name, default).lower()
    if text not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {text!r}")
    return text


def _bool_env(name: str, default: bool) -> bool:
    text = _env(name, "true" if default else "false").lower()
    if text not in {"true", "false", "1", "0", "yes", "no"}:
        raise ValueError(f"{name} must be true or false, got {text!r}")
    return text in {"true", "1", "yes"}


@dataclass(frozen=True)
class Settings:
    """Runtime settings, read once per process from the environment."""

    project_root: Path = PROJECT_ROOT
    var_dir: Path = field(default_factory=lambda: _path_env("RETENTION_VAR_DIR", PROJECT_ROOT / "var"))
    models_dir: Path = field(default_factory=lambda: _path_env("RETENTION_MODELS_DIR", PROJECT_ROOT / "models"))
    # URLs may carry a password: never in a repr (a logged Settings, a traceback's locals).
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL", "").strip(), repr=False)
    tracker_store_url: str = field(default_factory=lambda: _env("TRACKER_STORE_URL", ""), repr=False)
    lock_store_url: str = field(default_factory=lambda: _env("LOCK_STORE_URL", ""), repr=False)
    # Processes that hold customer conversations (bot/dialogue/workers.py): 1 runs the dialogue in the app process;
    # N > 1 starts N worker processes, senders spread over them, so one instance uses N cores (docs/DEPLOY.md).
    dialogue_workers: int = field(default_factory=lambda: _int_env("DIALOGUE_WORKERS", 1))
    # Custom actions run in-process from this package unless an external action server is named.
    action_endpoint_url: str = field(default_factory=lambda: _env("ACTION_ENDPOINT_URL", ""))
    actions_package: str = field(default_factory=lambda: _env("ACTIONS_PACKAGE", "actions"))
    wechat_token: str = field(default_factory=lambda: _env("WECHAT_TOKEN", ""), repr=False)
    wechat_appid: str = field(default_factory=lambda: _env("WECHAT_APPID", ""))
    wechat_aes_key: str = field(default_factory=lambda: _env("WECHAT_AES_KEY", ""), repr=False)
    # How far a WeChat request's timestamp may be from our clock; a signature (and its nonce) older than this
    # is refused, so a leaked one cannot be replayed later (docs/CHANNELS.md).
    wechat_timestamp_window_seconds: int = field(
        default_factory=lambda: _int_env("WECHAT_TIMESTAMP_WINDOW_SECONDS", 300)
    )
    # Every request body is capped (413): the largest legitimate one, a 2,000-character REST message with its
    # 8 KB of metadata, is about 30 KB as escaped JSON; a WeChat message is a few hundred bytes.
    max_request_bytes: int = field(default_factory=lambda: _int_env("MAX_REQUEST_BYTES", 64 * 1024))
    # /docs, /redoc and /openapi.json describe every route to whoever asks: off unless a deployment wants them.
    api_docs: bool = field(default_factory=lambda: _bool_env("API_DOCS", False))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "INFO").upper())
    # Accounts (docs/ACCOUNTS.md). Empty SESSION_SECRET: one is generated once under var_dir (demo machines).
    session_secret: str = field(default_factory=lambda: _env("SESSION_SECRET", ""), repr=False)
    # Secure cookies need https; the demo runs on plain http, so a deployment behind TLS turns this on.
    session_cookie_secure: bool = field(default_factory=lambda: _bool_env("SESSION_COOKIE_SECURE", False))
    session_hours: int = field(default_factory=lambda: _int_env("SESSION_HOURS", 8))  # one working shift
    login_max_failures: int = field(default_factory=lambda: _int_env("LOGIN_MAX_FAILURES", 5))
    login_lockout_minutes: int = field(default_factory=lambda: _int_env("LOGIN_LOCKOUT_MINUTES", 15))
    password_min_length: int = field(default_factory=lambda: _int_env("PASSWORD_MIN_LENGTH", 10))
    # Supervisor desk: a customer turn read with less confidence than this is worth a supervisor's look (the
    # FallbackClassifier threshold of config.yml, 0.3, is lower: those turns count as fallbacks as well).
    desk_low_confidence: float = field(default_factory=lambda: float(_env("DESK_LOW_CONFIDENCE", "0.5")))

    # Verified identity (docs/CHANNELS.md). The operator's logged-in site signs `metadata.phone` with this secret
    # (HMAC-SHA256 of "phone|expires"); empty: no signature is trusted, every number is verified by SMS code.
    channel_identity_secret: str = field(default_factory=lambda: _env("CHANNEL_IDENTITY_SECRET", ""), repr=False)
    # A signature whose expiry lies further ahead than this is not trusted (the site signs for minutes).
    channel_identity_max_lifetime_seconds: int = field(
        default_factory=lambda: _int_env("CHANNEL_IDENTITY_MAX_LIFETIME_SECONDS", 24 * 3600)
    )
    # Who sends the one-time codes: "development" records them in the app database (`retention-bot sms last`),
    # "http" posts them to the operator's SMS gateway.
    sms_sender: str = field(default_factory=lambda: _choice_env("SMS_SENDER", "development", SMS_SENDERS))
    sms_gateway_url: str = field(default_factory=lambda: _env("SMS_GATEWAY_URL", ""))
    sms_gateway_token: str = field(default_factory=lambda: _env("SMS_GATEWAY_TOKEN", ""), repr=False)
    # A code is good for a few minutes and a few tries: 5 tries of 10^6 codes is a 1-in-200,000 guess.
    sms_code_ttl_seconds: int = field(default_factory=lambda: _int_env("SMS_CODE_TTL_SECONDS", 300))
    sms_code_max_attempts: int = field(default_factory=lambda: _int_env("SMS_CODE_MAX_ATTEMPTS", 5))
    # Rate limits: nobody floods a customer's phone, and one sender cannot try number after number.
    sms_resend_seconds: int = field(default_factory=lambda: _int_env("SMS_RESEND_SECONDS", 60, minimum=0))
    sms_codes_per_number_per_hour: int = field(default_factory=lambda: _int_env("SMS_CODES_PER_NUMBER_PER_HOUR", 5))
    sms_codes_per_sender_per_hour: int = field(default_factory=lambda: _int_env("SMS_CODES_PER_SENDER_PER_HOUR", 5))

    def __post_init__(self) -> None:
        if self.sms_sender == "http" and not self.sms_gateway_url:
            raise ValueError("SMS_SENDER=http needs SMS_GATEWAY_URL")

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
