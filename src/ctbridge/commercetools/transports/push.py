"""Push deliveries to `/events` from any sender (Pub/Sub, SNS, Event Grid, direct), into one intake.

The sender is recognised by its envelope: an SNS message is verified (signature, topic) before
anything in it is used; Event Grid's validation is answered; a JSON array (an Event Grid batch) is
split into its events. Every message then goes through `DeliveryIntake.accept`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ctbridge import json_text
from ctbridge.commercetools.delivery_intake import DeliveryIntake, IntakeResult
from ctbridge.commercetools.transports import eventgrid, sns
from ctbridge.commercetools.transports.push_auth import PushAuthenticator
from ctbridge.commercetools.transports.settings import TransportSettings
from ctbridge.http.tls import shared_tls_context

# Event Grid delivers at most 5000 events per batch (maxEventsPerBatch); more is not Event Grid.
MAX_BATCH = 5000


class PushIntake:
    """`/events` in front of `DeliveryIntake`: authentication, sender handshakes, batches."""

    def __init__(
        self,
        intake: DeliveryIntake,
        settings: TransportSettings,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.intake = intake
        self.client = client or httpx.AsyncClient(
            verify=shared_tls_context(), timeout=httpx.Timeout(10.0, connect=5.0)
        )
        self.authenticator = PushAuthenticator(settings, self.client)
        self.sns = sns.SnsVerifier(
            self.client,
            topic_arn=settings.sns_topic_arn,
            allow_loopback=settings.sns_allow_loopback,
        )

    @property
    def requires_credentials(self) -> bool:
        """Whether `allows` checks anything (CTBRIDGE_EVENTS_TOKEN, OIDC or an Event Grid key)."""
        return self.authenticator.required

    async def allows(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        return await self.authenticator.allows(headers, query)

    async def accept(self, body: bytes, headers: Mapping[str, str]) -> IntakeResult:
        """Raises `sns.SnsRejected` for an SNS message that cannot be trusted (answer 401), and
        whatever `DeliveryIntake.accept` raises when a good message could not be stored."""
        document = _json_or_none(body)
        # Whatever the headers say (a sender chooses them): an SNS-shaped body is verified.
        if sns.is_sns_envelope(document):
            return await self._sns(document, body, headers)
        code = eventgrid.validation_code(document, headers)
        if code is not None:
            return IntakeResult(
                "ignored", "Event Grid validation", reply={"validationResponse": code}
            )
        if isinstance(document, list) and 0 < len(document) <= MAX_BATCH:
            return await self._batch(document, headers)
        if document is None:  # not JSON (or `null`): the intake says why it is unusable
            return await self.intake.accept(body, headers)
        return await self.intake.accept(body, headers, parsed=document)

    async def _sns(
        self, document: dict[str, Any], body: bytes, headers: Mapping[str, str]
    ) -> IntakeResult:
        await self.sns.verify(document)
        kind = document["Type"]
        if kind == "SubscriptionConfirmation":
            await self.sns.confirm(document)
            return IntakeResult(
                "ignored", "SNS subscription confirmed", reply={"status": "confirmed"}
            )
        if kind == "UnsubscribeConfirmation":
            return IntakeResult("ignored", "SNS unsubscribe confirmation")
        return await self.intake.accept(body, headers)

    async def _batch(self, events: list[Any], headers: Mapping[str, str]) -> IntakeResult:
        results = [
            await self.intake.accept(json.dumps(event).encode(), headers) for event in events
        ]
        connectors = sorted({name for result in results for name in result.connectors})
        statuses = {result.status for result in results}
        status = next(s for s in ("accepted", "duplicate", "rejected", "ignored") if s in statuses)
        return IntakeResult(status, f"batch of {len(results)}", connectors)

    async def aclose(self) -> None:
        await self.client.aclose()


def _json_or_none(body: bytes) -> Any:
    try:
        return json_text.loads(body)
    except (ValueError, RecursionError):
        return None
