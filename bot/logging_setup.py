"""Logging for the CLI and the app: everything to stderr, Rasa's structlog and TensorFlow kept quiet, and no
customer's phone number in full.

Rasa configures structlog to print to stdout only when it runs its own CLI; embedded, its debug events would
land on our stdout, which `retention-bot parse` reserves for JSON lines.

Logs go to more people and places than the customer database (operators, log shippers, tickets with pasted
lines), so every handler masks mobile numbers — in messages, their arguments and tracebacks (a failed insert
prints its parameters) — as 138****5678: enough to tell two customers apart, not enough to call one.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog

from bot.phone_numbers import mask_phones

class PhoneMaskFilter(logging.Filter):
    """A handler filter that masks phone numbers in the record before any formatter sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # arguments that do not fit the format: the handler reports it as logging always did
        record.msg, record.args = mask_phones(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phones(record.stack_info)
        return True


def _mask_rendered(logger: Any, method_name: str, rendered: str) -> str:
    """The last structlog processor: Rasa's events (user text among them) masked like every other line."""
    return mask_phones(rendered)


def configure_logging(level: str = "INFO") -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    logging.basicConfig(
        level=numeric,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(PhoneMaskFilter())
    # Third-party libraries are noisy at INFO; keep their warnings.
    for name in ("rasa", "tensorflow", "absl", "jieba", "h5py", "matplotlib", "urllib3", "asyncio"):
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    configure_rasa_structlog(max(numeric, logging.WARNING))


def configure_rasa_structlog(level: int = logging.WARNING) -> None:
    """Rasa's structured events to stderr at `level` (the app calls this even when embedded in tests)."""
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.dev.ConsoleRenderer(colors=False), _mask_rendered],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
