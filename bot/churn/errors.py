"""The one exception type the churn commands turn into a message for the user instead of a traceback."""

from __future__ import annotations


class ChurnError(Exception):
    """A problem with the user's input or setup, worded for the user (in Chinese, like the data)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
