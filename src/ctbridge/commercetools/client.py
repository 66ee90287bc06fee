"""The async commercetools HTTP API client: its endpoints, keyset paging, conflict-safe updates
(auth and retries are `ctbridge.http`'s)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import structlog

from ctbridge import json_text
from ctbridge.commercetools.auth import ClientCredentialsAuth
from ctbridge.commercetools.errors import (
    ConcurrentModification,
    NotFound,
    TransportError,
    error_from_response,
)
from ctbridge.http.caller import TargetCaller
from ctbridge.http.metrics import counting_client
from ctbridge.http.retry import ResendPolicy

if TYPE_CHECKING:
    from ctbridge.settings import CommercetoolsSettings

MAX_PAGE_SIZE = 500
MAX_ACTIONS_PER_REQUEST = 500

Resource = dict[str, Any]
Actions = list[dict[str, Any]]
ComputeActions = Callable[[Resource], Actions | Awaitable[Actions]]
Predicates = str | Sequence[str] | None

log = structlog.get_logger("ctbridge.commercetools")


class CommercetoolsClient:
    """One commercetools project through its HTTP API.

    Paths are relative to the project (`"product-projections/ID"`). Requests are retried with
    exponential backoff and full jitter on connection failures, 502/503/504 and 429 (honouring
    Retry-After) up to `max_retries` times, except that a non-idempotent request (a create) is
    never sent twice once it may have reached the server. `concurrency` bounds requests in flight
    from this client.
    """

    def __init__(
        self,
        *,
        project_key: str,
        client_id: str,
        client_secret: str,
        api_url: str,
        auth_url: str,
        scopes: Sequence[str],
        timeout: float = 10.0,
        max_retries: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int | None = None,
        max_connections: int = 20,
        retry_policy: ResendPolicy | None = None,
    ) -> None:
        self.project_key = project_key
        self.api_url = api_url.rstrip("/")
        self.retry = retry_policy or ResendPolicy(max_retries=max_retries)
        self._http = counting_client(
            "commercetools",
            base_url=f"{self.api_url}/{quote(project_key, safe='')}/",
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "ctbridge"},
        )
        self.auth = ClientCredentialsAuth(
            auth_url=auth_url,
            client_id=client_id,
            client_secret=client_secret,
            scopes=scopes,
            http=self._http,
        )
        self._caller = TargetCaller(
            self._http,
            target="commercetools",
            tokens=self.auth,
            policy=self.retry,
            errors=_ApiErrors(),
            concurrency=concurrency,
        )

    @classmethod
    def from_settings(cls, settings: CommercetoolsSettings, **options: Any) -> CommercetoolsClient:
        return cls(
            project_key=settings.project_key,
            client_id=settings.client_id,
            client_secret=settings.client_secret.get_secret_value(),
            api_url=settings.api_base,
            auth_url=settings.auth_base,
            scopes=settings.scopes,
            **options,
        )

    def __repr__(self) -> str:
        return f"CommercetoolsClient(project_key={self.project_key!r}, api_url={self.api_url!r})"

    async def __aenter__(self) -> CommercetoolsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def authenticate(self) -> None:
        """Fetches an access token now, unless a valid one is cached (a job's warm-up)."""
        await self.auth.token()

    # Plain requests -------------------------------------------------------------------------

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self._request("GET", path, params=params, idempotent=True)

    async def post(
        self,
        path: str,
        json: Any,
        params: dict[str, Any] | None = None,
        *,
        idempotent: bool = False,
    ) -> Any:
        """POST; pass `idempotent=True` only when replaying the body is harmless (a versioned
        update is: a replay is answered with 409)."""
        return await self._request("POST", path, params=params, json=json, idempotent=idempotent)

    async def project(self) -> Resource:
        """GET /{projectKey} (api-specs/api/types/project/Project.raml): countries, currencies,
        the `messages` settings, ... Asked without a trailing slash, the documented path."""
        return await self.get(self._project_url)

    async def update_project(self, version: int, actions: Actions) -> Resource:
        """POST /{projectKey} with a ProjectUpdate (ProjectUpdate.raml); 409 on a stale version."""
        body = {"version": version, "actions": list(actions)}
        return await self.post(self._project_url, body, idempotent=True)

    @property
    def _project_url(self) -> str:
        return f"{self.api_url}/{quote(self.project_key, safe='')}"

    async def get_by_id(
        self, resource: str, id: str, params: dict[str, Any] | None = None
    ) -> Resource:
        """The resource with this id; raises NotFound."""
        return await self.get(f"{resource}/{quote(id, safe='')}", params)

    async def get_by_key(
        self, resource: str, key: str, params: dict[str, Any] | None = None
    ) -> Resource:
        """The resource with this key; raises NotFound."""
        return await self.get(f"{resource}/key={quote(key, safe='')}", params)

    async def find_by_key(
        self, resource: str, key: str, params: dict[str, Any] | None = None
    ) -> Resource | None:
        """The resource with this key, or None when there is none."""
        try:
            return await self.get_by_key(resource, key, params)
        except NotFound:
            return None

    async def query(
        self,
        resource: str,
        *,
        where: Predicates = None,
        sort: str | Sequence[str] | None = None,
        limit: int = MAX_PAGE_SIZE,
        offset: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One page: `{"results": [...], "count", "offset", "limit", ...}`; predicates are ANDed."""
        query: dict[str, Any] = dict(params or {})
        predicates = _predicates(where)
        if predicates:
            query["where"] = predicates
        if sort:
            query["sort"] = [sort] if isinstance(sort, str) else list(sort)
        query["limit"] = limit
        if offset is not None:
            query["offset"] = offset
        return await self.get(resource, query)

    async def pages(
        self,
        resource: str,
        *,
        where: Predicates = None,
        params: dict[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        after_id: str | None = None,
    ) -> AsyncIterator[list[Resource]]:
        """Every matching resource once, in id order, as pages (keyset paging, no offset).

        Each request asks for `id > "<last id>"` ANDed with `where`, `sort=id asc`,
        `withTotal=false`; a page shorter than `page_size` ends the walk. Start after `after_id`
        to resume from a checkpoint.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        predicates = _predicates(where)
        last = after_id
        while True:
            cursor = [f'id > "{_escape(last)}"'] if last is not None else []
            query = {
                **(params or {}),
                "sort": "id asc",
                "limit": page_size,
                "withTotal": "false",
            }
            if predicates or cursor:
                query["where"] = [*predicates, *cursor]
            page = await self.get(resource, query)
            results: list[Resource] = page.get("results", [])
            if results:
                yield results
                last = results[-1]["id"]
            if len(results) < page_size:
                return

    # Writes ---------------------------------------------------------------------------------

    async def create(
        self, resource: str, draft: dict[str, Any], params: dict[str, Any] | None = None
    ) -> Resource:
        """Creates from a draft. Never resent once it may have reached the server: after a read
        timeout this raises TransportError and the caller decides (look up by key, then retry)."""
        return await self.post(resource, draft, params)

    async def update_version(
        self,
        resource: str,
        id: str,
        version: int,
        actions: Actions,
        params: dict[str, Any] | None = None,
    ) -> Resource:
        """Applies actions at `version`, in requests of at most 500 actions, each sent with the
        version the previous one returned. Raises ConcurrentModification on a stale version."""
        if not actions:
            raise ValueError("an update needs at least one action")
        current: Resource = {}
        for start in range(0, len(actions), MAX_ACTIONS_PER_REQUEST):
            chunk = actions[start : start + MAX_ACTIONS_PER_REQUEST]
            current = await self.post(
                f"{resource}/{quote(id, safe='')}",
                {"version": version, "actions": chunk},
                params,
                idempotent=True,
            )
            version = int(current["version"])
        return current

    async def update(
        self,
        resource: str,
        id: str,
        compute_actions: ComputeActions,
        *,
        max_conflicts: int = 5,
        params: dict[str, Any] | None = None,
    ) -> Resource:
        """Fetch, compute actions from what was fetched, post them with its version.

        On 409 the resource is fetched again and the actions recomputed from the new state, at
        most `max_conflicts` times (then ConcurrentModification is raised): actions are never
        sent against a view other than the one they were computed from. An empty action list
        sends nothing and returns the resource as fetched.
        """
        current = await self.get_by_id(resource, id, params)
        conflicts = 0
        while True:
            actions = compute_actions(current)
            if inspect.isawaitable(actions):
                actions = await actions
            if not actions:
                return current
            try:
                return await self.update_version(
                    resource, id, int(current["version"]), list(actions), params
                )
            except ConcurrentModification:
                conflicts += 1
                if conflicts > max_conflicts:
                    raise
                log.info("commercetools.conflict", resource=resource, id=id, conflicts=conflicts)
                current = await self.get_by_id(resource, id, params)

    async def delete(
        self,
        resource: str,
        id: str,
        version: int,
        params: dict[str, Any] | None = None,
    ) -> Resource:
        query = {**(params or {}), "version": version}
        return await self._request(
            "DELETE", f"{resource}/{quote(id, safe='')}", params=query, idempotent=True
        )

    # Transport ------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotent: bool,
    ) -> Any:
        response = await self._caller.send(
            method, path.lstrip("/"), idempotent=idempotent, params=_query(params), json=json
        )
        return _body(response)


class _ApiErrors:
    """commercetools answers as typed errors (`ctbridge.commercetools.errors`)."""

    def transport(self, request: httpx.Request, error: httpx.TransportError) -> Exception:
        return TransportError(
            f"{request.method} {request.url.path}: {type(error).__name__}: {error}"
        )

    def response(self, response: httpx.Response) -> Exception:
        return error_from_response(response.status_code, _body(response), response.headers)

    def token_refused(self, response: httpx.Response) -> Exception:
        return self.response(response)


def _predicates(where: Predicates) -> list[str]:
    if where is None:
        return []
    if isinstance(where, str):
        return [where] if where.strip() else []
    return [w for w in where if w.strip()]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _query(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """httpx query params; booleans as the API spells them."""
    if not params:
        return None
    return {
        name: ("true" if value else "false") if isinstance(value, bool) else value
        for name, value in params.items()
        if value is not None
    }


def _body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json_text.loads(response.content)
    except ValueError:
        return response.text
