"""A local RSA key with a self-signed certificate, served on 127.0.0.1, to sign test tokens and SNS messages."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from google.auth import crypt, jwt

from ctbridge.commercetools.transports.sns import string_to_sign


@dataclass
class SigningKey:
    key: rsa.RSAPrivateKey
    key_id: str

    @classmethod
    def generate(cls, key_id: str = "test-key") -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048), key_id)

    @property
    def private_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @property
    def certificate_pem(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ctbridge test")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(self.key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM).decode()

    def id_token(self, **claims) -> str:
        """A Google-style OIDC token signed with this key (RS256, `kid` in the header)."""
        signer = crypt.RSASigner.from_string(self.private_pem, self.key_id)
        return jwt.encode(signer, claims).decode()

    def sign_sns(self, message: dict, version: str = "1") -> dict:
        digest = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = self.key.sign(string_to_sign(message), padding.PKCS1v15(), digest)
        return {
            **message,
            "SignatureVersion": version,
            "Signature": base64.b64encode(signature).decode(),
        }


def certificates_app(*keys: SigningKey) -> FastAPI:
    """Serves Google's certs format ({kid: PEM}) at /certs and each PEM at /<kid>.pem (as SNS)."""
    app = FastAPI()
    fetches = {"count": 0}
    app.state.fetches = fetches

    @app.get("/certs")
    async def certs() -> JSONResponse:
        fetches["count"] += 1
        return JSONResponse(
            {k.key_id: k.certificate_pem for k in keys},
            headers={"cache-control": "public, max-age=3600"},
        )

    @app.get("/{key_id}.pem")
    async def pem(key_id: str) -> PlainTextResponse:
        fetches["count"] += 1
        for k in keys:
            if k.key_id == key_id:
                return PlainTextResponse(k.certificate_pem)
        return PlainTextResponse("not found", status_code=404)

    return app
