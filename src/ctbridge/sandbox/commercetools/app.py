"""HTTP routes of the commercetools emulator: auth host, project API and sandbox controls."""

from __future__ import annotations

import contextlib
import json
import urllib.parse
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from ctbridge.sandbox.commercetools.errors import ApiError, invalid_input, invalid_json, not_found
from ctbridge.sandbox.commercetools.price_selection import price_selector, with_selected_prices
from ctbridge.sandbox.commercetools.projection import projections
from ctbridge.sandbox.commercetools.projection_search import search
from ctbridge.sandbox.commercetools.querying import parse_query, run_query

if TYPE_CHECKING:
    from ctbridge.sandbox.commercetools.emulator import CommercetoolsEmulator


def _params(request: Request) -> dict[str, list[str]]:
    return {name: request.query_params.getlist(name) for name in request.query_params.keys()}


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except ValueError as error:
        raise invalid_json(f"Request body does not contain valid JSON: {error}") from error


def _expand(request: Request) -> list[str]:
    return request.query_params.getlist("expand")


Authorize = Callable[[Request, str], None]


def build_app(emu: CommercetoolsEmulator) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with emu.delivery_running():
            yield

    app = FastAPI(
        title="commercetools emulator",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        failure = ApiError(500, "General", f"Unexpected emulator error: {type(error).__name__}")
        return JSONResponse(failure.body(), status_code=500)

    def authorize(request: Request, project: str) -> None:
        emu.tokens.check(request.headers.get("authorization"))
        if project != emu.project_key:
            raise ApiError(403, "insufficient_scope", f"No access to project '{project}'.")

    @app.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        # Parsed by hand: Starlette's form parser needs python-multipart, which is not a dependency.
        form = dict(urllib.parse.parse_qsl((await request.body()).decode("latin-1")))
        form.update({key: value for key, value in request.query_params.items()})
        issued = emu.tokens.issue(request.headers.get("authorization"), form)
        return JSONResponse(issued)

    _sandbox_routes(app, emu, authorize)
    _project_routes(app, emu, authorize)
    _projection_routes(app, emu, authorize)
    _custom_object_routes(app, emu, authorize)
    _resource_routes(app, emu, authorize)
    return app


def _sandbox_routes(app: FastAPI, emu: CommercetoolsEmulator, authorize: Authorize) -> None:
    """The sandbox's own routes: state, reservations, topics, delivery settings."""

    @app.get("/__sandbox/state")
    async def state() -> JSONResponse:
        return JSONResponse(emu.state())

    @app.post("/__sandbox/reserve")
    async def reserve(request: Request) -> JSONResponse:
        body = await _body(request)
        if not isinstance(body, dict) or not body.get("sku"):
            raise invalid_input("Expected {sku, quantity, supplyChannel?}.")
        channel = body.get("supplyChannel")
        channel_id = channel.get("id") if isinstance(channel, dict) else channel
        quantity = body.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise invalid_input("quantity must be an integer.")
        if not emu.reserve(body["sku"], quantity, supply_channel=channel_id):
            raise not_found("inventory-entry", body["sku"])
        return JSONResponse({"reserved": True})

    @app.api_route("/__sandbox/topics", methods=["GET", "POST"])
    async def topics(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _body(request)
            if not isinstance(body, dict) or not body.get("topic") or not body.get("pushEndpoint"):
                raise invalid_input("Expected {topic, pushEndpoint, envelope?, subscription?}.")
            emu.route_topic(
                body["topic"],
                body["pushEndpoint"],
                envelope=body.get("envelope", "pubsub"),
                subscription=body.get("subscription"),
            )
        return JSONResponse(emu.delivery.snapshot()["routes"])

    @app.api_route("/__sandbox/delivery", methods=["GET", "POST"])
    async def delivery(request: Request) -> JSONResponse:
        if request.method == "POST":
            body = await _body(request)
            try:
                emu.delivery.configure(**(body or {}))
            except (TypeError, ValueError) as error:
                raise invalid_input(str(error)) from error
        return JSONResponse(emu.delivery.snapshot())


def _project_routes(app: FastAPI, emu: CommercetoolsEmulator, authorize: Authorize) -> None:
    """The project, its settings and the Messages Query API."""

    @app.get("/{project}/")
    @app.get("/{project}")
    async def project(request: Request, project: str) -> JSONResponse:
        authorize(request, project)
        return JSONResponse(emu.project())

    @app.post("/{project}/")
    @app.post("/{project}")
    async def update_project(request: Request, project: str) -> JSONResponse:
        authorize(request, project)
        return JSONResponse(emu.update_project(await _body(request)))

    @app.get("/{project}/messages")
    async def query_messages(request: Request, project: str) -> JSONResponse:
        authorize(request, project)
        page = emu.query_messages(_params(request))
        return JSONResponse(emu.repository.expanded_page(page, _expand(request)))


def _projection_routes(app: FastAPI, emu: CommercetoolsEmulator, authorize: Authorize) -> None:
    """Product projections: query, search and get, with price selection."""

    @app.get("/{project}/product-projections")
    async def query_projections(request: Request, project: str) -> JSONResponse:
        authorize(request, project)
        params = _params(request)
        query = parse_query(params)
        staged = params.get("staged", ["false"])[-1].lower() == "true"
        selector = price_selector(params)
        page = run_query(query, projections(emu.store, staged=staged))
        if selector is not None:
            now = emu.store.now()
            page["results"] = [with_selected_prices(p, selector, now) for p in page["results"]]
        return JSONResponse(emu.repository.expanded_page(page, _expand(request)))

    @app.api_route("/{project}/product-projections/search", methods=["GET", "POST"])
    async def search_projections(request: Request, project: str) -> JSONResponse:
        authorize(request, project)
        params = _params(request)
        if request.method == "POST":
            # The POST form carries the GET parameters form-encoded in the body.
            form = urllib.parse.parse_qsl((await request.body()).decode("utf-8"))
            for name, value in form:
                params.setdefault(name, []).append(value)
        staged = params.get("staged", ["false"])[-1].lower() == "true"
        found = search(projections(emu.store, staged=staged), params, emu.store.now())
        return JSONResponse(emu.repository.expanded_page(found, _expand(request)))

    @app.api_route("/{project}/product-projections/{identifier}", methods=["GET", "HEAD"])
    async def get_projection(request: Request, project: str, identifier: str) -> JSONResponse:
        authorize(request, project)
        staged = request.query_params.get("staged", "false").lower() == "true"
        selector = price_selector(_params(request))
        view = emu.projection(identifier, staged=staged)
        if selector is not None:
            view = with_selected_prices(view, selector, emu.store.now())
        return JSONResponse(emu.repository.expanded(view, _expand(request)))


def _custom_object_routes(app: FastAPI, emu: CommercetoolsEmulator, authorize: Authorize) -> None:
    """Custom objects by container and key."""

    @app.get("/{project}/custom-objects")
    async def query_custom_objects(request: Request, project: str) -> JSONResponse:
        authorize(request, project)
        return JSONResponse(emu.custom_objects.query(_params(request)))

    @app.post("/{project}/custom-objects")
    async def upsert_custom_object(request: Request, project: str) -> JSONResponse:
        authorize(request, project)
        document, created = emu.custom_objects.upsert(await _body(request))
        return JSONResponse(document, status_code=201 if created else 200)

    @app.get("/{project}/custom-objects/{container}")
    async def custom_object_container(
        request: Request, project: str, container: str
    ) -> JSONResponse:
        authorize(request, project)
        return JSONResponse(emu.custom_objects.query(_params(request), container=container))

    @app.get("/{project}/custom-objects/{container}/{key}")
    async def get_custom_object(
        request: Request, project: str, container: str, key: str
    ) -> JSONResponse:
        authorize(request, project)
        return JSONResponse(emu.custom_objects.get(container, key))

    @app.delete("/{project}/custom-objects/{container}/{key}")
    async def delete_custom_object(
        request: Request, project: str, container: str, key: str
    ) -> JSONResponse:
        authorize(request, project)
        version = request.query_params.get("version")
        return JSONResponse(emu.custom_objects.delete(container, key, version))


def _resource_routes(app: FastAPI, emu: CommercetoolsEmulator, authorize: Authorize) -> None:
    """Order import and every other resource: query, create, get, update, delete."""

    @app.post("/{project}/orders/import")
    async def import_order(request: Request, project: str) -> JSONResponse:
        authorize(request, project)
        order = emu.repository.create("orders/import", await _body(request))
        return JSONResponse(emu.repository.expanded(order, _expand(request)), status_code=201)

    @app.get("/{project}/{resource}")
    async def query(request: Request, project: str, resource: str) -> JSONResponse:
        authorize(request, project)
        page = emu.repository.query(resource, _params(request))
        return JSONResponse(emu.repository.expanded_page(page, _expand(request)))

    @app.post("/{project}/{resource}")
    async def create(request: Request, project: str, resource: str) -> JSONResponse:
        authorize(request, project)
        kind = emu.repository.kind(resource)
        created = emu.repository.create(resource, await _body(request))
        shown = emu.repository.expanded(kind.creation_response(created), _expand(request))
        return JSONResponse(shown, status_code=201)

    @app.api_route("/{project}/{resource}/{identifier}", methods=["GET", "HEAD"])
    async def get(request: Request, project: str, resource: str, identifier: str) -> JSONResponse:
        authorize(request, project)
        found = emu.repository.get(resource, identifier)
        return JSONResponse(emu.repository.expanded(found, _expand(request)))

    @app.post("/{project}/{resource}/{identifier}")
    async def update(
        request: Request, project: str, resource: str, identifier: str
    ) -> JSONResponse:
        authorize(request, project)
        body = await _body(request)
        if not isinstance(body, dict):
            raise invalid_json("Request body does not contain a valid JSON object.")
        updated = emu.repository.update(
            resource, identifier, body.get("version"), body.get("actions")
        )
        return JSONResponse(emu.repository.expanded(updated, _expand(request)))

    @app.delete("/{project}/{resource}/{identifier}")
    async def delete(request: Request, project: str, resource: str, identifier: str) -> Response:
        authorize(request, project)
        version = request.query_params.get("version")
        return JSONResponse(emu.repository.delete(resource, identifier, version))
