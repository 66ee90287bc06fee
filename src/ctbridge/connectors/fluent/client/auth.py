"""Fluent's OAuth password grant on the shared token cache (`ctbridge.http.oauth`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ctbridge.connectors.fluent.client.errors import (
    FluentAuthError,
    FluentRateLimited,
    FluentServerError,
)
from ctbridge.http.oauth import PasswordGrant, TokenCache, TokenEndpointErrors


@dataclass(frozen=True, slots=True)
class FluentCredentials:
    client_id: str
    client_secret: str
    username: str
    password: str


TOKEN_ERRORS = TokenEndpointErrors(
    target="Fluent",
    throttled=lambda reason, wait: FluentRateLimited(reason, status=429, retry_after=wait),
    unavailable=lambda reason: FluentServerError(reason),
    refused_credentials=lambda reason, status: FluentAuthError(reason, status=status),
)


class FluentToken(TokenCache):
    """The account's bearer token ("API Authentication": `POST <host>/oauth/token` with the
    password grant, `scope=api`, the client id and secret in the form; reference/fluent.md)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token_url: str,
        credentials: FluentCredentials,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        grant = PasswordGrant(
            token_url,
            credentials.username,
            credentials.password,
            errors=TOKEN_ERRORS,
            extra={
                "scope": "api",
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            },
        )
        super().__init__(grant, http, clock=clock)

    async def header(self) -> str:
        return f"Bearer {await self.token()}"
