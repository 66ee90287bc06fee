"""NewStore access tokens: client credentials (preferred) or the deprecated password grant,
cached and refreshed before they expire."""

from __future__ import annotations

import abc
import asyncio
import time
from dataclasses import dataclass

import httpx

from ctbridge.connectors.newstore.errors import NewStoreAuthFailed, NewStoreUnavailable

EARLY_REFRESH_SECONDS = 300.0
DEFAULT_TTL_SECONDS = 3600.0


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: float


class TokenGrant(abc.ABC):
    """One way of obtaining a token from NewStore's identity service."""

    @abc.abstractmethod
    async def issue(self, http: httpx.AsyncClient) -> IssuedToken: ...


class ClientCredentialsGrant(TokenGrant):
    """OAuth2 client credentials against the tenant's realm (API clients)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str) -> None:
        self.token_url = token_url
        self._credentials = httpx.BasicAuth(client_id, client_secret)

    def __repr__(self) -> str:
        return f"ClientCredentialsGrant(token_url={self.token_url!r})"

    async def issue(self, http: httpx.AsyncClient) -> IssuedToken:
        return await _issue(
            http, self.token_url, data={"grant_type": "client_credentials"}, auth=self._credentials
        )


class PasswordGrant(TokenGrant):
    """The reference connector's `POST {base}/v0/token` (deprecated by NewStore, kept for parity)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.token_url = f"{base_url.rstrip('/')}/v0/token"
        self._body = {"grant_type": "password", "username": username, "password": password}

    def __repr__(self) -> str:
        return f"PasswordGrant(token_url={self.token_url!r})"

    async def issue(self, http: httpx.AsyncClient) -> IssuedToken:
        return await _issue(http, self.token_url, data=self._body)


async def _issue(
    http: httpx.AsyncClient,
    url: str,
    *,
    data: dict[str, str],
    auth: httpx.Auth | None = None,
) -> IssuedToken:
    try:
        response = await http.post(url, data=data, auth=auth or httpx.USE_CLIENT_DEFAULT)
    except httpx.HTTPError as error:
        raise NewStoreUnavailable(f"NewStore token endpoint unreachable: {error!r}") from None
    if response.status_code >= 500:
        raise NewStoreUnavailable(f"NewStore token endpoint answered {response.status_code}")
    if response.status_code != 200:
        raise NewStoreAuthFailed(
            f"NewStore refused the credentials ({response.status_code}); check NEW_STORE_* auth"
        )
    body = response.json()
    return IssuedToken(
        access_token=str(body["access_token"]),
        expires_in=float(body.get("expires_in") or DEFAULT_TTL_SECONDS),
    )


class TokenCache:
    """Hands out a valid token, fetching a new one shortly before the current one expires.

    Refreshes `min(300 s, 10 % of the lifetime)` early; `invalidate` drops a token NewStore
    refused so the next call fetches a fresh one. Concurrent callers share one fetch.
    """

    def __init__(self, grant: TokenGrant, http: httpx.AsyncClient) -> None:
        self.grant = grant
        self._http = http
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.issued = 0

    async def token(self) -> str:
        if self._token is not None and time.monotonic() < self._refresh_at:
            return self._token
        async with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_at:
                issued = await self.grant.issue(self._http)
                margin = min(EARLY_REFRESH_SECONDS, issued.expires_in * 0.1)
                self._token = issued.access_token
                self._refresh_at = time.monotonic() + issued.expires_in - margin
                self.issued += 1
            return self._token

    def invalidate(self, token: str) -> None:
        if self._token == token:
            self._token = None
