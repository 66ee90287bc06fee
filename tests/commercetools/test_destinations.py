"""Destination objects as the commercetools API spells them, and how they are compared."""

from __future__ import annotations

import pytest

from ctbridge.commercetools import destinations as d


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (
            d.google_cloud_pubsub("proj", "ct-events"),
            {"type": "GoogleCloudPubSub", "projectId": "proj", "topic": "ct-events"},
        ),
        (
            d.sqs("https://sqs.eu-west-1.amazonaws.com/1/q", "eu-west-1"),
            {
                "type": "SQS",
                "queueUrl": "https://sqs.eu-west-1.amazonaws.com/1/q",
                "region": "eu-west-1",
                "authenticationMode": "IAM",
            },
        ),
        (
            d.sqs(
                "https://q",
                "eu-west-1",
                authentication_mode="Credentials",
                access_key="AK",
                access_secret="SK",
            ),
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
            d.sns("arn:aws:sns:eu-west-1:1:t"),
            {"type": "SNS", "topicArn": "arn:aws:sns:eu-west-1:1:t", "authenticationMode": "IAM"},
        ),
        (
            d.event_bridge("eu-west-1", "123456789012"),
            {"type": "EventBridge", "region": "eu-west-1", "accountId": "123456789012"},
        ),
        (
            d.azure_service_bus("Endpoint=sb://x/;SharedAccessKey=k"),
            {"type": "AzureServiceBus", "connectionString": "Endpoint=sb://x/;SharedAccessKey=k"},
        ),
        (
            d.event_grid("https://topic.westeurope-1.eventgrid.azure.net/api/events", "key"),
            {
                "type": "EventGrid",
                "uri": "https://topic.westeurope-1.eventgrid.azure.net/api/events",
                "accessKey": "key",
            },
        ),
        (
            d.confluent_cloud("pkc.eu.gcp.confluent.cloud:9092", "k", "s", "ct", key="id"),
            {
                "type": "ConfluentCloud",
                "bootstrapServer": "pkc.eu.gcp.confluent.cloud:9092",
                "apiKey": "k",
                "apiSecret": "s",
                "acks": "all",
                "topic": "ct",
                "key": "id",
            },
        ),
        (d.platform_format(), {"type": "Platform"}),
        (d.cloud_events_format(), {"type": "CloudEvents", "cloudEventsVersion": "1.0"}),
    ],
)
def test_builders_produce_the_api_shape(built, expected):
    assert built == expected


def test_aws_credentials_mode_needs_both_keys():
    with pytest.raises(ValueError, match="access key"):
        d.sns("arn:aws:sns:eu-west-1:1:t", authentication_mode="Credentials", access_key="AK")


@pytest.mark.parametrize(
    ("sent", "read_back"),
    [
        (
            d.event_grid("https://t/api/events", "secret-key"),
            {"type": "EventGrid", "uri": "https://t/api/events", "accessKey": "sec*******"},
        ),
        (
            d.confluent_cloud("b:9092", "key", "secret", "t"),
            {
                "type": "ConfluentCloud",
                "bootstrapServer": "b:9092",
                "apiKey": "k**",
                "apiSecret": "s*****",
                "acks": "all",
                "topic": "t",
            },
        ),
        (
            d.event_bridge("eu-west-1", "1"),
            {
                "type": "EventBridge",
                "region": "eu-west-1",
                "accountId": "1",
                "source": "aws.partner/commercetools.com/p/s",
            },
        ),
    ],
)
def test_hidden_secrets_and_server_fields_do_not_count_as_a_difference(sent, read_back):
    assert d.comparable_destination(sent) == d.comparable_destination(read_back)


def test_a_changed_public_field_counts_as_a_difference():
    assert d.comparable_destination(d.google_cloud_pubsub("p", "a")) != d.comparable_destination(
        d.google_cloud_pubsub("p", "b")
    )


def test_a_missing_format_is_the_platform_format():
    assert d.comparable_format(None) == d.platform_format()
