"""OAuth2 client-credentials tokens for the emulated auth host, with expiry."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Callable

from ctbridge.sandbox.commercetools.errors import ApiError


class TokenIssuer:
    """Issues bearer tokens to one API client and checks them on every API request."""

    def __init__(
        self,
        project_key: str,
        client_id: str,
        client_secret: str,
        *,
        ttl_seconds: float = 172_800,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.project_key = project_key
        self.client_id = client_id
        self.client_secret = client_secret
        self.ttl_seconds = ttl_seconds
        self.issued = 0
        self._clock = clock
        self._tokens: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        authorization: str | None,
        form: dict[str, str],
    ) -> dict[str, object]:
        client_id, client_secret = _credentials(authorization, form)
        if not (
            secrets.compare_digest(client_id, self.client_id)
            and secrets.compare_digest(client_secret, self.client_secret)
        ):
            raise ApiError(
                401,
                "invalid_client",
                "Please provide valid client credentials using HTTP Basic Authentication.",
            )
        if form.get("grant_type") != "client_credentials":
            raise ApiError(400, "unsupported_grant_type", "Only client_credentials is supported.")
        scope = form.get("scope") or f"manage_project:{self.project_key}"
        for item in scope.split():
            if ":" in item and item.split(":", 1)[1] != self.project_key:
                raise ApiError(400, "invalid_scope", f"Invalid scope '{item}' for this client.")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (self._clock() + self.ttl_seconds, scope)
            self.issued += 1
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.ttl_seconds),
            "scope": scope,
        }

    def check(self, authorization: str | None) -> None:
        """Raise 401 `invalid_token` unless the header carries a live token of this issuer."""
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            entry = self._tokens.get(token) if scheme.lower() == "bearer" else None
            if entry is not None and entry[0] <= self._clock():
                del self._tokens[token]
                entry = None
        if entry is None:
            raise ApiError(401, "invalid_token", "invalid_token")


def _credentials(authorization: str | None, form: dict[str, str]) -> tuple[str, str]:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded).decode()
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return form.get("client_id", ""), form.get("client_secret", "")
