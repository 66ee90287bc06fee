"""Runs the optional consumers beside the worker: Pub/Sub pull (CTBRIDGE_PUBSUB_SUBSCRIPTION), SQS (CTBRIDGE_SQS_QUEUE_URL)."""

from __future__ import annotations

import asyncio

from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.commercetools.pubsub_pull import PubSubPullConsumer
from ctbridge.commercetools.transports.settings import TransportSettings
from ctbridge.commercetools.transports.sqs import SqsConsumer
from ctbridge.host import Engine


async def run_pull_consumer(engine: Engine, intake: DeliveryIntake, stop: asyncio.Event) -> None:
    subscription = engine.settings.pubsub_subscription
    if not subscription:
        return
    consumer = PubSubPullConsumer(subscription, intake)
    try:
        await consumer.run(stop)
    finally:
        await consumer.aclose()


async def run_sqs_consumer(
    settings: TransportSettings, intake: DeliveryIntake, stop: asyncio.Event
) -> None:
    """Consumes CTBRIDGE_SQS_QUEUE_URL beside the worker, when it is set."""
    if not settings.sqs_queue_url:
        return
    consumer = SqsConsumer(
        settings.sqs_queue_url,
        intake,
        region=settings.sqs_region,
        endpoint_url=settings.aws_endpoint_url,
        wait_seconds=settings.sqs_wait_seconds,
        visibility_seconds=settings.sqs_visibility_seconds,
    )
    try:
        await consumer.run(stop)
    finally:
        await consumer.aclose()
