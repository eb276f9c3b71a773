"""Logging for the CLI and the app: everything to stderr, Rasa's structlog and TensorFlow kept quiet.

Rasa configures structlog to print to stdout only when it runs its own CLI; embedded, its debug events would
land on our stdout, which `retention-bot parse` reserves for JSON lines.
"""

from __future__ import annotations

import logging
import os
import sys

import structlog


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
    # Third-party libraries are noisy at INFO; keep their warnings.
    for name in ("rasa", "tensorflow", "absl", "jieba", "h5py", "matplotlib", "urllib3", "asyncio"):
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    configure_rasa_structlog(max(numeric, logging.WARNING))


def configure_rasa_structlog(level: int = logging.WARNING) -> None:
    """Rasa's structured events to stderr at `level` (the app calls this even when embedded in tests)."""
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.dev.ConsoleRenderer(colors=False)],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
