"""The subscription destination and format from CTBRIDGE_DESTINATION_* environment variables."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ctbridge.commercetools import destinations
from ctbridge.errors import ConfigurationError
from ctbridge.settings import ENV_FILE_CONFIG, load

PREFIX = "CTBRIDGE_DESTINATION_"

DestinationType = Literal[
    "GoogleCloudPubSub",
    "SQS",
    "SNS",
    "EventBridge",
    "AzureServiceBus",
    "EventGrid",
    "ConfluentCloud",
]

# Destinations ctbridge has no consumer for: `deploy` refuses them rather than create a
# subscription nobody reads. No broker of either protocol runs in ctbridge's test environment
# (no AMQP 1.0 broker that speaks Service Bus' claims-based auth, no Kafka broker), so a consumer
# could not be tested against a real one.
UNCONSUMABLE = frozenset({"AzureServiceBus", "ConfluentCloud"})
UNCONSUMABLE_SENTENCE = (
    "Azure Service Bus and Confluent Cloud (Kafka) destinations cannot be consumed by ctbridge "
    "yet; use Google Cloud Pub/Sub, SQS, SNS, EventBridge or Event Grid."
)

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "GoogleCloudPubSub": ("project_id", "topic"),
    "SQS": ("queue_url", "region"),
    "SNS": ("topic_arn",),
    "EventBridge": ("region", "account_id"),
    "AzureServiceBus": ("connection_string",),
    "EventGrid": ("uri", "access_key"),
    "ConfluentCloud": ("bootstrap_server", "api_key", "api_secret", "topic"),
}


class DestinationSettings(BaseSettings):
    """Where commercetools delivers the connectors' messages; `destination()` checks that the
    variables the chosen TYPE needs are set and builds the API's destination object."""

    model_config = SettingsConfigDict(**ENV_FILE_CONFIG, env_prefix=PREFIX)

    type: DestinationType
    format: Literal["Platform", "CloudEvents"] = "Platform"
    cloud_events_version: str = destinations.CLOUD_EVENTS_VERSION
    project_id: str | None = None
    topic: str | None = None
    queue_url: str | None = None
    region: str | None = None
    topic_arn: str | None = None
    authentication_mode: Literal["Credentials", "IAM"] = "IAM"
    access_key: SecretStr | None = None
    access_secret: SecretStr | None = None
    account_id: str | None = None
    connection_string: SecretStr | None = None
    uri: str | None = None
    bootstrap_server: str | None = None
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    acks: str = "all"
    key: str | None = None

    def problems(self) -> list[str]:
        """One line per missing or inconsistent variable, naming it, never its value."""
        lines = [
            f"{PREFIX}{name.upper()}: is required when {PREFIX}TYPE={self.type}"
            for name in REQUIRED_FIELDS[self.type]
            if not _given(getattr(self, name))
        ]
        if self.type in ("SQS", "SNS") and self.authentication_mode == "Credentials":
            lines += [
                f"{PREFIX}{name.upper()}: is required when {PREFIX}AUTHENTICATION_MODE=Credentials"
                for name in ("access_key", "access_secret")
                if not _given(getattr(self, name))
            ]
        if self.type == "EventGrid" and self.format != "CloudEvents":
            lines.append(f"{PREFIX}FORMAT: EventGrid only accepts CloudEvents")
        return lines

    def destination(self) -> destinations.Destination:
        problems = self.problems()
        if problems:
            raise ConfigurationError(problems)
        text = self._text
        match self.type:
            case "GoogleCloudPubSub":
                return destinations.google_cloud_pubsub(text("project_id"), text("topic"))
            case "SQS":
                return destinations.sqs(
                    text("queue_url"),
                    text("region"),
                    authentication_mode=self.authentication_mode,
                    access_key=self._optional("access_key"),
                    access_secret=self._optional("access_secret"),
                )
            case "SNS":
                return destinations.sns(
                    text("topic_arn"),
                    authentication_mode=self.authentication_mode,
                    access_key=self._optional("access_key"),
                    access_secret=self._optional("access_secret"),
                )
            case "EventBridge":
                return destinations.event_bridge(text("region"), text("account_id"))
            case "AzureServiceBus":
                return destinations.azure_service_bus(text("connection_string"))
            case "EventGrid":
                return destinations.event_grid(text("uri"), text("access_key"))
            case "ConfluentCloud":
                return destinations.confluent_cloud(
                    text("bootstrap_server"),
                    text("api_key"),
                    text("api_secret"),
                    text("topic"),
                    acks=self.acks,
                    key=self.key,
                )
        raise ConfigurationError([f"{PREFIX}TYPE: unsupported destination type {self.type}"])

    def delivery_format(self) -> dict[str, Any]:
        if self.format == "CloudEvents":
            return destinations.cloud_events_format(self.cloud_events_version)
        return destinations.platform_format()

    def _text(self, name: str) -> str:
        value = self._optional(name)
        assert value is not None  # problems() already required it
        return value

    def _optional(self, name: str) -> str | None:
        value = getattr(self, name)
        if isinstance(value, SecretStr):
            return value.get_secret_value() or None
        return value or None


def load_destination(**overrides: Any) -> tuple[destinations.Destination, dict[str, Any]]:
    """(destination, format) from the environment; ConfigurationError lists every problem."""
    settings = load(DestinationSettings, **overrides)
    return settings.destination(), settings.delivery_format()


def _given(value: object) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)
