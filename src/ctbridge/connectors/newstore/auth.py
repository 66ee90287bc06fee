"""NewStore access tokens: client credentials (preferred) or the deprecated password grant, on
the shared token cache (`ctbridge.http.oauth`)."""

from __future__ import annotations

import httpx

from ctbridge.connectors.newstore.errors import (
    NewStoreAuthFailed,
    NewStoreRateLimited,
    NewStoreUnavailable,
)
from ctbridge.http import oauth
from ctbridge.http.oauth import IssuedToken, TokenCache, TokenGrant
from ctbridge.http.retry_after import parse_retry_after

__all__ = ["ClientCredentialsGrant", "IssuedToken", "PasswordGrant", "TokenCache", "TokenGrant"]


class TokenEndpointErrors:
    """The identity service's failures as NewStore errors."""

    def transport(self, error: httpx.TransportError) -> Exception:
        return NewStoreUnavailable(f"NewStore token endpoint unreachable: {error!r}")

    def refused(self, response: httpx.Response) -> Exception:
        status = response.status_code
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return NewStoreRateLimited("NewStore token endpoint throttled", retry_after=retry_after)
        if status >= 500:
            return NewStoreUnavailable(f"NewStore token endpoint answered {status}")
        return NewStoreAuthFailed(
            f"NewStore refused the credentials ({status}); check NEW_STORE_* auth"
        )


class ClientCredentialsGrant(oauth.ClientCredentialsGrant):
    """OAuth2 client credentials against the tenant's realm (API clients)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str) -> None:
        super().__init__(token_url, client_id, client_secret, errors=TokenEndpointErrors())


class PasswordGrant(oauth.PasswordGrant):
    """The reference connector's `POST {base}/v0/token` (deprecated by NewStore, kept for parity)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        token_url = f"{base_url.rstrip('/')}/v0/token"
        super().__init__(token_url, username, password, errors=TokenEndpointErrors())
