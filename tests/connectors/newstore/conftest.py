"""The NewStore integration world: commercetools and NewStore emulators on 127.0.0.1, an Engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from ctbridge.connectors.newstore.config import NewStoreSettings
from ctbridge.connectors.newstore.connector import NewStoreConnector
from ctbridge.host import Engine
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.newstore import NewStoreEmulator
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.settings import CommercetoolsSettings, EngineSettings


@dataclass
class World:
    ct: CommercetoolsEmulator
    newstore: NewStoreEmulator
    ct_url: str
    newstore_url: str
    database_url: str

    def settings(self, **overrides: Any) -> NewStoreSettings:
        values: dict[str, Any] = {
            "base_url": self.newstore_url,
            "shop": "storefront",
            "client_id": self.newstore.client_id,
            "client_secret": self.newstore.client_secret,
            "token_url": (
                f"{self.newstore_url}/auth/realms/{self.newstore.tenant}"
                "/protocol/openid-connect/token"
            ),
            "max_retries": 1,
            "retry_backoff_seconds": 0.01,
            "stock_source": "stocked_products",
            "default_service_level": "GROUND",
            "_env_file": None,
        }
        values.update(overrides)
        # An override of `...` leaves the setting at its default.
        return NewStoreSettings(**{k: v for k, v in values.items() if v is not ...})

    def ct_settings(self) -> CommercetoolsSettings:
        return CommercetoolsSettings(
            project_key=self.ct.project_key,
            client_id=self.ct.client_id,
            client_secret=self.ct.client_secret,
            api_url=self.ct_url,
            auth_url=self.ct_url,
            _env_file=None,
        )

    async def engine(self, **overrides: Any) -> Engine:
        return await Engine.open(
            EngineSettings(database_url=self.database_url, retry_base_seconds=0.01, _env_file=None),
            commercetools_settings=self.ct_settings(),
            factories={"newstore": partial(NewStoreConnector, settings=self.settings(**overrides))},
        )


@pytest.fixture
def ct_emulator() -> CommercetoolsEmulator:
    return CommercetoolsEmulator(id_seed=7)


@pytest.fixture
def wrap_ct() -> list[Callable[[Any], Any]]:
    """Tests may append ASGI wrappers around the commercetools app before the world starts."""
    return []


@pytest.fixture
def wrap_newstore() -> list[Callable[[Any], Any]]:
    return []


@pytest.fixture
async def world(tmp_path, ct_emulator, wrap_ct, wrap_newstore) -> AsyncIterator[World]:
    newstore = NewStoreEmulator()
    app, ns_app = ct_emulator.app, newstore.app
    for wrapper in wrap_ct:
        app = wrapper(app)
    for wrapper in wrap_newstore:
        ns_app = wrapper(ns_app)
    with BackgroundServer(app) as ct_server, BackgroundServer(ns_app) as ns_server:
        yield World(
            ct_emulator, newstore, ct_server.url, ns_server.url, f"sqlite:///{tmp_path}/t.db"
        )


class BeforeFirstRequest:
    """ASGI wrapper that runs `action` once, just before the first request matching the filter:
    a deterministic way to change state between a job's read and its write."""

    def __init__(self, app: Any, method: str, path_part: str, action: Callable[[], None]) -> None:
        self.app = app
        self.method = method
        self.path_part = path_part
        self.action = action
        self.fired = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            not self.fired
            and scope["type"] == "http"
            and scope["method"] == self.method
            and self.path_part in scope["path"]
        ):
            self.fired = True
            self.action()
        await self.app(scope, receive, send)


def seed_products(ct: CommercetoolsEmulator, skus: list[str]) -> None:
    """One product per sku (variants suffice for the existence check)."""
    product_type = ct.create("product-types", {"name": "basic", "key": "basic", "description": "-"})
    for sku in skus:
        ct.create(
            "products",
            {
                "productType": {"typeId": "product-type", "id": product_type["id"]},
                "name": {"en": sku},
                "slug": {"en": sku.lower()},
                "masterVariant": {"sku": sku},
            },
        )


def inventory(ct: CommercetoolsEmulator) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(e["sku"], (e.get("supplyChannel") or {}).get("id")): e for e in ct.all("inventory")}
