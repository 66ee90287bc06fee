"""Notifications reach Slack, a webhook and an SMTP server; a failing channel never stops the others."""

import hashlib
import hmac
import json

import pytest
from pydantic import ValidationError

from ctbridge.notifications import (
    DeadLetterSummary,
    Notification,
    NotificationSettings,
    dead_letter_alert,
    notifier_from_settings,
    notify_dead_letters,
)
from ctbridge.notifications.notification import NotificationRejected, NotificationRetryable
from ctbridge.sandbox.server import BackgroundServer, free_port
from tests.notifications.receivers import RecordingApp, SmtpMailbox, smtp_server

ALERT = Notification("3 workflow errors", ("FAILED × 2 ORDER", "NO_MATCH × 1 FULFILMENT"))


@pytest.fixture
def receiver():
    recording = RecordingApp()
    with BackgroundServer(recording.build()) as server:
        recording.url = server.url
        yield recording


async def test_slack_gets_the_subject_in_bold_and_one_line_per_fact(receiver):
    notifier = notifier_from_settings(
        NotificationSettings(slack_webhook_url=f"{receiver.url}/services/T/B/X")
    )
    assert await notifier.send(ALERT) == []
    await notifier.aclose()
    path, _, body = receiver.received[0]
    assert path == "services/T/B/X"
    text = json.loads(body)["text"]
    assert text.splitlines() == [
        ":warning: *3 workflow errors*",
        "FAILED × 2 ORDER",
        "NO_MATCH × 1 FULFILMENT",
    ]


async def test_the_generic_webhook_gets_json_signed_with_the_shared_secret(receiver):
    notifier = notifier_from_settings(
        NotificationSettings(webhook_url=f"{receiver.url}/alerts", webhook_secret="k3y")
    )
    await notifier.send(Notification("subject", ("a",), data={"n": 1}))
    await notifier.aclose()
    _, headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    assert headers["x-ctbridge-signature"] == expected
    assert json.loads(body)["data"] == {"n": 1}
    assert json.loads(body)["lines"] == ["a"]


async def test_mail_goes_out_over_smtp_to_every_recipient():
    mailbox = SmtpMailbox()
    async with smtp_server(mailbox) as port:
        notifier = notifier_from_settings(
            NotificationSettings(
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_starttls=False,
                email_from="ctbridge@example.com",
                email_to="ops@example.com, oncall@example.com",
                timeout_seconds=5,
            )
        )
        assert await notifier.send(ALERT) == []
        await notifier.aclose()
    sender, recipients, body = mailbox.messages[0]
    assert sender == "ctbridge@example.com"
    assert recipients == ["ops@example.com", "oncall@example.com"]
    assert "Subject: [ctbridge] 3 workflow errors" in body
    assert "NO_MATCH × 1 FULFILMENT" in body


async def test_a_refused_recipient_is_a_permanent_failure():
    mailbox = SmtpMailbox(refused={"nobody@example.com"})
    async with smtp_server(mailbox) as port:
        notifier = notifier_from_settings(
            NotificationSettings(
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_starttls=False,
                email_from="ctbridge@example.com",
                email_to="nobody@example.com",
                timeout_seconds=5,
            )
        )
        failures = await notifier.send(ALERT)
        await notifier.aclose()
    assert [type(f) for f in failures] == [NotificationRejected]
    assert mailbox.messages == []


async def test_one_channel_failing_does_not_stop_the_others(receiver):
    notifier = notifier_from_settings(
        NotificationSettings(
            slack_webhook_url=f"http://127.0.0.1:{free_port()}/down",
            webhook_url=f"{receiver.url}/alerts",
            timeout_seconds=2,
        )
    )
    failures = await notifier.send(ALERT)
    await notifier.aclose()
    assert [(type(f), f.channel) for f in failures] == [(NotificationRetryable, "slack")]
    assert len(receiver.received) == 1


async def test_a_4xx_answer_is_permanent_and_a_5xx_retryable(receiver):
    notifier = notifier_from_settings(NotificationSettings(webhook_url=f"{receiver.url}/x"))
    receiver.status = 404
    assert [type(f) for f in await notifier.send(ALERT)] == [NotificationRejected]
    receiver.status = 503
    assert [type(f) for f in await notifier.send(ALERT)] == [NotificationRetryable]
    await notifier.aclose()


async def test_without_channels_nothing_is_sent():
    notifier = notifier_from_settings(NotificationSettings())
    assert not notifier.enabled
    assert await notify_dead_letters(notifier, [DeadLetterSummary(1, "c", "t", "m", "r")]) == []
    await notifier.aclose()


def test_mail_settings_need_a_sender_and_recipients():
    with pytest.raises(ValidationError, match="EMAIL_FROM"):
        NotificationSettings(smtp_host="smtp.example.com")


def test_the_dead_letter_alert_counts_by_connector_and_type_and_lists_reasons():
    dead = [
        DeadLetterSummary(7, "fluent", "OrderCreated", "m-7", "permanent: no sku"),
        DeadLetterSummary(8, "fluent", "OrderCreated", "m-8", "permanent: no sku"),
        DeadLetterSummary(9, "ordergroove", "ProductPublished", "m-9", "retryable: 503"),
    ]
    alert = dead_letter_alert(dead)
    assert alert.subject == "3 messages moved to the dead-letter queue"
    assert alert.severity == "error"
    assert alert.lines[:2] == ("2 × fluent OrderCreated", "1 × ordergroove ProductPublished")
    assert "task 9 (ordergroove ProductPublished m-9): retryable: 503" in alert.lines
    assert alert.data == {"dead_letters": [7, 8, 9]}
