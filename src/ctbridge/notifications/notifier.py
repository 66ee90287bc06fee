"""Sends one notification to every configured channel; one channel's failure never stops another."""

from __future__ import annotations

import asyncio
from typing import Protocol

import httpx
import structlog

from ctbridge.http.tls import shared_tls_context
from ctbridge.notifications.mail import SmtpChannel, SmtpServer
from ctbridge.notifications.notification import Notification, NotificationFailed
from ctbridge.notifications.settings import NotificationSettings
from ctbridge.notifications.slack import SlackChannel
from ctbridge.notifications.webhook import WebhookChannel

log = structlog.get_logger("ctbridge.notifications")


class Channel(Protocol):
    name: str

    async def send(self, notification: Notification) -> None: ...


class Notifier:
    """`send()` delivers to all channels at once and returns the failures (empty: all delivered).

    It never raises for a channel failure: alerts are a side path and must not fail the job or
    the worker that raises them. Callers that must know can inspect the returned list.
    """

    def __init__(self, channels: list[Channel], http: httpx.AsyncClient | None = None) -> None:
        self.channels = channels
        self._http = http

    @property
    def enabled(self) -> bool:
        return bool(self.channels)

    async def send(self, notification: Notification) -> list[NotificationFailed]:
        results = await asyncio.gather(
            *(channel.send(notification) for channel in self.channels), return_exceptions=True
        )
        failures: list[NotificationFailed] = []
        for channel, result in zip(self.channels, results, strict=True):
            if isinstance(result, BaseException):
                failure = (
                    result
                    if isinstance(result, NotificationFailed)
                    else NotificationFailed(channel.name, f"{type(result).__name__}: {result}")
                )
                log.warning(
                    "notification not delivered", channel=channel.name, reason=failure.reason
                )
                failures.append(failure)
        return failures

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()


def notifier_from_settings(settings: NotificationSettings) -> Notifier:
    """A notifier with the channels the settings switch on (none: `send` does nothing)."""
    http = httpx.AsyncClient(
        verify=shared_tls_context(),
        timeout=httpx.Timeout(settings.timeout_seconds, connect=min(5.0, settings.timeout_seconds)),
    )
    channels: list[Channel] = []
    if settings.slack_webhook_url is not None:
        channels.append(SlackChannel(http, settings.slack_webhook_url.get_secret_value()))
    if settings.webhook_url is not None:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        channels.append(WebhookChannel(http, settings.webhook_url.get_secret_value(), secret))
    if settings.smtp_host and settings.email_from:
        server = SmtpServer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            tls=settings.smtp_tls,
            timeout=settings.timeout_seconds,
        )
        channels.append(SmtpChannel(server, settings.email_from, list(settings.email_to)))
    return Notifier(channels, http)
