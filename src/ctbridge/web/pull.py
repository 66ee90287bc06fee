"""Runs the optional Pub/Sub pull consumer beside the worker when CTBRIDGE_PUBSUB_SUBSCRIPTION is set."""

from __future__ import annotations

import asyncio

from ctbridge.commercetools.intake import DeliveryIntake
from ctbridge.commercetools.pubsub_pull import PubSubPullConsumer
from ctbridge.engine.host import Engine


async def run_pull_consumer(engine: Engine, intake: DeliveryIntake, stop: asyncio.Event) -> None:
    subscription = engine.settings.pubsub_subscription
    if not subscription:
        return
    consumer = PubSubPullConsumer(subscription, intake)
    try:
        await consumer.run(stop)
    finally:
        await consumer.aclose()
