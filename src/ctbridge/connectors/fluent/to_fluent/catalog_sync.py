"""Sends categories and products to Fluent in the order its catalogue workflow needs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ctbridge.connectors.fluent.client import FluentClient
from ctbridge.connectors.fluent.to_fluent.catalog_event import Catalogue
from ctbridge.connectors.fluent.to_fluent.catalogue_type import resolve_catalogue_type
from ctbridge.connectors.fluent.to_fluent.category_mapping import (
    VALID_REF,
    category_event,
    category_ref,
    parents_first,
)
from ctbridge.connectors.fluent.to_fluent.product_mapping import (
    ProductEvents,
    ProductRules,
    ProductSkipped,
    product_events,
)
from ctbridge.engine.runtime import Runtime

SENT_CATEGORIES = "fluent.categories"


class CatalogSync:
    """Categories first (parents before children), then the standard product (synchronous, so
    it exists), then its variants. Remembers which category versions Fluent already has."""

    def __init__(
        self,
        client: FluentClient,
        runtime: Runtime,
        catalogue: Catalogue,
        rules: ProductRules,
        *,
        catalogue_type: str | None = None,
        resolve_type: bool = False,
    ) -> None:
        """`resolve_type`: the catalogue's type is `catalogue_type` when given, else read from
        Fluent's settings once, before the first event; without it `catalogue` is used as is."""
        self.client = client
        self.runtime = runtime
        self.catalogue = catalogue
        self.rules = rules
        self._refs: dict[str, str] = {}
        self._configured_type = catalogue_type
        self._type_resolved = not resolve_type
        self._type_lock = asyncio.Lock()

    async def ready_catalogue(self) -> Catalogue:
        """The catalogue with its type settled (one settings read per process at most)."""
        if not self._type_resolved:
            async with self._type_lock:
                if not self._type_resolved:
                    subtype = await resolve_catalogue_type(
                        self.client,
                        configured=self._configured_type,
                        catalogue_ref=self.catalogue.catalogue_ref,
                        retailer_id=self.catalogue.retailer_id,
                    )
                    self.catalogue = replace(self.catalogue, catalogue_type=subtype)
                    self._type_resolved = True
        return self.catalogue

    async def upsert_category(self, category: dict[str, Any]) -> None:
        """Sends one category, after any ancestor Fluent does not have yet."""
        ancestors = [a["id"] for a in category.get("ancestors") or []]
        await self.ensure_categories(ancestors)
        await self._send_categories([category])

    async def ensure_categories(self, ids: Iterable[str]) -> dict[str, str]:
        """Makes sure Fluent has these categories (and their ancestors); returns id → ref."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        sent = _conforming(await self.runtime.state.get_many(SENT_CATEGORIES, wanted))
        missing = [i for i in wanted if i not in sent]
        if missing:
            categories = await self._fetch_categories(missing)
            ancestor_ids = {a["id"] for c in categories for a in c.get("ancestors") or []}
            ancestors = await self._fetch_categories(ancestor_ids - set(missing))
            already = _conforming(
                await self.runtime.state.get_many(SENT_CATEGORIES, [a["id"] for a in ancestors])
            )
            await self.send_all([a for a in ancestors if a["id"] not in already] + categories)
        for identifier, record in sent.items():
            self._refs[identifier] = record["ref"]
        return {i: self._refs[i] for i in wanted if i in self._refs}

    async def send_all(self, categories: list[dict[str, Any]]) -> None:
        """Sends categories in waves by depth; a wave goes concurrently."""
        for category in categories:
            self._refs[category["id"]] = category_ref(category)
        for wave in parents_first(categories):
            await self._send_categories(wave)

    async def _send_categories(self, categories: list[dict[str, Any]]) -> None:
        catalogue = await self.ready_catalogue()
        for category in categories:
            self._refs[category["id"]] = category_ref(category)
        for parent in {
            c["parent"]["id"] for c in categories if c.get("parent")
        } - self._refs.keys():
            self._refs.update(await self.ensure_categories([parent]))
        await asyncio.gather(
            *(
                self.client.send_event(category_event(c, catalogue, self._refs), sync=True)
                for c in categories
            )
        )
        await self.runtime.state.put_many(
            SENT_CATEGORIES,
            {c["id"]: {"ref": category_ref(c), "version": c.get("version")} for c in categories},
        )

    async def _fetch_categories(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted(set(ids))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), 100):
            chunk = ", ".join(f'"{i}"' for i in wanted[start : start + 100])
            page = await self.runtime.commercetools.query("categories", where=f"id in ({chunk})")
            found.extend(page.get("results", []))
        return found

    def events_for(
        self, projection: dict[str, Any], category_refs: dict[str, str], *, status: str = "ACTIVE"
    ) -> ProductEvents | ProductSkipped:
        mapper = self.runtime.mapper("fluent.product", product_events)
        return mapper(
            projection, self.catalogue, category_refs=category_refs, rules=self.rules, status=status
        )

    async def publish(
        self,
        projection: dict[str, Any],
        *,
        status: str = "ACTIVE",
        category_refs: dict[str, str] | None = None,
    ) -> ProductEvents | ProductSkipped:
        """Maps and sends one product; with `category_refs` None its categories are ensured first."""
        if category_refs is None:
            category_refs = await self.ensure_categories(
                ref["id"] for ref in projection.get("categories") or []
            )
        await self.ready_catalogue()
        events = self.events_for(projection, category_refs, status=status)
        if isinstance(events, ProductSkipped):
            return events
        await self.client.send_event(events.standard, sync=True)
        await asyncio.gather(*(self.client.send_event(v, sync=False) for v in events.variants))
        return events


def _conforming(sent: dict[str, Any]) -> dict[str, Any]:
    """Records of categories sent under a ref the contract refuses (before refs were mapped)
    count as not sent, so the category is sent again under its mapped ref."""
    return {i: r for i, r in sent.items() if VALID_REF.match(str((r or {}).get("ref", "")))}
