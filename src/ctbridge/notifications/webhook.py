"""Generic webhook channel: the notification as JSON, signed with HMAC-SHA256 when a secret is set."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from ctbridge.notifications.http_channel import post_json
from ctbridge.notifications.notification import Notification

SIGNATURE_HEADER = "X-Ctbridge-Signature"


def webhook_body(notification: Notification) -> dict[str, Any]:
    return {
        "source": notification.source,
        "severity": notification.severity,
        "subject": notification.subject,
        "lines": list(notification.lines),
        "data": notification.data,
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    name = "webhook"

    def __init__(self, http: httpx.AsyncClient, url: str, secret: str | None = None) -> None:
        self._http = http
        self._url = url
        self._secret = secret

    async def send(self, notification: Notification) -> None:
        body = webhook_body(notification)
        content = json.dumps(body, default=str).encode()
        headers = {SIGNATURE_HEADER: signature(self._secret, content)} if self._secret else {}
        await post_json(self._http, self.name, self._url, body, headers, content)
