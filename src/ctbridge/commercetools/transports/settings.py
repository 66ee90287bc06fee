"""Settings of the intake transports: push credentials, the SQS queue, SNS and Event Grid checks."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ctbridge.errors import ConfigurationError
from ctbridge.settings import ENV_FILE_CONFIG


class TransportSettings(BaseSettings):
    """`CTBRIDGE_*` variables for receiving deliveries; every one is optional."""

    model_config = SettingsConfigDict(
        **ENV_FILE_CONFIG, env_prefix="CTBRIDGE_", populate_by_name=True
    )

    events_token: SecretStr | None = None
    push_audience: str | None = None
    push_service_account: str | None = None
    # Where Google publishes the certificates of the keys that sign OIDC tokens (tests: 127.0.0.1).
    push_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"
    sqs_queue_url: str | None = None
    sqs_region: str | None = None
    sqs_wait_seconds: int = Field(default=20, ge=0, le=20)
    sqs_visibility_seconds: int = Field(default=60, ge=10, le=43200)
    aws_endpoint_url: str | None = None
    # Test-only: lets SNS certificate and SubscribeURL URLs point at http://127.0.0.1.
    sns_allow_loopback: bool = False
    sns_topic_arn: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CTBRIDGE_SNS_TOPIC_ARN", "CTBRIDGE_DESTINATION_TOPIC_ARN"),
    )
    destination_type: str | None = Field(
        default=None, validation_alias=AliasChoices("CTBRIDGE_DESTINATION_TYPE")
    )
    eventgrid_access_key: SecretStr | None = None
    destination_access_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CTBRIDGE_DESTINATION_ACCESS_KEY")
    )

    @property
    def oidc_configured(self) -> bool:
        return bool(self.push_audience or self.push_service_account)

    @property
    def eventgrid_key(self) -> str | None:
        """CTBRIDGE_EVENTGRID_ACCESS_KEY, else the destination's access key when the destination
        is Event Grid (for SQS/SNS the same variable holds an AWS access key id, not a secret
        anyone sends us)."""
        if self.eventgrid_access_key is not None:
            return self.eventgrid_access_key.get_secret_value() or None
        if self.destination_type == "EventGrid" and self.destination_access_key is not None:
            return self.destination_access_key.get_secret_value() or None
        return None

    def problems(self) -> list[str]:
        """One line per inconsistent variable, naming it, never its value."""
        if self.oidc_configured and not (self.push_audience and self.push_service_account):
            return [
                "CTBRIDGE_PUSH_AUDIENCE and CTBRIDGE_PUSH_SERVICE_ACCOUNT: set both to verify "
                "Pub/Sub push tokens (an audience alone would admit any Google account)"
            ]
        return []

    def checked(self) -> TransportSettings:
        """These settings, or ConfigurationError listing the problems."""
        problems = self.problems()
        if problems:
            raise ConfigurationError(problems)
        return self

    @property
    def authentication_configured(self) -> bool:
        return bool(self.events_token or self.oidc_configured or self.eventgrid_key)
