"""E-mail channel: plain-text mail over SMTP (stdlib smtplib in a worker thread), STARTTLS or TLS."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from ctbridge.notifications.notification import (
    Notification,
    NotificationRejected,
    NotificationRetryable,
)


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    tls: bool = False  # implicit TLS (port 465)
    timeout: float = 10.0


def email_message(notification: Notification, sender: str, recipients: list[str]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[{notification.source}] {notification.subject}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(notification.text() + "\n")
    return message


class SmtpChannel:
    name = "email"

    def __init__(self, server: SmtpServer, sender: str, recipients: list[str]) -> None:
        self.server = server
        self.sender = sender
        self.recipients = recipients

    async def send(self, notification: Notification) -> None:
        message = email_message(notification, self.sender, self.recipients)
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        server = self.server
        try:
            if server.tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host,
                    server.port,
                    timeout=server.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            with smtp:
                if server.starttls and not server.tls:
                    smtp.starttls(context=ssl.create_default_context())
                if server.username:
                    smtp.login(server.username, server.password or "")
                smtp.send_message(message)
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPRecipientsRefused) as error:
            raise NotificationRejected(self.name, f"refused: {type(error).__name__}") from None
        except smtplib.SMTPResponseException as error:
            failure = (
                NotificationRejected if 500 <= error.smtp_code < 600 else NotificationRetryable
            )
            raise failure(self.name, f"answered {error.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as error:
            raise NotificationRetryable(
                self.name, f"unreachable ({type(error).__name__})"
            ) from None
