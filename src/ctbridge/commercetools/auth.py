"""OAuth2 client-credentials tokens for the commercetools API, cached and refreshed early."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from ctbridge.commercetools.errors import CommercetoolsError, TransportError, error_from_response

# Refresh when this share of the lifetime has passed, but never later than REFRESH_MARGIN_MAX
# seconds before expiry: a request started just before expiry must still carry a valid token.
REFRESH_AT_SHARE = 0.9
REFRESH_MARGIN_MAX = 300.0


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    refresh_at: float


def token_endpoint(auth_url: str) -> str:
    """`{auth_url}/oauth/token`, accepting an auth URL that already names the endpoint."""
    base = auth_url.rstrip("/")
    return base if base.endswith("/oauth/token") else f"{base}/oauth/token"


def refresh_delay(expires_in: float) -> float:
    """Seconds after issue at which a token of this lifetime should be replaced."""
    margin = min(REFRESH_MARGIN_MAX, expires_in * (1 - REFRESH_AT_SHARE))
    return max(0.0, expires_in - margin)


class ClientCredentialsAuth:
    """Fetches and caches one access token; concurrent callers share a single fetch.

    `invalidate(token)` drops the cached token after the API rejected it with 401, unless another
    caller already replaced it, so a burst of 401s causes one refresh, not one per request.
    """

    def __init__(
        self,
        *,
        auth_url: str,
        client_id: str,
        client_secret: str,
        scopes: Sequence[str],
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = token_endpoint(auth_url)
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = list(scopes)
        self._http = http
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(endpoint={self.endpoint!r}, client_id={self.client_id!r})"

    async def token(self) -> str:
        """A valid access token, fetched when none is cached or the cached one is due."""
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token.value
        async with self._lock:
            token = self._token
            if token is None or self._clock() >= token.refresh_at:
                token = await self._fetch()
                self._token = token
            return token.value

    def invalidate(self, rejected: str) -> None:
        if self._token is not None and self._token.value == rejected:
            self._token = None

    async def _fetch(self) -> AccessToken:
        data = {"grant_type": "client_credentials"}
        if self.scopes:
            data["scope"] = " ".join(self.scopes)
        issued = self._clock()
        try:
            response = await self._http.post(
                self.endpoint, data=data, auth=(self.client_id, self._client_secret)
            )
        except httpx.TransportError as error:
            raise TransportError(
                f"token request to {self.endpoint} failed: {type(error).__name__}"
            ) from error
        self.fetches += 1
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code != 200:
            raise error_from_response(response.status_code, body, response.headers)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise CommercetoolsError("token response has no access_token", status=200)
        expires_in = float(body.get("expires_in") or 0)
        return AccessToken(str(body["access_token"]), issued + refresh_delay(expires_in))
