"""The API token that guards ctbridge's unsigned Fluent endpoints, compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request


class ApiToken:
    """A shared key in a header: identification and access control, not full authentication.
    Without a configured token every request is refused (403), never let through."""

    def __init__(self, token: str | None, header: str) -> None:
        self._token = token.encode() if token else None
        self.header = header

    def check(self, request: Request) -> None:
        if self._token is None:
            raise HTTPException(403, "this endpoint is off: FLUENT_API_TOKEN is not set")
        given = request.headers.get(self.header, "").encode()
        if not hmac.compare_digest(given, self._token):
            raise HTTPException(401, f"missing or wrong {self.header} header")
