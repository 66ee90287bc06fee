"""Consumes commercetools messages from an Amazon SQS queue (aiobotocore) into the inbox.

Long polling (ReceiveMessage WaitTimeSeconds, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html);
the visibility timeout of a batch is extended while it is being stored
(ChangeMessageVisibility, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html);
a message is deleted only once the intake has stored it (or knows it as a duplicate, ignored or
recorded as unusable), so a crash or a database failure leaves it in the queue. The body may be a
Platform or CloudEvents message, an SNS notification (raw delivery on or off) or an EventBridge
event: `DeliveryIntake` unwraps each.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from aiobotocore.session import get_session

from ctbridge.commercetools.delivery_intake import DeliveryIntake

log = structlog.get_logger("ctbridge.sqs")

# ReceiveMessage takes at most 10 messages and waits at most 20 s.
MAX_MESSAGES = 10


def region_of(queue_url: str) -> str | None:
    """`https://sqs.<region>.amazonaws.com/<account>/<name>` → region (None for other hosts)."""
    host = queue_url.split("://", 1)[-1].split("/", 1)[0]
    parts = host.split(".")
    if len(parts) >= 4 and parts[0] == "sqs" and parts[2] == "amazonaws":
        return parts[1]
    return None


class SqsConsumer:
    """Receives batches from `queue_url` and feeds each message body to the shared intake."""

    def __init__(
        self,
        queue_url: str,
        intake: DeliveryIntake,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        wait_seconds: int = 20,
        visibility_seconds: int = 60,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.queue_url = queue_url
        self.intake = intake
        self.region = region or region_of(queue_url) or "us-east-1"
        self.endpoint_url = endpoint_url
        self.wait_seconds = wait_seconds
        self.visibility_seconds = visibility_seconds
        self.client_options = client_options or {}
        self.deleted = 0
        self.visibility_extensions = 0
        self._client: Any = None
        self._exit: contextlib.AsyncExitStack | None = None

    async def open(self) -> None:
        if self._client is None:
            self._exit = contextlib.AsyncExitStack()
            self._client = await self._exit.enter_async_context(
                get_session().create_client(
                    "sqs",
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    **self.client_options,
                )
            )

    async def receive_once(self) -> int:
        """Receives one batch, stores it, deletes what was stored; returns how many it received."""
        await self.open()
        response = await self._client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=MAX_MESSAGES,
            WaitTimeSeconds=self.wait_seconds,
            VisibilityTimeout=self.visibility_seconds,
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if not messages:
            return 0
        keeper = asyncio.create_task(self._keep_invisible(messages))
        try:
            outcomes = await asyncio.gather(
                *(self._accept(message) for message in messages), return_exceptions=True
            )
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        stored = [m for m, outcome in zip(messages, outcomes, strict=True) if outcome is True]
        failed = len(messages) - len(stored)
        if failed:
            log.warning("SQS messages not stored; they will be received again", count=failed)
        if stored:
            await self._delete(stored)
        return len(messages)

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        log.info("consuming from SQS", queue=self.queue_url)
        while not stop.is_set():
            receiving = asyncio.create_task(self.receive_once())
            stopping = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if receiving not in done:
                # Stopping during a long poll: nothing received is lost (it stays invisible
                # until its timeout, then comes again).
                receiving.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await receiving
                break
            stopping.cancel()
            try:
                received = receiving.result()
            except Exception:
                log.exception("SQS receive failed; retrying")
                received = 0
            if received == 0 and not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)

    async def _accept(self, message: dict[str, Any]) -> bool:
        await self.intake.accept(message.get("Body", "").encode())
        return True

    async def _keep_invisible(self, messages: list[dict[str, Any]]) -> None:
        """While the batch is being stored, pushes its visibility timeout out at half-time."""
        while True:
            await asyncio.sleep(self.visibility_seconds / 2)
            await self._client.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self.visibility_seconds,
                    }
                    for i, m in enumerate(messages)
                ],
            )
            self.visibility_extensions += 1

    async def _delete(self, messages: list[dict[str, Any]]) -> None:
        response = await self._client.delete_message_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
        failures = response.get("Failed", [])
        if failures:
            # Stored but not deleted: it comes again and dedup makes it a no-op.
            log.warning("SQS delete failed for some messages", count=len(failures))
        self.deleted += len(response.get("Successful", []))

    async def aclose(self) -> None:
        if self._exit is not None:
            await self._exit.aclose()
            self._exit = None
            self._client = None
