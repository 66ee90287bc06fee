"""Where notifications go: CTBRIDGE_NOTIFY_* variables for Slack, a generic webhook and SMTP mail."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ctbridge.settings import ENV_FILE_CONFIG


class NotificationSettings(BaseSettings):
    """Every channel is optional; a channel is on when its address is set."""

    model_config = SettingsConfigDict(**ENV_FILE_CONFIG, env_prefix="CTBRIDGE_NOTIFY_")

    slack_webhook_url: SecretStr | None = None
    webhook_url: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_tls: bool = False
    email_from: str | None = None
    email_to: Annotated[list[str], NoDecode] = Field(default_factory=list)
    timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("email_to", mode="before")
    @classmethod
    def _addresses(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("slack_webhook_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _mail_needs_addresses(self) -> NotificationSettings:
        if self.smtp_host and (not self.email_from or not self.email_to):
            raise ValueError(
                "CTBRIDGE_NOTIFY_SMTP_HOST needs CTBRIDGE_NOTIFY_EMAIL_FROM and "
                "CTBRIDGE_NOTIFY_EMAIL_TO"
            )
        return self
