"""Sends one request to a target the one way: bearer token, one refresh on 401, typed failures,
resends under the retry policy."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ctbridge.errors import Retryable
from ctbridge.http.oauth import CredentialsRefused, TokenCache
from ctbridge.http.outcomes import Outcome, may_resend, may_resend_status, outcome_of
from ctbridge.http.retry import OutageRide, Resend, ResendPolicy


class TargetErrors(Protocol):
    """How a target types its failures (each a Retryable or a Permanent for the worker)."""

    def transport(self, request: httpx.Request, error: httpx.TransportError) -> Exception: ...

    def response(self, response: httpx.Response) -> Exception:
        """The error for a final non-2xx answer (`ctbridge.http.outcomes.outcome_of` says which
        kind); 429 errors carry `retry_after`."""
        ...

    def token_refused(self, response: httpx.Response) -> Exception:
        """A freshly issued token was refused too. Usually Permanent (the credentials or their
        scopes are wrong); a Retryable answer (a target that also refuses with its refresh status
        when throttling) is resent like a 429."""
        ...


Pace = Callable[[], Awaitable[None]]
Throttled = Callable[[float], Awaitable[None]]
# A 429 without Retry-After pauses a shared limiter this long.
DEFAULT_THROTTLE_SECONDS = 1.0


@dataclass
class _Call:
    method: str
    url: str
    idempotent: bool
    errors: TargetErrors
    options: dict[str, Any]
    refreshed: bool = False


class TargetCaller:
    """One target's requests: each waits for a slot (when bounded) and `pace` (a shared rate
    limiter, when given), carries a bearer token (unless `tokens` is None: a key in the client's
    headers), gets
    one token refresh on 401, and is resent under `policy` when that cannot apply it twice:
    transport failures before sending, 429, and 502/503/504 or a lost answer only for idempotent
    requests. The final failure is the target's typed error. `refresh_statuses` are the answers
    that mean "token refused" (401; NewStore also 403). With `on_throttle`, a 429's Retry-After
    pauses the shared limiter instead of this call alone."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        target: str,
        tokens: TokenCache | None,
        policy: ResendPolicy,
        errors: TargetErrors,
        concurrency: int | None = None,
        pace: Pace | None = None,
        on_throttle: Throttled | None = None,
        refresh_statuses: frozenset[int] = frozenset({401}),
    ) -> None:
        self.http = http
        self.target = target
        self.tokens = tokens
        self.policy = policy
        self.errors = errors
        self._slots = asyncio.Semaphore(concurrency) if concurrency else None
        self._pace = pace
        self._on_throttle = on_throttle
        self.refresh_statuses = refresh_statuses
        self.sent = 0

    async def send(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        ride: OutageRide | None = None,
        errors: TargetErrors | None = None,
        **request: Any,
    ) -> httpx.Response:
        """The 2xx/3xx response; `request` are `httpx.AsyncClient.build_request` options,
        `errors` replaces the target's error mapping for this call."""
        call = _Call(method, url, idempotent, errors or self.errors, request)

        async def attempt() -> httpx.Response:
            return await self._attempt(call)

        return await self.policy.run(attempt, target=self.target, ride=ride)

    async def _attempt(self, call: _Call) -> httpx.Response:
        method, url, idempotent, options = call.method, call.url, call.idempotent, call.options
        while True:
            headers = dict(options.get("headers") or {})
            token = await self._token() if self.tokens is not None else None
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            request = self.http.build_request(method, url, **{**options, "headers": headers})
            try:
                response = await self._send(request)
            except httpx.TransportError as error:
                failure = call.errors.transport(request, error)
                if may_resend(error, idempotent=idempotent):
                    raise Resend(failure) from error
                raise failure from error
            if outcome_of(response.status_code) is Outcome.OK:
                return response
            if token is not None and response.status_code in self.refresh_statuses:
                if not call.refreshed:
                    call.refreshed = True  # once per call, resends included
                    self.tokens.invalidate(token)  # type: ignore[union-attr]
                    continue
                refused = call.errors.token_refused(response)
                if isinstance(refused, Retryable):
                    raise Resend(refused)
                raise refused
            failure = call.errors.response(response)
            resendable = may_resend_status(
                response.status_code,
                idempotent=idempotent,
                resend_statuses=self.policy.resend_statuses,
            )
            if response.status_code == 429 and self._on_throttle is not None:
                # Every worker waits the Retry-After out through the shared limiter, which the
                # next pace() honours; this call then resends without a wait of its own.
                await self._on_throttle(
                    getattr(failure, "retry_after", None) or DEFAULT_THROTTLE_SECONDS
                )
                raise Resend(failure, waited_elsewhere=True)
            if resendable:
                raise Resend(failure)
            raise failure

    async def _token(self) -> str:
        """The token endpoint is safe to ask again: its retryable failures are resent."""
        assert self.tokens is not None
        try:
            return await self.tokens.token()
        except Retryable as error:
            if isinstance(error, CredentialsRefused):
                raise
            raise Resend(error) from error.__cause__

    async def _send(self, request: httpx.Request) -> httpx.Response:
        if self._slots is None:
            return await self._send_now(request)
        async with self._slots:
            return await self._send_now(request)

    async def _send_now(self, request: httpx.Request) -> httpx.Response:
        if self._pace is not None:
            await self._pace()
        self.sent += 1
        return await self.http.send(request)
