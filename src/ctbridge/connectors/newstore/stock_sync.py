"""Reconciles commercetools inventory with NewStore ATP: stream, compare, write what changed.

A full run reads the NewStore feed into one ATP per sku (a compact map) while the first pages of
commercetools entries are already being read, then streams the entries in one keyset scan — one
call per 500 entries, the reference's one read (composable-com/ct-connect-newstore
job/src/utils/getAll.collection.ts) at 5× its page size — a few pages ahead of the compare, and
hands each entry that differs (its id, version and quantities) to bounded concurrent writers as
soon as it is found: neither the feed's rows nor the entries nor the changes are held whole.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from ctbridge.commercetools.errors import ConcurrentModification, InvalidInput
from ctbridge.connectors.newstore.client import NewStoreClient
from ctbridge.connectors.newstore.inventory_plan import is_current, quantity_actions
from ctbridge.connectors.newstore.stock_aggregation import StockAggregate, StockKey, export_totals
from ctbridge.connectors.newstore.write_queue import WriteQueue
from ctbridge.engine.read_ahead import ReadAhead
from ctbridge.engine.report import RunReport
from ctbridge.errors import Permanent, Retryable

if TYPE_CHECKING:
    from ctbridge.commercetools.client import CommercetoolsClient
    from ctbridge.connectors.newstore.config import NewStoreSettings

log = structlog.get_logger("ctbridge.newstore")

OUTCOMES = ("updated", "created", "zeroed", "unchanged", "not_found", "failed")
SKU_BATCH = 100
PROGRESS_EVERY = 1000
PAGE_SIZE = 500
# Pages of entries read ahead of the compare: the scan goes on while the writers catch up.
SCAN_AHEAD = 2
# What a write needs of an entry; the rest of a changed entry is not kept.
ENTRY_FIELDS = ("id", "version", "sku", "supplyChannel", "quantityOnStock", "availableQuantity")

Progress = Callable[[int, int | None, str], Awaitable[None]]


def literal(value: str) -> str:
    """A commercetools query predicate string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _batches(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class StockSnapshot:
    """ATP per (identifier, channel key) as read from NewStore.

    `complete` is True only when the read covered the whole feed; only then may entries that are
    missing from it be zeroed. `watermark` is the export's `last_updated_at`, when one was used.
    """

    atp: dict[StockKey, int]
    complete: bool
    rows: int
    ignored: int = 0
    watermark: int | None = None


async def read_stocked_products(
    client: NewStoreClient, settings: NewStoreSettings
) -> StockSnapshot:
    """Every stocked-products page, until the feed's total was read.

    Offset paging can skip rows when the feed changes mid-read; a total that moved during the
    read marks the snapshot incomplete (applied, but no zeroing), and repeats are ignored.
    """
    aggregate = StockAggregate(
        identifier=settings.stock_identifier,
        atp_field=settings.atp_field,
        node_channels=settings.node_channels or None,
    )
    totals: set[int] = set()
    async for page in client.stocked_products(
        settings.stock_page_size, concurrency=settings.stock_read_concurrency
    ):
        totals.add(page.total)
        aggregate.extend(page.items)
    complete = len(totals) == 1 and aggregate.rows >= next(iter(totals))
    return StockSnapshot(aggregate.totals(), complete, aggregate.rows, aggregate.ignored)


async def read_export(
    client: NewStoreClient, settings: NewStoreSettings, since: int | None
) -> StockSnapshot | None:
    """The ATP export (changes after `since`, or everything); None when the API is missing."""
    export = await client.availability_export(since, settings.stock_page_size)
    if export is None:
        return None
    atp = export_totals(export.rows, settings.stock_identifier)
    return StockSnapshot(
        atp, complete=since is None, rows=len(export.rows), watermark=export.watermark
    )


class InventoryReconciler:
    """Makes commercetools `availableQuantity` equal NewStore ATP for every entry in scope.

    Only entries that differ are written (`changeQuantity` to ATP + reserved, with the version
    read; on 409 the entry is re-read and the quantity recomputed). Missing entries are created
    when the sku exists as a product variant (or always/never, per settings); entries absent from
    a complete read are zeroed when configured. Each sku's failure is reported, never fatal.
    """

    def __init__(
        self,
        commercetools: CommercetoolsClient,
        settings: NewStoreSettings,
        report: RunReport,
        progress: Progress | None = None,
    ) -> None:
        self.ct = commercetools
        self.settings = settings
        self.report = report
        self.progress = progress
        self.written = 0
        self.phase_seconds: dict[str, float] = {}
        self._channel_ids: dict[str, str] = {}
        self._channel_keys: dict[str, str] = {}
        self._channels_task: asyncio.Task[None] | None = None
        self._scan: ReadAhead[list[dict[str, Any]]] | None = None
        self._found = 0  # entries found to differ
        self._done = 0  # writes finished
        self._total: int | None = None  # writes in all, once the compare has finished

    def start(self, *, full_scan: bool) -> None:
        """Starts what does not depend on NewStore, to overlap its read: resolving the supply
        channels and, when a full scan is expected, reading the first pages of entries."""
        if self._channels_task is None:
            self._channels_task = asyncio.create_task(self._resolve_channels())
        if full_scan and self._scan is None:
            self._scan = ReadAhead(self._entries_in_scope(), ahead=SCAN_AHEAD)

    async def close(self) -> None:
        """Stops reading ahead (the run failed, or only an incremental compare was needed)."""
        if self._scan is not None:
            await self._scan.aclose()
            self._scan = None
        if self._channels_task is not None and not self._channels_task.done():
            self._channels_task.cancel()
        if self._channels_task is not None:
            await asyncio.gather(self._channels_task, return_exceptions=True)

    async def run(self, snapshot: StockSnapshot) -> None:
        """Compares and writes at once: each change is handed to the writers when found."""
        for outcome in OUTCOMES:
            self.report.count(outcome, 0)
        started = time.perf_counter()
        try:
            self.start(full_scan=snapshot.complete)
            assert self._channels_task is not None
            await self._channels_task
            async with WriteQueue(self.settings.stock_concurrency) as writes:
                if snapshot.complete:
                    missing = await self._compare_all(snapshot.atp, writes)
                else:
                    await self.close()
                    missing = await self._compare_some(snapshot.atp, writes)
                creates = await self._creatable(missing)
                for key in creates:
                    await self._write(writes, lambda k=key: self._create(k, snapshot.atp[k]))
                self.phase_seconds["compare"] = time.perf_counter() - started
                started = time.perf_counter()
                self._total = self._found + len(creates)
                if self._total >= PROGRESS_EVERY and self.progress:
                    await self.progress(
                        self._done,
                        self._total,
                        f"{self._found} to update, {len(creates)} to create",
                    )
        finally:
            await self.close()
        self.phase_seconds["write"] = time.perf_counter() - started
        if self._total >= PROGRESS_EVERY and self.progress:
            await self.progress(self._total, self._total, "done")

    async def _write(self, writes: WriteQueue, write: Callable[[], Awaitable[None]]) -> None:
        async def tracked() -> None:
            await write()
            self._done += 1
            # Progress is a store write: only worth it for runs long enough to be watched.
            if self.progress and self._done % PROGRESS_EVERY == 0:
                await self.progress(self._done, self._total, "writing")

        await writes.put(tracked)

    async def _compare_all(self, atp: dict[StockKey, int], writes: WriteQueue) -> list[StockKey]:
        """One keyset scan over every entry in scope; what the feed lacks is zeroed (when
        configured), what differs is written. Returns the keys with no entry.

        `atp` is consumed: each entry takes its key out, so what is left is what is missing.
        """
        zero = self.settings.zero_missing
        assert self._scan is not None
        async for page in self._scan:
            for entry in page:
                wanted = atp.pop(self._key(entry), None)
                if wanted is None and not zero:
                    continue
                await self._compare(entry, wanted, writes)
        return list(atp)

    async def _compare_some(self, atp: dict[StockKey, int], writes: WriteQueue) -> list[StockKey]:
        """The entries of the changed skus only (an incremental read)."""
        entries = await self._entries_for(atp)
        missing = []
        for key, wanted in atp.items():
            entry = entries.get(key)
            if entry is None:
                missing.append(key)
            else:
                await self._compare(entry, wanted, writes)
        return missing

    async def _compare(self, entry: dict[str, Any], wanted: int | None, writes: WriteQueue) -> None:
        atp, outcome = (0, "zeroed") if wanted is None else (wanted, "updated")
        if is_current(entry, atp):
            self.report.count("unchanged")
            return
        self._found += 1
        kept = {k: entry[k] for k in ENTRY_FIELDS if k in entry}
        await self._write(writes, lambda: self._set(kept, atp, outcome))

    # Reading --------------------------------------------------------------------------------

    async def _resolve_channels(self) -> None:
        keys = sorted(set(self.settings.node_channels.values()))
        if not keys:
            return
        page = await self.ct.query(
            "channels", where=f"key in ({', '.join(literal(k) for k in keys)})", limit=500
        )
        self._channel_ids = {c["key"]: c["id"] for c in page.get("results", [])}
        self._channel_keys = {v: k for k, v in self._channel_ids.items()}
        unknown = [k for k in keys if k not in self._channel_ids]
        if unknown:
            raise Permanent(f"NEW_STORE_NODE_CHANNELS names unknown channel keys: {unknown}")

    async def _entries_in_scope(self) -> AsyncIterator[list[dict[str, Any]]]:
        assert self._channels_task is not None
        await self._channels_task
        async for page in self.ct.pages("inventory", where=[self._scope()], page_size=PAGE_SIZE):
            yield page

    def _scope(self) -> str:
        if not self._channel_ids:
            return "supplyChannel is not defined"
        ids = ", ".join(literal(i) for i in sorted(self._channel_ids.values()))
        return f"supplyChannel(id in ({ids}))"

    def _key(self, entry: dict[str, Any]) -> StockKey:
        channel_id = (entry.get("supplyChannel") or {}).get("id")
        if channel_id is None:
            return (entry["sku"], None)
        return (entry["sku"], self._channel_keys.get(channel_id, channel_id))

    async def _entries_for(self, keys: Iterable[StockKey]) -> dict[StockKey, dict[str, Any]]:
        skus = sorted({sku for sku, _ in keys})
        entries: dict[StockKey, dict[str, Any]] = {}

        async def fetch(batch: list[str]) -> None:
            where = [self._scope(), f"sku in ({', '.join(literal(s) for s in batch)})"]
            async for page in self.ct.pages("inventory", where=where, page_size=PAGE_SIZE):
                for entry in page:
                    entries[self._key(entry)] = entry

        await self._run_bounded([(lambda b=b: fetch(b)) for b in _batches(skus, SKU_BATCH)])
        return entries

    async def _creatable(self, missing: list[StockKey]) -> list[StockKey]:
        policy = self.settings.create_missing
        if not missing or policy == "always":
            return missing
        if policy == "never":
            for sku, channel in missing:
                self.report.item("not_found", _label(sku, channel), "no inventory entry")
            return []
        known: set[str] = set()
        skus = sorted({sku for sku, _ in missing})

        async def check(batch: list[str]) -> None:
            listed = ", ".join(literal(s) for s in batch)
            page = await self.ct.query(
                "product-projections",
                where=f"masterVariant(sku in ({listed})) or variants(sku in ({listed}))",
                limit=500,
                params={"staged": "true", "withTotal": "false"},
            )
            for product in page.get("results", []):
                for variant in [product.get("masterVariant") or {}, *product.get("variants", [])]:
                    if variant.get("sku"):
                        known.add(variant["sku"])

        await self._run_bounded([(lambda b=b: check(b)) for b in _batches(skus, SKU_BATCH)])
        creatable = []
        for sku, channel in missing:
            if sku in known:
                creatable.append((sku, channel))
            else:
                self.report.item("not_found", _label(sku, channel), "no product variant has it")
        return creatable

    # Writing --------------------------------------------------------------------------------

    async def _set(self, entry: dict[str, Any], atp: int, outcome: str) -> None:
        label = _label(*self._key(entry))
        try:
            try:
                await self.ct.update_version(
                    "inventory", entry["id"], int(entry["version"]), quantity_actions(entry, atp)
                )
                wrote = True
            except ConcurrentModification:
                # Reservations or quantities moved since the read: recompute from a fresh read.
                written: list[bool] = []

                def recompute(current: dict[str, Any]) -> list[dict[str, Any]]:
                    actions = quantity_actions(current, atp)
                    written.append(bool(actions))
                    return actions

                await self.ct.update("inventory", entry["id"], recompute)
                wrote = bool(written and written[-1])
        except (Permanent, Retryable) as error:
            self.report.item("failed", label, str(error))
            return
        if wrote:
            self.written += 1
            self.report.count(outcome)
        else:
            self.report.count("unchanged")

    async def _create(self, key: StockKey, atp: int) -> None:
        sku, channel = key
        draft: dict[str, Any] = {"sku": sku, "quantityOnStock": atp}
        if channel is not None:
            draft["supplyChannel"] = {"typeId": "channel", "id": self._channel_ids[channel]}
        try:
            await self.ct.create("inventory", draft)
        except InvalidInput as error:
            if "DuplicateField" not in error.codes:
                self.report.item("failed", _label(sku, channel), str(error))
                return
            # Someone created it since the read: update the entry that now exists instead.
            found = await self._entries_for([key])
            if key not in found:
                self.report.item("failed", _label(sku, channel), str(error))
                return
            await self._set(found[key], atp, "updated")
            return
        except (Permanent, Retryable) as error:
            self.report.item("failed", _label(sku, channel), str(error))
            return
        self.written += 1
        self.report.count("created")

    async def _run_bounded(
        self, jobs: list[Callable[[], Awaitable[None]]], *, limit: int | None = None
    ) -> None:
        """Runs the jobs with at most `stock_concurrency` (or `limit`) in flight."""
        queue = iter(jobs)

        async def worker() -> None:
            for job in queue:
                await job()

        workers = min(limit or self.settings.stock_concurrency, len(jobs))
        await asyncio.gather(*(worker() for _ in range(workers)))


def _label(sku: str, channel: str | None) -> str:
    return sku if channel is None else f"{sku}@{channel}"
