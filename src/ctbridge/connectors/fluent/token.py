"""Fluent's OAuth password grant on the shared token cache (`ctbridge.http.oauth`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ctbridge.connectors.fluent.errors import (
    FluentAuthError,
    FluentRateLimited,
    FluentServerError,
    FluentTransportError,
)
from ctbridge.http.oauth import PasswordGrant, TokenCache
from ctbridge.http.retry_after import parse_retry_after


@dataclass(frozen=True, slots=True)
class FluentCredentials:
    client_id: str
    client_secret: str
    username: str
    password: str


class TokenEndpointErrors:
    """The token endpoint's failures as Fluent errors: 429 and 5xx retryable, the rest means the
    credentials were refused."""

    def transport(self, error: httpx.TransportError) -> Exception:
        return FluentTransportError(f"Fluent token request failed: {type(error).__name__}")

    def refused(self, response: httpx.Response) -> Exception:
        status = response.status_code
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return FluentRateLimited(
                "Fluent token endpoint throttled", status=429, retry_after=retry_after
            )
        if status >= 500:
            return FluentServerError(f"Fluent token endpoint answered {status}", status=status)
        return FluentAuthError(
            f"Fluent refused the credentials ({status} {_oauth_error(response)})", status=status
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
            errors=TokenEndpointErrors(),
            extra={
                "scope": "api",
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            },
        )
        super().__init__(grant, http, clock=clock)

    async def header(self) -> str:
        return f"Bearer {await self.token()}"


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""
