"""The failures every layer signals: Retryable and Permanent (how the worker treats a handler or
job failure) and ConfigurationError (settings missing or invalid). A leaf: imports nothing of ctbridge."""

from __future__ import annotations


class Retryable(Exception):
    """A failure that may pass on a later attempt (network, 5xx, 429, 409 after the refetch budget).

    The worker schedules another attempt with exponential backoff and jitter, or after
    `retry_after` seconds when the target said how long to wait.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Permanent(Exception):
    """A failure no retry can fix (validation, a 4xx for bad input): the message is dead-lettered."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConfigurationError(Exception):
    """Settings are missing or invalid; `problems` holds one line per problem, naming the variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
