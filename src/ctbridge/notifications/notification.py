"""What a notification says (subject, lines, severity) and how a channel reports it failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ctbridge.errors import Permanent, Retryable


@dataclass(frozen=True, slots=True)
class Notification:
    """One alert. `lines` are the body, one fact per line; `data` is machine-readable detail
    (sent as JSON by the webhook channel, left out of chat and e-mail)."""

    subject: str
    lines: tuple[str, ...] = ()
    severity: str = "warning"  # info | warning | error
    source: str = "ctbridge"
    data: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return "\n".join((self.subject, *self.lines))


class NotificationFailed(Exception):
    """A channel could not deliver; `channel` names it."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason


class NotificationRetryable(NotificationFailed, Retryable):
    """The channel's server was unreachable, slow, throttled or failed (5xx)."""

    def __init__(self, channel: str, reason: str) -> None:
        NotificationFailed.__init__(self, channel, reason)
        self.retry_after = None


class NotificationRejected(NotificationFailed, Permanent):
    """The channel refused the message (4xx, bad credentials, unknown recipient)."""
