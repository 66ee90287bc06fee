"""Delivery to AWS (SQS, SNS, EventBridge — via an AWS-compatible endpoint such as moto) and Azure
Event Grid, as commercetools does for those subscription destinations.

What commercetools puts there (https://docs.commercetools.com/api/projects/subscriptions#destination):
SQS — the message (Platform or CloudEvents JSON) as the message body; SNS — the same JSON as the
SNS `Message`; EventBridge — a partner event whose `detail` is the message, on the partner event
source `aws.partner/commercetools.com/<projectKey>/<subscriptionKey>`; Event Grid — the CloudEvent
published to the topic `uri` with the `aeg-sas-key` header.
Not documented by commercetools, and so chosen here: the EventBridge `DetailType` (the message
type, or the notification type for changes) and the SQS/SNS message attributes (none).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiobotocore.session import get_session

AWS_TYPES = frozenset({"SQS", "SNS", "EventBridge"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Credentials for an AWS emulator when the destination uses IAM (moto accepts any).
EMULATOR_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def event_bridge_source(project_key: str, subscription_key: str | None) -> str:
    return f"aws.partner/commercetools.com/{project_key}/{subscription_key or 'subscription'}"


class CloudDestinations:
    """AWS clients (one per service, region and credentials) on the delivery loop; closed by
    `aclose`. Event Grid deliveries go only to loopback URIs: the sandbox never leaves the host."""

    def __init__(self, endpoint_url: Callable[[], str | None]) -> None:
        self.endpoint_url = endpoint_url
        self._clients: dict[tuple[str, str, str, str], Any] = {}
        self._exit = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()
        self._partner_sources: set[str] = set()

    def handles(self, destination: dict[str, Any]) -> bool:
        kind = destination.get("type")
        if kind in AWS_TYPES:
            return self.endpoint_url() is not None
        if kind == "EventGrid":
            return (urlsplit(str(destination.get("uri", ""))).hostname or "") in LOOPBACK_HOSTS
        return False

    async def send(
        self,
        http: httpx.AsyncClient,
        destination: dict[str, Any],
        body: dict[str, Any],
        content_type: str,
        *,
        project_key: str,
        subscription_key: str | None,
    ) -> bool:
        """Delivers `body`; True when the destination accepted it."""
        kind = destination["type"]
        text = json.dumps(body)
        if kind == "EventGrid":
            response = await http.post(
                destination["uri"],
                content=text.encode(),
                headers={"content-type": content_type, "aeg-sas-key": destination["accessKey"]},
            )
            return 200 <= response.status_code < 300
        if kind == "SQS":
            sqs = await self._client("sqs", destination["region"], destination)
            await sqs.send_message(QueueUrl=destination["queueUrl"], MessageBody=text)
        elif kind == "SNS":
            region = destination["topicArn"].split(":")[3]
            sns = await self._client("sns", region, destination)
            await sns.publish(TopicArn=destination["topicArn"], Message=text)
        else:
            # As the partner, commercetools creates the partner event source in the customer's
            # account (CreatePartnerEventSource) and sends with PutPartnerEvents
            # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-saas.html).
            source = event_bridge_source(project_key, subscription_key)
            events = await self._client("events", destination["region"], destination)
            if source not in self._partner_sources:
                with contextlib.suppress(events.exceptions.ResourceAlreadyExistsException):
                    await events.create_partner_event_source(
                        Name=source, Account=destination["accountId"]
                    )
                self._partner_sources.add(source)
            detail_type = body.get("type") or body.get("notificationType") or "Message"
            result = await events.put_partner_events(
                Entries=[{"Source": source, "DetailType": str(detail_type), "Detail": text}]
            )
            return not result.get("FailedEntryCount")
        return True

    async def _client(self, service: str, region: str, destination: dict[str, Any]) -> Any:
        credentials = (
            {
                "aws_access_key_id": destination["accessKey"],
                "aws_secret_access_key": destination["accessSecret"],
            }
            if destination.get("authenticationMode") == "Credentials"
            else EMULATOR_CREDENTIALS
        )
        endpoint = self.endpoint_url()
        cache_key = (service, region, credentials["aws_access_key_id"], endpoint or "")
        async with self._lock:
            client = self._clients.get(cache_key)
            if client is None:
                client = await self._exit.enter_async_context(
                    get_session().create_client(
                        service, region_name=region, endpoint_url=endpoint, **credentials
                    )
                )
                self._clients[cache_key] = client
        return client

    async def aclose(self) -> None:
        await self._exit.aclose()
        self._clients.clear()
