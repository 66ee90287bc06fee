"""Subscription destinations and delivery formats as the commercetools API spells them."""

from __future__ import annotations

from typing import Any, Literal

Destination = dict[str, Any]
AwsAuthenticationMode = Literal["Credentials", "IAM"]

CLOUD_EVENTS_VERSION = "1.0"

# Fields commercetools hides partly when it returns a subscription, so a fetched destination can
# never equal the one configured; comparisons leave them out.
SECRET_FIELDS: dict[str, frozenset[str]] = {
    "SQS": frozenset({"accessSecret"}),
    "SNS": frozenset({"accessSecret"}),
    "EventGrid": frozenset({"accessKey"}),
    "AzureServiceBus": frozenset({"connectionString"}),
    "ConfluentCloud": frozenset({"apiKey", "apiSecret"}),
}

# Fields commercetools sets itself on a returned destination (EventBridge's partner source URN).
SERVER_FIELDS: dict[str, frozenset[str]] = {"EventBridge": frozenset({"source"})}


def google_cloud_pubsub(project_id: str, topic: str) -> Destination:
    return {"type": "GoogleCloudPubSub", "projectId": project_id, "topic": topic}


def sqs(
    queue_url: str,
    region: str,
    *,
    authentication_mode: AwsAuthenticationMode = "IAM",
    access_key: str | None = None,
    access_secret: str | None = None,
) -> Destination:
    return {
        "type": "SQS",
        "queueUrl": queue_url,
        "region": region,
        **_aws_auth(authentication_mode, access_key, access_secret),
    }


def sns(
    topic_arn: str,
    *,
    authentication_mode: AwsAuthenticationMode = "IAM",
    access_key: str | None = None,
    access_secret: str | None = None,
) -> Destination:
    return {
        "type": "SNS",
        "topicArn": topic_arn,
        **_aws_auth(authentication_mode, access_key, access_secret),
    }


def event_bridge(region: str, account_id: str) -> Destination:
    return {"type": "EventBridge", "region": region, "accountId": account_id}


def azure_service_bus(connection_string: str) -> Destination:
    return {"type": "AzureServiceBus", "connectionString": connection_string}


def event_grid(uri: str, access_key: str) -> Destination:
    return {"type": "EventGrid", "uri": uri, "accessKey": access_key}


def confluent_cloud(
    bootstrap_server: str,
    api_key: str,
    api_secret: str,
    topic: str,
    *,
    acks: str = "all",
    key: str | None = None,
) -> Destination:
    destination: Destination = {
        "type": "ConfluentCloud",
        "bootstrapServer": bootstrap_server,
        "apiKey": api_key,
        "apiSecret": api_secret,
        "acks": acks,
        "topic": topic,
    }
    if key:
        destination["key"] = key
    return destination


def platform_format() -> dict[str, Any]:
    return {"type": "Platform"}


def cloud_events_format(version: str = CLOUD_EVENTS_VERSION) -> dict[str, Any]:
    return {"type": "CloudEvents", "cloudEventsVersion": version}


def comparable_destination(destination: Destination) -> Destination:
    """The destination without the fields that differ between what is sent and what is read."""
    kind = destination.get("type", "")
    hidden = SECRET_FIELDS.get(kind, frozenset()) | SERVER_FIELDS.get(kind, frozenset())
    return {name: value for name, value in destination.items() if name not in hidden}


def comparable_format(delivery_format: dict[str, Any] | None) -> dict[str, Any]:
    """A missing format is the Platform format, the API's default."""
    return dict(delivery_format or platform_format())


def _aws_auth(
    mode: AwsAuthenticationMode, access_key: str | None, access_secret: str | None
) -> dict[str, str]:
    if mode == "IAM":
        return {"authenticationMode": "IAM"}
    if not access_key or not access_secret:
        raise ValueError("authentication mode Credentials needs an access key and secret")
    return {
        "authenticationMode": "Credentials",
        "accessKey": access_key,
        "accessSecret": access_secret,
    }
