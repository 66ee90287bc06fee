"""CTBRIDGE_DESTINATION_* variables → destination and format, with one line per problem."""

from __future__ import annotations

import pytest

from ctbridge.commercetools.destination_settings import DestinationSettings, load_destination
from ctbridge.errors import ConfigurationError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    import os

    for name in list(os.environ):
        if name.startswith("CTBRIDGE_DESTINATION_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("variables", "destination"),
    [
        (
            {"TYPE": "GoogleCloudPubSub", "PROJECT_ID": "p", "TOPIC": "t"},
            {"type": "GoogleCloudPubSub", "projectId": "p", "topic": "t"},
        ),
        (
            {"TYPE": "SQS", "QUEUE_URL": "https://q", "REGION": "eu-west-1"},
            {
                "type": "SQS",
                "queueUrl": "https://q",
                "region": "eu-west-1",
                "authenticationMode": "IAM",
            },
        ),
        (
            {
                "TYPE": "SQS",
                "QUEUE_URL": "https://q",
                "REGION": "eu-west-1",
                "AUTHENTICATION_MODE": "Credentials",
                "ACCESS_KEY": "AK",
                "ACCESS_SECRET": "SK",
            },
            {
                "type": "SQS",
                "queueUrl": "https://q",
                "region": "eu-west-1",
                "authenticationMode": "Credentials",
                "accessKey": "AK",
                "accessSecret": "SK",
            },
        ),
        (
            {"TYPE": "SNS", "TOPIC_ARN": "arn:t"},
            {"type": "SNS", "topicArn": "arn:t", "authenticationMode": "IAM"},
        ),
        (
            {"TYPE": "EventBridge", "REGION": "eu-west-1", "ACCOUNT_ID": "1"},
            {"type": "EventBridge", "region": "eu-west-1", "accountId": "1"},
        ),
        (
            {"TYPE": "AzureServiceBus", "CONNECTION_STRING": "Endpoint=sb://x/"},
            {"type": "AzureServiceBus", "connectionString": "Endpoint=sb://x/"},
        ),
        (
            {"TYPE": "EventGrid", "URI": "https://t", "ACCESS_KEY": "k", "FORMAT": "CloudEvents"},
            {"type": "EventGrid", "uri": "https://t", "accessKey": "k"},
        ),
        (
            {
                "TYPE": "ConfluentCloud",
                "BOOTSTRAP_SERVER": "b:9092",
                "API_KEY": "k",
                "API_SECRET": "s",
                "TOPIC": "t",
                "ACKS": "1",
                "KEY": "id",
            },
            {
                "type": "ConfluentCloud",
                "bootstrapServer": "b:9092",
                "apiKey": "k",
                "apiSecret": "s",
                "acks": "1",
                "topic": "t",
                "key": "id",
            },
        ),
    ],
)
def test_each_destination_type_is_built_from_its_variables(monkeypatch, variables, destination):
    for name, value in variables.items():
        monkeypatch.setenv(f"CTBRIDGE_DESTINATION_{name}", value)

    built, _ = load_destination()

    assert built == destination


@pytest.mark.parametrize(
    ("variables", "problems"),
    [
        (
            {"TYPE": "GoogleCloudPubSub"},
            [
                "CTBRIDGE_DESTINATION_PROJECT_ID: is required when "
                "CTBRIDGE_DESTINATION_TYPE=GoogleCloudPubSub",
                "CTBRIDGE_DESTINATION_TOPIC: is required when "
                "CTBRIDGE_DESTINATION_TYPE=GoogleCloudPubSub",
            ],
        ),
        (
            {
                "TYPE": "SQS",
                "QUEUE_URL": "https://q",
                "REGION": "r",
                "AUTHENTICATION_MODE": "Credentials",
                "ACCESS_KEY": "AK",
            },
            [
                "CTBRIDGE_DESTINATION_ACCESS_SECRET: is required when "
                "CTBRIDGE_DESTINATION_AUTHENTICATION_MODE=Credentials"
            ],
        ),
        (
            {"TYPE": "EventGrid", "URI": "https://t", "ACCESS_KEY": "k"},
            ["CTBRIDGE_DESTINATION_FORMAT: EventGrid only accepts CloudEvents"],
        ),
        (
            {"TYPE": "ConfluentCloud", "BOOTSTRAP_SERVER": "b", "TOPIC": "t"},
            [
                "CTBRIDGE_DESTINATION_API_KEY: is required when "
                "CTBRIDGE_DESTINATION_TYPE=ConfluentCloud",
                "CTBRIDGE_DESTINATION_API_SECRET: is required when "
                "CTBRIDGE_DESTINATION_TYPE=ConfluentCloud",
            ],
        ),
    ],
)
def test_missing_variables_are_named_one_per_line(monkeypatch, variables, problems):
    for name, value in variables.items():
        monkeypatch.setenv(f"CTBRIDGE_DESTINATION_{name}", value)

    with pytest.raises(ConfigurationError) as raised:
        load_destination()

    assert raised.value.problems == problems


def test_a_missing_or_unknown_type_names_the_type_variable(monkeypatch):
    with pytest.raises(ConfigurationError) as missing:
        load_destination()
    monkeypatch.setenv("CTBRIDGE_DESTINATION_TYPE", "Carrier-Pigeon")
    with pytest.raises(ConfigurationError) as unknown:
        load_destination()

    assert missing.value.problems == ["CTBRIDGE_DESTINATION_TYPE: is required but not set"]
    assert unknown.value.problems[0].startswith("CTBRIDGE_DESTINATION_TYPE: ")
    assert "Carrier-Pigeon" not in unknown.value.problems[0].split(":", 1)[0]


def test_cloud_events_format_carries_its_version(monkeypatch):
    monkeypatch.setenv("CTBRIDGE_DESTINATION_FORMAT", "CloudEvents")

    settings = DestinationSettings(type="GoogleCloudPubSub", project_id="p", topic="t")

    assert settings.delivery_format() == {"type": "CloudEvents", "cloudEventsVersion": "1.0"}


def test_secrets_do_not_appear_in_the_settings_repr():
    settings = DestinationSettings(
        type="ConfluentCloud", bootstrap_server="b", api_key="k", api_secret="hush", topic="t"
    )

    assert "hush" not in repr(settings)
