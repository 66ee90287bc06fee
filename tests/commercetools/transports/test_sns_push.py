"""SNS HTTPS deliveries to `/events`: signatures (versions 1 and 2), certificate host, confirmation."""

from __future__ import annotations

import json

import httpx
import pytest
from tests.commercetools.transports.keys import SigningKey, certificates_app
from tests.engine.recording import open_engine

from ctbridge.commercetools.transports.settings import TransportSettings
from ctbridge.commercetools.transports.sns import CERT_HOST, SnsRejected, SnsVerifier
from ctbridge.engine.inbox import Inbox
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app

TOPIC = "arn:aws:sns:eu-west-1:123456789012:commercetools"


def ct_message(message_id: str) -> dict:
    return {
        "notificationType": "Message",
        "id": message_id,
        "version": 1,
        "sequenceNumber": 1,
        "resource": {"typeId": "product", "id": f"p-{message_id}"},
        "resourceVersion": 1,
        "type": "ProductPublished",
    }


def notification(cert_url: str, message_id: str, **extra) -> dict:
    return {
        "Type": "Notification",
        "MessageId": f"sns-{message_id}",
        "TopicArn": TOPIC,
        "Message": json.dumps(ct_message(message_id)),
        "Timestamp": "2026-11-30T10:00:00.000Z",
        "SigningCertURL": cert_url,
        "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
        **extra,
    }


@pytest.fixture
async def sns_app(sqlite_url):
    key = SigningKey.generate("sns-key")
    confirmations: list[str] = []
    aws = certificates_app(key)

    @aws.get("/confirm")
    async def confirm(Token: str) -> dict:
        confirmations.append(Token)
        return {"ConfirmSubscriptionResponse": {}}

    engine, made = await open_engine(sqlite_url)
    settings = TransportSettings(sns_allow_loopback=True, sns_topic_arn=TOPIC)
    async with (
        serve_in_loop(aws) as aws_url,
        serve_in_loop(create_app(engine, transports=settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield engine, made["recorder"], client, key, aws_url, confirmations
    await engine.close()


def sns_headers(kind: str = "Notification") -> dict:
    return {"x-amz-sns-message-type": kind, "content-type": "text/plain; charset=UTF-8"}


@pytest.mark.parametrize("version", ["1", "2"])
async def test_a_signed_sns_notification_is_verified_and_stored(sns_app, version):
    engine, recorder, client, key, aws_url, _ = sns_app
    signed = key.sign_sns(notification(f"{aws_url}/sns-key.pem", "n1", Subject="hello"), version)
    response = await client.post("/events", content=json.dumps(signed), headers=sns_headers())
    assert response.status_code == 202, response.text
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["n1"]


def tampered(key, aws_url):
    signed = key.sign_sns(notification(f"{aws_url}/sns-key.pem", "n1"))
    forged_message = ct_message("n1") | {"type": "OrderCreated"}
    return {**signed, "Message": json.dumps(forged_message)}


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(tampered, id="message changed after signing"),
        pytest.param(
            lambda key, url: SigningKey.generate().sign_sns(
                notification(f"{url}/sns-key.pem", "n1")
            ),
            id="signed by another key",
        ),
        pytest.param(
            lambda key, url: key.sign_sns(
                notification("https://sns.eu-west-1.amazonaws.com.evil.example/k.pem", "n1")
            ),
            id="certificate on a lookalike host",
        ),
        pytest.param(
            lambda key, url: key.sign_sns(
                notification(f"{url}/sns-key.pem", "n1", TopicArn=TOPIC + "-other")
            ),
            id="another topic",
        ),
        pytest.param(
            lambda key, url: {
                **key.sign_sns(notification(f"{url}/sns-key.pem", "n1")),
                "SignatureVersion": "3",
            },
            id="unknown signature version",
        ),
        pytest.param(
            lambda key, url: {
                k: v
                for k, v in key.sign_sns(notification(f"{url}/sns-key.pem", "n1")).items()
                if k != "Signature"
            },
            id="no signature",
        ),
    ],
)
async def test_an_sns_message_that_cannot_be_verified_is_refused_and_not_stored(sns_app, make):
    engine, recorder, client, key, aws_url, _ = sns_app
    response = await client.post(
        "/events", content=json.dumps(make(key, aws_url)), headers=sns_headers()
    )
    assert response.status_code == 401
    await engine.run_until_idle()
    assert await Inbox(engine.store).task_counts() == {}


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-amz-sns-rawdelivery": "true"}, {"x-amz-sns-message-type": "Notification"}],
)
async def test_an_sns_shaped_body_is_verified_whatever_the_headers_say(sns_app, headers):
    engine, recorder, client, key, aws_url, _ = sns_app
    unsigned = notification(f"{aws_url}/sns-key.pem", "n1", SignatureVersion="1", Signature="AAAA")
    without_id = {k: v for k, v in unsigned.items() if k != "MessageId"}
    for body in (unsigned, without_id):
        response = await client.post("/events", json=body, headers=headers)
        assert response.status_code == 401
    await engine.run_until_idle()
    assert await Inbox(engine.store).task_counts() == {}


async def test_a_subscription_confirmation_is_verified_then_confirmed(sns_app):
    engine, recorder, client, key, aws_url, confirmations = sns_app
    confirmation = key.sign_sns(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": "c-1",
            "Token": "tok-123",
            "TopicArn": TOPIC,
            "Message": "You have chosen to subscribe to the topic.",
            "SubscribeURL": f"{aws_url}/confirm?Token=tok-123",
            "Timestamp": "2026-11-30T10:00:00.000Z",
            "SigningCertURL": f"{aws_url}/sns-key.pem",
        },
        "2",
    )
    response = await client.post(
        "/events", content=json.dumps(confirmation), headers=sns_headers("SubscriptionConfirmation")
    )
    assert response.status_code == 200, response.text
    assert confirmations == ["tok-123"]
    forged = {**confirmation, "SubscribeURL": f"{aws_url}/confirm?Token=other"}
    response = await client.post(
        "/events", content=json.dumps(forged), headers=sns_headers("SubscriptionConfirmation")
    )
    assert response.status_code == 401
    assert confirmations == ["tok-123"]


async def test_in_production_only_https_amazon_urls_are_trusted(sqlite_url):
    async with httpx.AsyncClient() as client:
        verifier = SnsVerifier(client)
        for url in (
            "http://sns.eu-west-1.amazonaws.com/cert.pem",
            "http://127.0.0.1:1/cert.pem",
            "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem",
            "https://evil.example/sns.eu-west-1.amazonaws.com/cert.pem",
        ):
            with pytest.raises(SnsRejected, match="SigningCertURL"):
                await verifier._public_key(url)
        with pytest.raises(SnsRejected, match="SubscribeURL"):
            await verifier.confirm({"SubscribeURL": "http://127.0.0.1:1/confirm"})
    assert verifier._trusted("https://sns.eu-west-1.amazonaws.com/x.pem", CERT_HOST)
    assert verifier._trusted("https://sns.cn-north-1.amazonaws.com.cn/x.pem", CERT_HOST)
