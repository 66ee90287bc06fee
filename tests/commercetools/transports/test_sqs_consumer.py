"""The SQS consumer against moto in server mode: delete only after storing, visibility extended
while storing, unusable bodies recorded and deleted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path

import pytest
from tests.commercetools.transports.conftest import REGION
from tests.commercetools.transports.test_aws_e2e import aws, new_queue, queue_depth
from tests.engine.recording import open_engine

from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.commercetools.transports.sqs import SqsConsumer, region_of
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter


def message(message_id: str) -> dict:
    return {
        "notificationType": "Message",
        "id": message_id,
        "version": 1,
        "sequenceNumber": 1,
        "resource": {"typeId": "product", "id": f"p-{message_id}"},
        "resourceVersion": 1,
        "type": "ProductPublished",
    }


async def consumer_for(sqlite_url, queue_url, moto_url, *, intake_class=DeliveryIntake, **options):
    engine, made = await open_engine(sqlite_url)
    inbox = Inbox(engine.store)
    writer = IntakeWriter(inbox)
    consumer = SqsConsumer(
        queue_url,
        intake_class(engine.registry, inbox, writer),
        region=REGION,
        endpoint_url=moto_url,
        wait_seconds=1,
        **options,
    )
    return engine, made["recorder"], writer, consumer


async def close(engine, writer, consumer) -> None:
    await consumer.aclose()
    await writer.close()
    await engine.close()


async def test_a_message_that_could_not_be_stored_stays_in_the_queue(
    moto_url, aws_env, sqlite_url, tmp_path
):
    queue_url, _ = new_queue(moto_url, "unstored")
    aws("sqs", moto_url).send_message(QueueUrl=queue_url, MessageBody=json.dumps(message("m1")))

    engine, recorder, writer, consumer = await consumer_for(
        sqlite_url, queue_url, moto_url, visibility_seconds=1
    )
    # The database loses its tables: storing fails for real.
    await engine.store.engine.dispose()
    await asyncio.to_thread(Path(sqlite_url.removeprefix("sqlite:///")).unlink)
    received = 0
    deadline = time.monotonic() + 20
    while received == 0 and time.monotonic() < deadline:
        received = await consumer.receive_once()
    assert received == 1 and consumer.deleted == 0
    assert queue_depth(moto_url, queue_url) == 1
    await consumer.aclose()

    await writer.close()
    with contextlib.suppress(Exception):
        await engine.close()
    engine, recorder, writer, consumer = await consumer_for(
        f"sqlite:///{tmp_path}/second.db", queue_url, moto_url
    )
    try:
        deadline = time.monotonic() + 20
        while consumer.deleted == 0:
            assert time.monotonic() < deadline
            await consumer.receive_once()
        await engine.run_until_idle()
        assert [m.id for m in recorder.applied] == ["m1"]
        assert queue_depth(moto_url, queue_url) == 0
    finally:
        await close(engine, writer, consumer)


class IntakeThatWaitsForAnExtension(DeliveryIntake):
    """Stores only after the consumer has extended the batch's visibility once: a slow store."""

    consumer: SqsConsumer | None = None

    async def accept(self, body, headers=None):
        deadline = time.monotonic() + 20
        while self.consumer is None or self.consumer.visibility_extensions == 0:
            assert time.monotonic() < deadline, "visibility was never extended"
            await asyncio.sleep(0.05)
        return await super().accept(body, headers)


async def test_visibility_is_extended_while_a_batch_is_being_stored(moto_url, aws_env, sqlite_url):
    queue_url, _ = new_queue(moto_url, "slow")
    sqs = aws("sqs", moto_url)
    for i in range(3):
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message(f"s{i}")))
    engine, recorder, writer, consumer = await consumer_for(
        sqlite_url,
        queue_url,
        moto_url,
        intake_class=IntakeThatWaitsForAnExtension,
        visibility_seconds=2,
    )
    consumer.intake.consumer = consumer
    try:
        received = 0
        deadline = time.monotonic() + 20
        while received < 3:
            assert time.monotonic() < deadline
            received += await consumer.receive_once()
        assert consumer.visibility_extensions >= 1
        assert consumer.deleted == 3
        await engine.run_until_idle()
        assert sorted(m.id for m in recorder.applied) == ["s0", "s1", "s2"]
        assert queue_depth(moto_url, queue_url) == 0
    finally:
        await close(engine, writer, consumer)


async def test_an_unusable_body_is_recorded_and_deleted(moto_url, aws_env, sqlite_url):
    queue_url, _ = new_queue(moto_url, "bad")
    sqs = aws("sqs", moto_url)
    sqs.send_message(QueueUrl=queue_url, MessageBody="{not json")
    sqs.send_message(
        QueueUrl=queue_url, MessageBody=json.dumps({"detail-type": "x", "source": "y"})
    )
    engine, recorder, writer, consumer = await consumer_for(sqlite_url, queue_url, moto_url)
    try:
        deadline = time.monotonic() + 20
        while consumer.deleted < 2:
            assert time.monotonic() < deadline
            await consumer.receive_once()
        reasons = sorted(r["reason"] for r in await Inbox(engine.store).rejections())
        assert reasons == ["EventBridge event has no detail object", "body is not JSON"]
        assert queue_depth(moto_url, queue_url) == 0
    finally:
        await close(engine, writer, consumer)


@pytest.mark.parametrize(
    "url, region",
    [
        ("https://sqs.eu-west-1.amazonaws.com/123456789012/ct", "eu-west-1"),
        ("http://127.0.0.1:5000/123456789012/ct", None),
    ],
)
def test_the_region_comes_from_the_queue_url(url, region):
    assert region_of(url) == region
