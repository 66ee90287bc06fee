"""Fluent's OAuth password grant: one cached bearer token, refreshed before it expires."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ctbridge.connectors.fluent.client.errors import (
    FluentAuthError,
    FluentRateLimited,
    FluentServerError,
    FluentTransportError,
)

REFRESH_MARGIN_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class FluentCredentials:
    client_id: str
    client_secret: str
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    token_type: str
    expires_at: float


class PasswordGrantToken:
    """Gets a token with the password grant (form body) and keeps it until shortly before expiry.

    `clock` is monotonic seconds; the token is refreshed `refresh_margin` seconds (at most half
    its lifetime) before it expires, and at once after `invalidate()` (a 401 from the API).
    Concurrent callers share one token request.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        token_url: str,
        credentials: FluentCredentials,
        *,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._http = http
        self._url = token_url
        self._credentials = credentials
        self._clock = clock
        self._margin = refresh_margin
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()
        self.fetched = 0

    async def header(self) -> str:
        token = self._token
        if token is None or self._clock() >= token.expires_at:
            token = await self._refresh(token)
        return f"Bearer {token.value}"

    def invalidate(self, rejected_header: str) -> None:
        """Forgets the token a request was refused with (unless another call already replaced it)."""
        if self._token is not None and rejected_header == f"Bearer {self._token.value}":
            self._token = None

    async def _refresh(self, stale: AccessToken | None) -> AccessToken:
        async with self._lock:
            if self._token is not None and self._token is not stale:
                if self._clock() < self._token.expires_at:
                    return self._token
            self._token = await self._request()
            return self._token

    async def _request(self) -> AccessToken:
        creds = self._credentials
        form = {
            "grant_type": "password",
            "scope": "api",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "username": creds.username,
            "password": creds.password,
        }
        try:
            response = await self._http.post(self._url, data=form)
        except httpx.TransportError as error:
            raise FluentTransportError(
                f"Fluent token request failed: {type(error).__name__}"
            ) from None
        if response.status_code == 429:
            raise FluentRateLimited("Fluent token endpoint throttled", status=429)
        if response.status_code >= 500:
            raise FluentServerError(
                f"Fluent token endpoint answered {response.status_code}",
                status=response.status_code,
            )
        if response.status_code != 200:
            raise FluentAuthError(
                f"Fluent refused the credentials ({response.status_code} {_oauth_error(response)})",
                status=response.status_code,
            )
        body = response.json()
        lifetime = float(body.get("expires_in") or 0)
        margin = min(self._margin, lifetime / 2)
        self.fetched += 1
        return AccessToken(
            value=str(body["access_token"]),
            token_type=str(body.get("token_type", "bearer")),
            expires_at=self._clock() + lifetime - margin,
        )


def _oauth_error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""
