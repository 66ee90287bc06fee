"""NewStore access tokens: client credentials (preferred) or the deprecated password grant, on
the shared token cache (`ctbridge.http.oauth`)."""

from __future__ import annotations

from ctbridge.connectors.newstore.errors import (
    NewStoreAuthFailed,
    NewStoreRateLimited,
    NewStoreUnavailable,
)
from ctbridge.http import oauth
from ctbridge.http.oauth import IssuedToken, TokenCache, TokenGrant

__all__ = ["ClientCredentialsGrant", "IssuedToken", "PasswordGrant", "TokenCache", "TokenGrant"]


TOKEN_ERRORS = oauth.TokenEndpointErrors(
    target="NewStore",
    throttled=lambda reason, wait: NewStoreRateLimited(reason, retry_after=wait),
    unavailable=lambda reason: NewStoreUnavailable(reason),
    refused_credentials=lambda reason, status: NewStoreAuthFailed(
        f"{reason}; check NEW_STORE_* auth"
    ),
)


class ClientCredentialsGrant(oauth.ClientCredentialsGrant):
    """OAuth2 client credentials against the tenant's realm (API clients)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str) -> None:
        super().__init__(token_url, client_id, client_secret, errors=TOKEN_ERRORS)


class PasswordGrant(oauth.PasswordGrant):
    """The reference connector's `POST {base}/v0/token` (deprecated by NewStore, kept for parity)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        token_url = f"{base_url.rstrip('/')}/v0/token"
        super().__init__(token_url, username, password, errors=TOKEN_ERRORS)
