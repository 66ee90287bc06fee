"""Loads a generated catalog into the sandbox emulator (direct calls) or a project (HTTP client)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ctbridge.sandbox.catalog.catalog import Catalog
from ctbridge.sandbox.catalog.orders import OrderSeed, import_draft
from ctbridge.sandbox.catalog.references import key_ref, resolve_references


@dataclass(frozen=True)
class Stage:
    """One resource endpoint, its typeId and how to name a created resource in the id registry."""

    resource: str
    type_id: str
    identifier: str  # draft field whose value other drafts refer to ("key", "orderNumber")
    drafts: Callable[[Catalog], Iterable[Any]]


# Creation order: everything a draft refers to exists before it.
STAGES: tuple[Stage, ...] = (
    Stage("product-types", "product-type", "key", lambda c: c.product_types),
    Stage("tax-categories", "tax-category", "key", lambda c: c.tax_categories),
    Stage("customer-groups", "customer-group", "key", lambda c: c.customer_groups),
    Stage("cart-discounts", "cart-discount", "key", lambda c: c.cart_discounts),
    Stage("channels", "channel", "key", lambda c: c.channels),
    Stage("categories", "category", "key", lambda c: c.categories),
    Stage("products", "product", "key", lambda c: c.products),
    Stage("inventory", "inventory-entry", "key", lambda c: c.inventory),
    Stage("customers", "customer", "key", lambda c: c.customers),
    Stage("payments", "payment", "key", lambda c: c.payments),
    Stage("orders/import", "order", "orderNumber", lambda c: c.orders),
)


class SeedingFailed(Exception):
    """Creating one resource failed; the cause is chained."""

    def __init__(self, resource: str, name: str | None, cause: Exception) -> None:
        super().__init__(f"creating {resource} {name or '(no key)'} failed: {cause}")
        self.resource = resource
        self.name = name


@dataclass
class SeedResult:
    """What a load created: counts per endpoint, ids by (typeId, key), endpoints the target lacks."""

    created: dict[str, int] = field(default_factory=dict)
    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)

    def id_of(self, type_id: str, key: str) -> str:
        return self.ids[(type_id, key)]


class Emulator(Protocol):
    def create(self, resource: str, draft: dict) -> dict: ...


class Client(Protocol):
    async def create(self, resource: str, draft: dict) -> dict: ...


def _is_missing_endpoint(error: Exception) -> bool:
    # POST to an existing collection answers 400 for unknown references, never 404.
    return getattr(error, "status", None) == 404


class _Load:
    """The per-stage bookkeeping shared by the synchronous and the asynchronous loader."""

    def __init__(self, *, sandbox_fields: bool) -> None:
        self.result = SeedResult()
        self.sandbox_fields = sandbox_fields
        self.unsupported_types: set[str] = set()

    @staticmethod
    def name(stage: Stage, item: Any) -> str | None:
        draft = item.draft if isinstance(item, OrderSeed) else item
        return draft.get(stage.identifier)

    def request(self, item: Any) -> dict:
        """The draft to send for `item`, with keys swapped for the ids already created."""
        ids = self.result.ids
        if isinstance(item, OrderSeed):
            customer = key_ref("customer", item.customer_key) if item.customer_key else None
            payments = [key_ref("payment", key) for key in item.payment_keys]
            linked = resolve_references({"customer": customer, "payments": payments}, ids)
            item = import_draft(
                item,
                linked["customer"]["id"] if customer else None,
                [payment["id"] for payment in linked["payments"]],
                sandbox_fields=self.sandbox_fields,
            )
        return resolve_references(item, ids, keep_unknown=self.unsupported_types)

    def record(self, stage: Stage, name: str | None, created: dict) -> None:
        if "id" not in created and "customer" in created:
            created = created["customer"]  # POST /customers answers a CustomerSignInResult
        if name is not None:
            self.result.ids[(stage.type_id, name)] = created["id"]
        self.result.created[stage.resource] = self.result.created.get(stage.resource, 0) + 1

    def mark_unsupported(self, stage: Stage) -> None:
        self.result.unsupported.append(stage.resource)
        self.unsupported_types.add(stage.type_id)


def seed_emulator(emu: Emulator, catalog: Catalog) -> SeedResult:
    """Create every resource of `catalog` through the emulator's direct `create`, in stage order.

    Endpoints the emulator does not serve are listed in `unsupported`; references to their
    resources stay by key. Raises SeedingFailed on the first other error.
    """
    load = _Load(sandbox_fields=True)
    for stage in STAGES:
        for position, item in enumerate(stage.drafts(catalog)):
            name = load.name(stage, item)
            try:
                created = emu.create(stage.resource, load.request(item))
            except Exception as error:
                if position == 0 and _is_missing_endpoint(error):
                    load.mark_unsupported(stage)
                    break
                raise SeedingFailed(stage.resource, name, error) from error
            load.record(stage, name, created)
    return load.result


def _category_levels(categories: Iterable[dict]) -> list[list[dict]]:
    """Categories grouped by depth, so each group only refers to groups before it."""
    depth: dict[str, int] = {}
    levels: list[list[dict]] = []
    for category in categories:
        parent = category.get("parent")
        level = depth[parent["key"]] + 1 if parent else 0
        depth[category["key"]] = level
        while len(levels) <= level:
            levels.append([])
        levels[level].append(category)
    return levels


async def _bounded(
    items: Iterator[Any], work: Callable[[Any], Awaitable[None]], concurrency: int
) -> None:
    """Run `work` over `items` with at most `concurrency` in flight; the first failure stops all."""
    failures: list[BaseException] = []

    async def worker() -> None:
        for item in items:
            if failures:
                return
            try:
                await work(item)
            except Exception as error:
                failures.append(error)
                return

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if failures:
        raise failures[0]


async def seed_commercetools(
    client: Client, catalog: Catalog, *, concurrency: int = 8, sandbox_fields: bool = False
) -> SeedResult:
    """Create every resource of `catalog` through the commercetools HTTP client.

    Stages run one after another; within a stage at most `concurrency` creates are in flight.
    `sandbox_fields=True` keeps the order fields only the sandbox emulator accepts.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    load = _Load(sandbox_fields=sandbox_fields)

    async def create(stage: Stage, item: Any) -> None:
        name = load.name(stage, item)
        try:
            created = await client.create(stage.resource, load.request(item))
        except Exception as error:
            raise SeedingFailed(stage.resource, name, error) from error
        load.record(stage, name, created)

    for stage in STAGES:
        levels = (
            _category_levels(catalog.categories)
            if stage.resource == "categories"
            else [stage.drafts(catalog)]
        )
        remaining = [iter(level) for level in levels]
        probe = next((item for level in remaining for item in level), None)
        if probe is None:
            continue
        try:
            await create(stage, probe)  # alone: a missing endpoint shows once, not per request
        except SeedingFailed as failure:
            if not _is_missing_endpoint(failure.__cause__):
                raise
            load.mark_unsupported(stage)
            continue
        for level in remaining:
            await _bounded(level, lambda item, stage=stage: create(stage, item), concurrency)
    return load.result
