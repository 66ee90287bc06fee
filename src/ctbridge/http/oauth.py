"""One OAuth2 token cache for every target, with the grants they use (client credentials,
password), refreshed early and dropped once the target refuses the token.

Written over httpx rather than with authlib: authlib is not among ctbridge's kept libraries, and
its `AsyncOAuth2Client` is an `httpx.AsyncClient` of its own that renews by refresh token or an
expiry check; the three systems need neither, but they need one refresh shared by concurrent
callers, a refresh early by a share of the lifetime, the token endpoint's failures typed per target
(retryable or not), and the counting transport of `ctbridge.http.metrics`. What is left is a form
POST per grant, below.
"""

from __future__ import annotations

import abc
import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ctbridge.http.retry_after import parse_retry_after

# Refresh when this share of the lifetime has passed, but never later than REFRESH_MARGIN_MAX
# seconds before expiry: a request started just before expiry must still carry a valid token.
REFRESH_AT_SHARE = 0.9
REFRESH_MARGIN_MAX = 300.0
# When the endpoint names no lifetime (RFC 6749 §5.1 makes expires_in optional).
DEFAULT_LIFETIME = 3600.0


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: float


class CredentialsRefused(Exception):
    """Marks a target's error for a token endpoint that refused the credentials: asking again at
    once cannot help, whether or not the target lets the worker retry it later."""


class TokenErrors(Protocol):
    """How a target types the failures of its token endpoint."""

    def transport(self, error: httpx.TransportError) -> Exception: ...

    def refused(self, response: httpx.Response) -> Exception:
        """The endpoint answered something other than 200: retryable for 429/5xx, else not."""
        ...


@dataclass(frozen=True)
class TokenEndpointErrors:
    """A target's token endpoint failures typed by outcome: 429 `throttled(reason, retry_after)`,
    5xx and no answer `unavailable(reason)`, any other answer `refused(reason, status)` (the
    credentials were refused; the error should also be a `CredentialsRefused` when Retryable)."""

    target: str
    throttled: Callable[[str, float | None], Exception]
    unavailable: Callable[[str], Exception]
    refused_credentials: Callable[[str, int], Exception]

    def transport(self, error: httpx.TransportError) -> Exception:
        return self.unavailable(f"{self.target} token request failed: {type(error).__name__}")

    def refused(self, response: httpx.Response) -> Exception:
        status = response.status_code
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return self.throttled(f"{self.target} token endpoint throttled", retry_after)
        if status >= 500:
            return self.unavailable(f"{self.target} token endpoint answered {status}")
        said = " ".join(filter(None, [str(status), _oauth_error(response)]))
        return self.refused_credentials(f"{self.target} refused the credentials ({said})", status)


def _oauth_error(response: httpx.Response) -> str:
    """The `error` code of an OAuth error answer (RFC 6749 §5.2), never its description."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


class TokenGrant(abc.ABC):
    """One way of obtaining a token (an OAuth2 grant)."""

    @abc.abstractmethod
    async def issue(self, http: httpx.AsyncClient) -> IssuedToken: ...


class FormGrant(TokenGrant):
    """A grant that POSTs a form to the token URL (RFC 6749 §4.3, §4.4)."""

    def __init__(
        self,
        token_url: str,
        form: Mapping[str, str],
        *,
        errors: TokenErrors,
        basic_auth: tuple[str, str] | None = None,
    ) -> None:
        self.token_url = token_url
        self._form = dict(form)
        self._errors = errors
        self._auth = httpx.BasicAuth(*basic_auth) if basic_auth else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token_url={self.token_url!r})"

    async def issue(self, http: httpx.AsyncClient) -> IssuedToken:
        try:
            response = await http.post(
                self.token_url, data=self._form, auth=self._auth or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.TransportError as error:
            raise self._errors.transport(error) from error
        if response.status_code != 200:
            raise self._errors.refused(response)
        return issued_token(response, self._errors)


class ClientCredentialsGrant(FormGrant):
    """OAuth2 client credentials, the client authenticated with HTTP Basic (RFC 6749 §4.4)."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        errors: TokenErrors,
        scopes: Sequence[str] = (),
    ) -> None:
        form = {"grant_type": "client_credentials"}
        if scopes:
            form["scope"] = " ".join(scopes)
        super().__init__(token_url, form, errors=errors, basic_auth=(client_id, client_secret))
        self.client_id = client_id
        self.scopes = list(scopes)


class PasswordGrant(FormGrant):
    """OAuth2 resource owner password (RFC 6749 §4.3); `extra` carries the client id/secret or
    scope for systems that want them in the form (Fluent)."""

    def __init__(
        self,
        token_url: str,
        username: str,
        password: str,
        *,
        errors: TokenErrors,
        extra: Mapping[str, str] | None = None,
    ) -> None:
        form = {"grant_type": "password", **(extra or {}), "username": username}
        form["password"] = password
        super().__init__(token_url, form, errors=errors)


def issued_token(response: httpx.Response, errors: TokenErrors) -> IssuedToken:
    """The token of a 200 answer; an answer without `access_token` is the endpoint's failure."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("access_token"):
        raise errors.refused(response)
    lifetime = body.get("expires_in")
    return IssuedToken(
        access_token=str(body["access_token"]),
        expires_in=DEFAULT_LIFETIME if lifetime is None else float(lifetime),
    )


def refresh_delay(expires_in: float) -> float:
    """Seconds after issue at which a token of this lifetime should be replaced."""
    margin = min(REFRESH_MARGIN_MAX, expires_in * (1 - REFRESH_AT_SHARE))
    return max(0.0, expires_in - margin)


class TokenCache:
    """Hands out a valid token; concurrent callers share a single fetch.

    `invalidate(token)` drops the cached token after the target refused it (401), unless another
    caller already replaced it, so a burst of 401s causes one refresh, not one per request.
    """

    def __init__(
        self,
        grant: TokenGrant,
        http: httpx.AsyncClient | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.grant = grant
        self._http = http
        self._clock = clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.issued = 0

    def __repr__(self) -> str:
        return f"TokenCache(grant={self.grant!r})"

    async def token(self) -> str:
        """A valid access token, fetched when none is cached or the cached one is due."""
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token
        async with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                started = self._clock()
                issued = await self.grant.issue(self._http)  # type: ignore[arg-type]
                self.issued += 1
                self._token = issued.access_token
                self._refresh_at = started + refresh_delay(issued.expires_in)
            return self._token

    def invalidate(self, rejected: str) -> None:
        if self._token is not None and self._token == rejected:
            self._token = None
