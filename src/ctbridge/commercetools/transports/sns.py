"""Amazon SNS HTTPS deliveries: signature verification (versions 1 and 2) and subscription confirmation.

Rules from https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html and
https://docs.aws.amazon.com/sns/latest/dg/http-subscription-confirmation-json.html (message fields).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

log = structlog.get_logger("ctbridge.sns")

MESSAGE_TYPES = frozenset({"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"})
# The fields signed, in this order, each as "Name\nValue\n" (Subject only when present).
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
# SignatureVersion 1 signs a SHA1 digest, 2 a SHA256 digest (SetTopicAttributes SignatureVersion).
DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
# "The certificate should come from an SNS-signed URL": sns.<region>.amazonaws.com over HTTPS
# (amazonaws.com.cn in the China regions).
CERT_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
SUBSCRIBE_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_CACHED_CERTS = 32


class SnsRejected(Exception):
    """The SNS message cannot be trusted; `reason` says why (never a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_sns_envelope(document: Any) -> bool:
    """An SNS JSON message as SNS posts it to an HTTP/S endpoint (raw delivery off). Anything the
    delivery parser would unwrap as SNS counts, so no such body reaches it unverified."""
    return (
        isinstance(document, dict)
        and document.get("Type") in MESSAGE_TYPES
        and "TopicArn" in document
    )


def string_to_sign(document: Mapping[str, Any]) -> bytes:
    kind = document.get("Type")
    fields = NOTIFICATION_FIELDS if kind == "Notification" else CONFIRMATION_FIELDS
    parts: list[str] = []
    for name in fields:
        value = document.get(name)
        if value is None:
            if name == "Subject":
                continue
            raise SnsRejected(f"SNS message has no {name}")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode()


class SnsVerifier:
    """Verifies SNS messages against the certificate at `SigningCertURL` (host checked, cached by
    URL) and, when `topic_arn` is set, refuses messages from any other topic."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        topic_arn: str | None = None,
        allow_loopback: bool = False,
    ) -> None:
        self.client = client
        self.topic_arn = topic_arn
        self.allow_loopback = allow_loopback
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._lock = asyncio.Lock()

    async def verify(self, document: Mapping[str, Any]) -> None:
        if self.topic_arn is not None and document.get("TopicArn") != self.topic_arn:
            raise SnsRejected("SNS message is from an unexpected topic")
        version = str(document.get("SignatureVersion", ""))
        digest = DIGESTS.get(version)
        if digest is None:
            raise SnsRejected(f"unsupported SNS SignatureVersion {version!r}")
        try:
            signature = base64.b64decode(str(document.get("Signature", "")), validate=True)
        except (binascii.Error, ValueError):
            raise SnsRejected("SNS Signature is not base64") from None
        key = await self._public_key(str(document.get("SigningCertURL", "")))
        try:
            key.verify(signature, string_to_sign(document), padding.PKCS1v15(), digest())
        except InvalidSignature:
            raise SnsRejected("SNS signature does not match") from None

    async def confirm(self, document: Mapping[str, Any]) -> None:
        """Confirms a verified SubscriptionConfirmation by fetching its SubscribeURL."""
        url = str(document.get("SubscribeURL", ""))
        if not self._trusted(url, SUBSCRIBE_HOST):
            raise SnsRejected("SubscribeURL is not an https URL of Amazon SNS")
        response = await self.client.get(url)
        response.raise_for_status()
        log.info("SNS subscription confirmed", topic=document.get("TopicArn"))

    async def _public_key(self, url: str) -> rsa.RSAPublicKey:
        if not self._trusted(url, CERT_HOST):
            raise SnsRejected("SigningCertURL is not an https URL on sns.<region>.amazonaws.com")
        async with self._lock:
            key = self._keys.get(url)
            if key is None:
                try:
                    response = await self.client.get(url)
                    response.raise_for_status()
                    certificate = x509.load_pem_x509_certificate(response.content)
                except (httpx.HTTPError, ValueError):
                    raise SnsRejected("SNS signing certificate could not be fetched") from None
                public_key = certificate.public_key()
                if not isinstance(public_key, rsa.RSAPublicKey):
                    raise SnsRejected("SNS signing certificate has no RSA key")
                if len(self._keys) >= MAX_CACHED_CERTS:
                    self._keys.clear()
                key = self._keys[url] = public_key
            return key

    def _trusted(self, url: str, hosts: re.Pattern[str]) -> bool:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme == "https" and hosts.match(host):
            return True
        return self.allow_loopback and parts.scheme in ("http", "https") and host in LOOPBACK_HOSTS
