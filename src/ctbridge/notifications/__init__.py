"""Alerts to people: Slack, e-mail and generic webhook channels behind one `Notifier`."""

from ctbridge.notifications.dead_letters import (
    DeadLetterSummary,
    dead_letter_alert,
    notify_dead_letters,
)
from ctbridge.notifications.mail import SmtpChannel
from ctbridge.notifications.notification import Notification, NotificationFailed
from ctbridge.notifications.notifier import Channel, Notifier, notifier_from_settings
from ctbridge.notifications.settings import NotificationSettings
from ctbridge.notifications.slack import SlackChannel
from ctbridge.notifications.webhook import WebhookChannel

__all__ = [
    "Channel",
    "DeadLetterSummary",
    "Notification",
    "NotificationFailed",
    "NotificationSettings",
    "Notifier",
    "SlackChannel",
    "SmtpChannel",
    "WebhookChannel",
    "dead_letter_alert",
    "notifier_from_settings",
    "notify_dead_letters",
]
