"""Slack incoming-webhook channel: the subject in bold, one line per fact."""

from __future__ import annotations

import httpx

from ctbridge.notifications.http_channel import post_json
from ctbridge.notifications.notification import Notification

ICONS = {"info": ":information_source:", "warning": ":warning:", "error": ":rotating_light:"}


def slack_message(notification: Notification) -> dict[str, object]:
    """An incoming-webhook body: `text` for notifications and clients without blocks."""
    icon = ICONS.get(notification.severity, "")
    header = f"{icon} *{notification.subject}*".strip()
    return {"text": "\n".join((header, *notification.lines))}


class SlackChannel:
    name = "slack"

    def __init__(self, http: httpx.AsyncClient, webhook_url: str) -> None:
        self._http = http
        self._url = webhook_url

    async def send(self, notification: Notification) -> None:
        await post_json(self._http, self.name, self._url, slack_message(notification))
