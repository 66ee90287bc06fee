"""Signed webhooks the emulator sends: an RSA key made at start, `fluent-signature` over the body."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNATURE_HEADER = "fluent-signature"
LEGACY_SIGNATURE_HEADER = "flex.signature"


class WebhookSigner:
    """Signs like a Fluent environment: SHA512withRSA (and the legacy MD5withRSA header)."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key_pem = (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    @property
    def public_key_der_base64(self) -> str:
        """The key as Fluent's SDK configuration carries it (base64 DER)."""
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self._key.sign(body, padding.PKCS1v15(), hashes.SHA512())).decode()

    def headers(self, body: bytes) -> dict[str, str]:
        # Fluent still sends the legacy MD5withRSA header; ctbridge never verifies with it.
        legacy = self._key.sign(body, padding.PKCS1v15(), hashes.MD5())  # noqa: S303
        return {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: self.sign(body),
            LEGACY_SIGNATURE_HEADER: base64.b64encode(legacy).decode(),
        }


def webhook_body(
    name: str,
    *,
    account_id: str,
    retailer_id: str,
    entity_type: str,
    entity: dict[str, Any],
    root_type: str | None = None,
    root: dict[str, Any] | None = None,
    attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The minimal event body Fluent posts: ids as strings, the entity's status, no details."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "name": name,
        "accountId": account_id,
        "retailerId": retailer_id,
        "entityId": str(entity["id"]),
        "entityRef": entity.get("ref"),
        "entityType": entity_type,
        "entitySubtype": entity.get("type"),
        "entityStatus": entity.get("status"),
        "type": "NORMAL",
        "attributes": attributes or {},
    }
    if root is not None:
        body.update(
            {
                "rootEntityId": str(root["id"]),
                "rootEntityRef": root.get("ref"),
                "rootEntityType": root_type,
            }
        )
    check_contract(body)
    return body


# "Connector Contracts - Order Update Contract" (docs.fluentcommerce.com/building-blocks/
# connector-contracts-order-update-contract): the webhook notification's JSON schema requires
# these and types every property shown as a string (`attributes` is a free map; "Introduction
# to Webhooks" shows `entityStatus`, `type` and `attributes` too).
REQUIRED_FIELDS = ("id", "name", "accountId", "retailerId", "entityId", "entityRef", "entityType")
STRING_FIELDS = (
    *REQUIRED_FIELDS,
    "entitySubtype",
    "entityStatus",
    "rootEntityId",
    "rootEntityRef",
    "rootEntityType",
    "type",
)


def check_contract(body: dict[str, Any]) -> None:
    """The emulator never sends a webhook Fluent's contract would not describe."""
    missing = [name for name in REQUIRED_FIELDS if not body.get(name)]
    if missing:
        raise ValueError(f"webhook without required field(s): {', '.join(missing)}")
    for name in STRING_FIELDS:
        if name in body and body[name] is not None and not isinstance(body[name], str):
            raise ValueError(f"webhook field {name} must be a string")


class WebhookSender:
    """Posts signed bodies to `url`; keeps (body, status or error) of every attempt in `sent`.

    Like Fluent, a request that gets no answer is tried again (`attempts` times in all)."""

    def __init__(self, signer: WebhookSigner, *, timeout: float = 5.0) -> None:
        self.signer = signer
        self.url: str | None = None
        self.timeout = timeout
        self.sent: list[tuple[dict[str, Any], int | str]] = []

    def _request(self, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        raw = json.dumps(body).encode()
        return raw, self.signer.headers(raw)

    async def deliver(
        self, body: dict[str, Any], *, url: str | None = None, attempts: int = 3
    ) -> int:
        raw, headers = self._request(body)
        target = url or self.url
        if target is None:
            raise RuntimeError("no webhook URL configured (set emulator.webhooks.url)")
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            for attempt in range(attempts):
                try:
                    response = await http.post(target, content=raw, headers=headers)
                except httpx.TransportError as error:
                    self.sent.append((body, type(error).__name__))
                    if attempt + 1 == attempts:
                        raise
                    continue
                self.sent.append((body, response.status_code))
                return response.status_code
        raise RuntimeError("unreachable")

    def deliver_sync(self, body: dict[str, Any], *, url: str | None = None) -> int:
        raw, headers = self._request(body)
        target = url or self.url
        if target is None:
            raise RuntimeError("no webhook URL configured (set emulator.webhooks.url)")
        response = httpx.post(target, content=raw, headers=headers, timeout=self.timeout)
        self.sent.append((body, response.status_code))
        return response.status_code
