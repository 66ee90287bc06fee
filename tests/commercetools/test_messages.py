"""Every delivery shape commercetools sends over HTTP parses into the same message."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctbridge import json_text
from ctbridge.commercetools.messages import IgnoredDelivery, MalformedDelivery, parse_delivery

MESSAGE = {
    "notificationType": "Message",
    "projectKey": "demo",
    "id": "4f2b7c2e",
    "version": 1,
    "sequenceNumber": 3,
    "resource": {"typeId": "inventory-entry", "id": "inv-1"},
    "resourceVersion": 4,
    "resourceUserProvidedIdentifiers": {"sku": "SKU-1"},
    "type": "InventoryEntryQuantitySet",
    "oldQuantityOnStock": 5,
    "newQuantityOnStock": 2,
    "createdAt": "2026-11-23T10:00:00.000Z",
}


def pubsub(document) -> bytes:
    data = base64.b64encode(json.dumps(document).encode()).decode()
    return json.dumps(
        {"message": {"data": data, "messageId": "9", "attributes": {}}, "subscription": "s"}
    ).encode()


def sns(document) -> dict:
    """An SNS notification as SNS posts it (and as it lands in SQS with raw delivery off)."""
    return {
        "Type": "Notification",
        "MessageId": "sns-1",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:ct",
        "Message": json.dumps(document),
        "Timestamp": "2026-11-23T10:00:00.000Z",
        "SignatureVersion": "1",
        "Signature": "x",
        "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/x.pem",
    }


def event_bridge(document) -> dict:
    return {
        "version": "0",
        "id": "eb-1",
        "detail-type": "InventoryEntryQuantitySet",
        "source": "aws.partner/commercetools.com/demo/ctbridge-ordergroove",
        "account": "123456789012",
        "time": "2026-11-23T10:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": document,
    }


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (json.dumps(MESSAGE).encode(), {}),
        (pubsub(MESSAGE), {}),
        (
            json.dumps(
                {"specversion": "1.0", "id": "x", "type": "t", "source": "s", "data": MESSAGE}
            ).encode(),
            {},
        ),
        (
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": "x",
                    "data_base64": base64.b64encode(json.dumps(MESSAGE).encode()).decode(),
                }
            ).encode(),
            {},
        ),
        (pubsub({"specversion": "1.0", "id": "x", "data": MESSAGE}), {}),
        (json.dumps(MESSAGE).encode(), {"Ce-Specversion": "1.0"}),
        (json.dumps(sns(MESSAGE)).encode(), {}),
        (json.dumps(sns({"specversion": "1.0", "id": "x", "data": MESSAGE})).encode(), {}),
        (json.dumps(event_bridge(MESSAGE)).encode(), {}),
        (
            json.dumps(
                {
                    "id": "e",
                    "eventType": "InventoryEntryQuantitySet",
                    "subject": "inventory-entry",
                    "dataVersion": "1",
                    "data": MESSAGE,
                }
            ).encode(),
            {},
        ),
    ],
    ids=[
        "platform",
        "pubsub",
        "cloudevents",
        "cloudevents-base64",
        "pubsub-cloudevents",
        "cloudevents-binary",
        "sns-notification",
        "sns-cloudevents",
        "eventbridge",
        "eventgrid-schema",
    ],
)
def test_every_delivery_shape_gives_the_same_message(body, headers):
    message = parse_delivery(body, headers)
    assert message.id == "4f2b7c2e"
    assert message.type == "InventoryEntryQuantitySet"
    assert (message.resource_type, message.resource_id) == ("inventory-entry", "inv-1")
    assert (message.sequence_number, message.resource_version) == (3, 4)
    assert message.payload["newQuantityOnStock"] == 2
    assert message.payload_included is True
    assert message.resource_key == "inventory-entry/inv-1"
    # Where the message's own JSON text is known, it is what the inbox stores: it must read
    # back as exactly the payload the handler would otherwise get.
    if message.payload_text is not None:
        assert json_text.loads(message.payload_text) == message.payload


def test_a_pubsub_message_keeps_its_text_as_delivered():
    text = '{"sequenceNumber": 3, ' + json.dumps(MESSAGE)[1:]  # not the order dumps would write
    data = base64.b64encode(text.encode()).decode()
    body = json.dumps({"message": {"data": data, "messageId": "9"}, "subscription": "s"})
    message = parse_delivery(body)
    assert message.payload_text == text
    assert message.payload == MESSAGE


def test_text_no_store_column_can_hold_is_not_kept():
    # UTF-16 (the standard library reads it, a UTF-8 column cannot hold it) and a str with a
    # lone surrogate (an SNS Message string may carry one): the payload is written anew instead.
    utf16 = parse_delivery(json.dumps(MESSAGE).encode("utf-16"))
    assert utf16.payload == MESSAGE and utf16.payload_text is None
    surrogate = {**MESSAGE, "note": "\ud800"}
    envelope = {**sns(MESSAGE), "Message": json.dumps(surrogate, ensure_ascii=False)}
    lone = parse_delivery(json.dumps(envelope))
    assert lone.payload == surrogate and lone.payload_text is None


def test_payload_not_included_asks_the_handler_to_fetch():
    message = parse_delivery(
        json.dumps(
            {
                **MESSAGE,
                "payloadNotIncluded": {
                    "reason": "too large",
                    "payloadType": "InventoryEntryQuantitySet",
                },
            }
        )
    )
    assert message.payload_included is False


def test_the_subscription_test_notification_is_ignored():
    with pytest.raises(IgnoredDelivery, match="test notification"):
        parse_delivery(
            pubsub(
                {
                    "notificationType": "ResourceCreated",
                    "resource": {"typeId": "subscription", "id": "s"},
                }
            )
        )


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([1, 2], "message is not a JSON object"),
        ({**MESSAGE, "id": ""}, "message has no id"),
        ({**MESSAGE, "type": None}, "message has no type"),
        ({**MESSAGE, "resource": {"typeId": "product"}}, "message has no resource typeId/id"),
        ({**MESSAGE, "resourceVersion": True}, "resourceVersion is not an integer"),
        ({**MESSAGE, "notificationType": "Mystery"}, "unknown notificationType 'Mystery'"),
        ({"specversion": "1.0", "id": "x"}, "CloudEvents event has no data"),
        ({**MESSAGE, "sequenceNumber": 2**63}, "sequenceNumber is out of range"),
        ({**MESSAGE, "id": "x" * 256}, "message id is longer than 255 characters"),
        ({**MESSAGE, "type": "T" * 129}, "message type is longer than 128 characters"),
        (
            {**MESSAGE, "resource": {"typeId": "product", "id": "a\x00b"}},
            "message resource id contains a NUL character",
        ),
        ({**sns(MESSAGE), "Message": None}, "SNS notification has no Message"),
        ({**sns(MESSAGE), "Message": "{not json"}, "SNS Message is not JSON"),
        ({**event_bridge(MESSAGE), "detail": "text"}, "EventBridge event has no detail object"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(document, reason):
    with pytest.raises(MalformedDelivery) as raised:
        parse_delivery(json.dumps(document))
    assert raised.value.reason == reason


@given(st.binary(max_size=512))
def test_any_bytes_either_parse_or_give_a_reason(body):
    try:
        parse_delivery(body)
    except (MalformedDelivery, IgnoredDelivery) as refused:
        assert refused.reason


def test_nesting_too_deep_for_the_parser_is_not_json():
    with pytest.raises(MalformedDelivery, match="body is not JSON"):
        parse_delivery(b"[" * 100_000 + b"]" * 100_000)
