"""Checks Fluent's `fluent-signature` (SHA512withRSA, base64) over a webhook's raw body."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

SIGNATURE_HEADER = "fluent-signature"
PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


class PublicKeyInvalid(ValueError):
    """A configured key is neither a PEM public key nor base64 DER (SubjectPublicKeyInfo)."""


def parse_public_keys(text: str) -> list[RSAPublicKey]:
    """Every key in `text`: PEM blocks, or base64 DER keys (as Fluent's SDK ships them)
    separated by commas or whitespace. Several keys allow a rotation without downtime."""
    blocks = PEM_BLOCK.findall(text)
    keys: list[RSAPublicKey] = []
    try:
        if blocks:
            keys = [_rsa(load_pem_public_key(block.encode())) for block in blocks]
        else:
            for part in re.split(r"[\s,]+", text.strip()):
                if part:
                    keys.append(_rsa(load_der_public_key(base64.b64decode(part, validate=True))))
    except PublicKeyInvalid:
        raise
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as error:
        raise PublicKeyInvalid(f"not a public key: {type(error).__name__}") from None
    return keys


def _rsa(key: object) -> RSAPublicKey:
    if not isinstance(key, RSAPublicKey):
        raise PublicKeyInvalid("Fluent signs with RSA; the key is of another kind")
    return key


class FluentWebhookVerifier:
    """`verify(body, header)` is True when any configured key validates the signature.

    With no key configured nothing verifies: an unsigned endpoint is never the default.
    """

    def __init__(self, keys: Iterable[RSAPublicKey]) -> None:
        self.keys = list(keys)

    def verify(self, body: bytes, signature: str | None) -> bool:
        if not signature or not self.keys:
            return False
        try:
            raw = base64.b64decode(signature.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        for key in self.keys:
            try:
                key.verify(raw, body, padding.PKCS1v15(), hashes.SHA512())
            except InvalidSignature:
                continue
            return True
        return False
