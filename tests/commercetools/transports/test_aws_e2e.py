"""End to end on AWS, against moto in server mode (real HTTP on 127.0.0.1): `ctbridge deploy` with an
SQS, SNS or EventBridge destination on the commercetools emulator, the emulator delivering there,
ctbridge's SQS consumer storing and handling the message, and the queue left empty."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import boto3
import pytest
from tests.cli.test_cli import ctbridge
from tests.commercetools.transports.conftest import REGION
from tests.engine.recording import open_engine
from tests.sandbox.commercetools.drafts import product_draft

from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.commercetools.transports.sqs import SqsConsumer
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer

ACCOUNT = "123456789012"
CONNECTOR = "tests.engine.effects_worker:EffectsConnector"


@pytest.fixture
def emulator(moto_url) -> Iterator[tuple[CommercetoolsEmulator, str]]:
    emulator = CommercetoolsEmulator()
    emulator.delivery.configure(aws_endpoint_url=moto_url, backoff_seconds=0.05)
    with BackgroundServer(emulator.app) as server:
        yield emulator, server.url


def aws(service: str, moto_url: str):
    return boto3.client(
        service,
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def new_queue(moto_url: str, name: str) -> tuple[str, str]:
    sqs = aws("sqs", moto_url)
    url = sqs.create_queue(QueueName=f"{name}-{time.monotonic_ns()}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def destination_env(kind: str, moto_url: str, queue_url: str, queue_arn: str) -> dict[str, str]:
    """Creates what the user creates in AWS for this destination; returns deploy's variables."""
    if kind.startswith("SQS"):
        env = {
            "CTBRIDGE_DESTINATION_TYPE": "SQS",
            "CTBRIDGE_DESTINATION_QUEUE_URL": queue_url,
            "CTBRIDGE_DESTINATION_REGION": REGION,
        }
        if kind == "SQS-CloudEvents":
            env["CTBRIDGE_DESTINATION_FORMAT"] = "CloudEvents"
        return env
    if kind.startswith("SNS"):
        sns = aws("sns", moto_url)
        topic = sns.create_topic(Name=f"ct-{time.monotonic_ns()}")["TopicArn"]
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true" if kind == "SNS-raw" else "false"},
        )
        return {"CTBRIDGE_DESTINATION_TYPE": "SNS", "CTBRIDGE_DESTINATION_TOPIC_ARN": topic}
    # EventBridge: a rule sends commercetools' partner events to the queue. moto delivers partner
    # events on the default bus (it cannot address a bus whose name contains '/'), so the rule is
    # there instead of on the associated partner event bus.
    events = aws("events", moto_url)
    rule = f"ct-{time.monotonic_ns()}"
    events.put_rule(
        Name=rule,
        EventPattern=json.dumps({"source": [{"prefix": "aws.partner/commercetools.com/"}]}),
    )
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return {
        "CTBRIDGE_DESTINATION_TYPE": "EventBridge",
        "CTBRIDGE_DESTINATION_REGION": REGION,
        "CTBRIDGE_DESTINATION_ACCOUNT_ID": ACCOUNT,
    }


async def consume_until(consumer: SqsConsumer, done, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "nothing arrived in time"
        await consumer.receive_once()


def queue_depth(moto_url: str, queue_url: str) -> int:
    attributes = aws("sqs", moto_url).get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


@pytest.mark.parametrize("kind", ["SQS", "SQS-CloudEvents", "SNS", "SNS-raw", "EventBridge"])
async def test_deploy_deliver_consume(kind, moto_url, aws_env, emulator, sqlite_url, tmp_path):
    ct, ct_url = emulator
    queue_url, queue_arn = new_queue(moto_url, kind.lower())
    env = {
        "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/deploy.db",
        "CTBRIDGE_CONNECTORS": CONNECTOR,
        "CTP_PROJECT_KEY": ct.project_key,
        "CTP_CLIENT_ID": ct.client_id,
        "CTP_CLIENT_SECRET": ct.client_secret,
        "CTP_API_URL": ct_url,
        "CTP_AUTH_URL": ct_url,
        **destination_env(kind, moto_url, queue_url, queue_arn),
    }
    deployed = await asyncio.to_thread(ctbridge, "deploy", env=env)
    assert deployed.returncode == 0, deployed.stderr
    assert "subscription ctbridge-effects created" in deployed.stdout

    product_type = ct.create("product-types", {"name": "t", "description": ""})["id"]
    product = ct.create("products", product_draft("p1", product_type))
    ct.update("products", product["id"], [{"action": "publish"}])
    assert await asyncio.to_thread(ct.wait_for_deliveries, 20)
    [published] = ct.messages("ProductPublished")
    assert ct.state()["delivery"]["counters"]["failed"] == 0

    engine, made = await open_engine(sqlite_url)
    inbox = Inbox(engine.store)
    writer = IntakeWriter(inbox)
    consumer = SqsConsumer(
        queue_url,
        DeliveryIntake(engine.registry, inbox, writer),
        region=REGION,
        endpoint_url=moto_url,
        wait_seconds=1,
    )
    try:
        # the subscription's test notification (ignored) and ProductPublished
        await consume_until(consumer, lambda: consumer.deleted >= 2)
        await engine.run_until_idle()
        assert [m.id for m in made["recorder"].applied] == [published["id"]]
        assert made["recorder"].applied[0].resource_id == product["id"]
        assert await inbox.rejections() == []
        assert queue_depth(moto_url, queue_url) == 0
    finally:
        await consumer.aclose()
        await writer.close()
        await engine.close()
