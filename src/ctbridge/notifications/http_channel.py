"""Posting a JSON body to a channel's URL with a timeout, failures typed retryable or permanent."""

from __future__ import annotations

from typing import Any

import httpx

from ctbridge.notifications.notification import NotificationRejected, NotificationRetryable


async def post_json(
    http: httpx.AsyncClient,
    channel: str,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> None:
    """Raises `NotificationRetryable` for transport errors, 429 and 5xx, `NotificationRejected`
    for any other non-2xx answer; the URL is never part of the message (it may hold a token)."""
    try:
        if content is not None:
            response = await http.post(
                url,
                content=content,
                headers={"Content-Type": "application/json", **(headers or {})},
            )
        else:
            response = await http.post(url, json=body, headers=headers)
    except httpx.TransportError as error:
        raise NotificationRetryable(channel, f"unreachable ({type(error).__name__})") from None
    status = response.status_code
    if status == 429 or status >= 500:
        raise NotificationRetryable(channel, f"answered {status}")
    if status >= 300:
        raise NotificationRejected(channel, f"answered {status}")
