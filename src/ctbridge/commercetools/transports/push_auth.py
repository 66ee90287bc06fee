"""Who may push to `/events`: a Pub/Sub OIDC token, the shared events token, or the Event Grid key."""

from __future__ import annotations

import asyncio
import hmac
import re
import time
from collections.abc import Mapping

import httpx
import structlog
from google.auth import exceptions as google_exceptions
from google.auth import jwt

from ctbridge.commercetools.transports.settings import TransportSettings
from ctbridge.http.tls import shared_tls_context

log = structlog.get_logger("ctbridge.push_auth")

# https://docs.cloud.google.com/pubsub/docs/authenticate-push-subscriptions: the token is an
# OpenID Connect JWT signed by Google; verify the signature, `exp`, `aud`, that `iss` is Google
# and that `email` is the push subscription's service account with `email_verified` true.
GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
CLOCK_SKEW_SECONDS = 10
DEFAULT_CERTS_TTL = 300.0
MIN_REFETCH_SECONDS = 30.0
# Event Grid's key header (https://learn.microsoft.com/azure/event-grid/authenticate-with-access-keys-shared-access-signatures):
# commercetools sends it with the destination's accessKey; a webhook subscription can be given the
# same header as a secret delivery property (https://learn.microsoft.com/azure/event-grid/delivery-properties).
EVENTGRID_KEY_HEADER = "aeg-sas-key"
MAX_AGE = re.compile(r"max-age=(\d+)")


class GoogleCertificates:
    """Google's token-signing certificates ({key id: PEM}), fetched over HTTP and cached for the
    response's max-age; an unknown key id refetches (keys rotate), at most every 30 s."""

    def __init__(self, url: str, client: httpx.AsyncClient) -> None:
        self.url = url
        self.client = client
        self._certs: dict[str, str] = {}
        self._expires_at = 0.0
        self._fetched_at = -MIN_REFETCH_SECONDS
        self._lock = asyncio.Lock()

    async def get(self, key_id: str | None) -> dict[str, str]:
        async with self._lock:
            now = time.monotonic()
            stale = now >= self._expires_at
            unknown = key_id is not None and key_id not in self._certs
            if stale or (unknown and now - self._fetched_at >= MIN_REFETCH_SECONDS):
                response = await self.client.get(self.url)
                response.raise_for_status()
                self._certs = {str(k): str(v) for k, v in response.json().items()}
                match = MAX_AGE.search(response.headers.get("cache-control", ""))
                ttl = float(match.group(1)) if match else DEFAULT_CERTS_TTL
                self._fetched_at = now
                self._expires_at = now + ttl
            return self._certs


class PushAuthenticator:
    """`allows(headers, query)` is True when no credential is configured, or when the request
    carries one that is valid. Secrets are compared in constant time and never logged."""

    def __init__(
        self, settings: TransportSettings, client: httpx.AsyncClient | None = None
    ) -> None:
        self.settings = settings.checked()
        self.client = client or httpx.AsyncClient(
            verify=shared_tls_context(), timeout=httpx.Timeout(10.0, connect=5.0)
        )
        self.certificates = GoogleCertificates(settings.push_certs_url, self.client)
        token = settings.events_token
        self._token = token.get_secret_value().encode() if token is not None else None
        key = settings.eventgrid_key
        self._eventgrid_key = key.encode() if key else None

    @property
    def required(self) -> bool:
        return self.settings.authentication_configured

    async def allows(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        if not self.required:
            return True
        bearer = _bearer(headers.get("authorization", ""))
        if self._token is not None:
            for offered in (query.get("token"), bearer):
                if offered is not None and _same(offered, self._token):
                    return True
        if self._eventgrid_key is not None:
            offered = headers.get(EVENTGRID_KEY_HEADER)
            if offered is not None and _same(offered, self._eventgrid_key):
                return True
        if self.settings.oidc_configured and bearer:
            return await self.valid_oidc_token(bearer)
        return False

    async def valid_oidc_token(self, token: str) -> bool:
        try:
            header = jwt.decode_header(token)
            certs = await self.certificates.get(header.get("kid"))
            claims = jwt.decode(
                token,
                certs=certs,
                audience=self.settings.push_audience,
                clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
            )
        except (ValueError, google_exceptions.GoogleAuthError) as error:
            log.warning("push token refused", reason=str(error).split("\n")[0][:200])
            return False
        except httpx.HTTPError:
            log.warning("could not fetch Google's token certificates")
            return False
        if claims.get("iss") not in GOOGLE_ISSUERS:
            log.warning("push token refused", reason="issuer is not Google")
            return False
        expected = self.settings.push_service_account
        if expected is not None and (
            claims.get("email") != expected or claims.get("email_verified") is not True
        ):
            log.warning("push token refused", reason="not the configured service account")
            return False
        return True

    async def aclose(self) -> None:
        await self.client.aclose()


def _bearer(authorization: str) -> str | None:
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def _same(offered: str, expected: bytes) -> bool:
    return hmac.compare_digest(offered.encode(), expected)
