"""commercetools API tokens: the client-credentials grant on the shared token cache."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import httpx

from ctbridge.commercetools.errors import CommercetoolsError, TransportError, error_from_response
from ctbridge.http.oauth import ClientCredentialsGrant, TokenCache, refresh_delay

__all__ = ["ClientCredentialsAuth", "TokenEndpointErrors", "refresh_delay", "token_endpoint"]


def token_endpoint(auth_url: str) -> str:
    """`{auth_url}/oauth/token`, accepting an auth URL that already names the endpoint."""
    base = auth_url.rstrip("/")
    return base if base.endswith("/oauth/token") else f"{base}/oauth/token"


class TokenEndpointErrors:
    """The token endpoint's failures as commercetools errors (OAuth error bodies understood)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def transport(self, error: httpx.TransportError) -> Exception:
        return TransportError(f"token request to {self.endpoint} failed: {type(error).__name__}")

    def refused(self, response: httpx.Response) -> Exception:
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code == 200:
            return CommercetoolsError("token response has no access_token", status=200)
        return error_from_response(response.status_code, body, response.headers)


class ClientCredentialsAuth(TokenCache):
    """The project's access token (client credentials with the configured scopes)."""

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
        self.scopes = list(scopes)
        grant = ClientCredentialsGrant(
            self.endpoint,
            client_id,
            client_secret,
            scopes=scopes,
            errors=TokenEndpointErrors(self.endpoint),
        )
        super().__init__(grant, http, clock=clock)

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(endpoint={self.endpoint!r}, client_id={self.client_id!r})"

    @property
    def fetches(self) -> int:
        return self.issued
