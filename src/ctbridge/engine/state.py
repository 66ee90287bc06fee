"""A JSON key-value store in the database for cursors, watermarks, ledgers and job checkpoints."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import Delete, delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from ctbridge.engine.store import Store, loads
from ctbridge.engine.tables import kv_state

CHUNK = 500
SQLITE_CHUNK = 5000
# `WHERE true`: SQLite needs it to parse an upsert whose rows come from a SELECT
# (sqlite.org/lang_upsert.html, "Parsing Ambiguity").
_SQLITE_UPSERT_FROM_JSON = text(
    "INSERT INTO kv_state (namespace, key, value, updated_at) "
    "SELECT :namespace, rows.key, rows.value, :now FROM json_each(:rows) AS rows WHERE true "
    "ON CONFLICT (namespace, key) DO UPDATE SET "
    "value = excluded.value, updated_at = excluded.updated_at"
)
_ENCODING = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def encode_value(value: Any) -> str:
    """A value's stored JSON. orjson, because ledgers write tens of thousands of small values
    per load; what it cannot write (an integer beyond 64 bits) goes through the stdlib. Values
    are ctbridge's own (cursors, ledgers, checkpoints): never a `NaN`, which orjson writes as
    null. Datetimes and other non-JSON values are written as `str()` gives them, as before."""
    try:
        return orjson.dumps(value, default=str, option=_ENCODING).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def _rows_as_json(rows: Mapping[str, str]) -> str | None:
    """The rows as one JSON object for SQLite's `json_each`, or None for keys it would not
    return intact (SQLite's JSON reader ends a key at an escaped NUL; orjson refuses lone
    surrogates): those rows are written one by one."""
    if any("\x00" in key for key in rows):
        return None
    try:
        return orjson.dumps(rows).decode()
    except orjson.JSONEncodeError:
        return None


def _advisory_key(namespace: str) -> int:
    """A namespace's PostgreSQL advisory lock: a signed 64-bit number, the same in every
    process (Python's own `hash` of a string is salted per process)."""
    digest = hashlib.blake2b(f"ctbridge.kv_state:{namespace}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def removal(namespace: str, key: str) -> Delete:
    """The statement that deletes one value (for a transaction written as synchronous code)."""
    return delete(kv_state).where(kv_state.c.namespace == namespace, kv_state.c.key == key)


class KeyValueStore:
    """Values are JSON documents under (namespace, key); writes are upserts."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, namespace: str, key: str) -> Any | None:
        async with self.store.begin() as conn:
            row = (
                await conn.execute(
                    select(kv_state.c.value).where(
                        kv_state.c.namespace == namespace, kv_state.c.key == key
                    )
                )
            ).first()
        return None if row is None else loads(row.value)

    async def get_many(self, namespace: str, keys: Iterable[str]) -> dict[str, Any]:
        async with self.store.begin() as conn:
            return await self.read(conn, namespace, keys)

    async def read(
        self, conn: AsyncConnection, namespace: str, keys: Iterable[str]
    ) -> dict[str, Any]:
        """`get_many` inside the caller's transaction."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows = await conn.execute(
                select(kv_state.c.key, kv_state.c.value).where(
                    kv_state.c.namespace == namespace, kv_state.c.key.in_(chunk)
                )
            )
            found.update({row.key: loads(row.value) for row in rows})
        return found

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction for several reads and writes (`read`, `write`, `merge`)."""
        async with self.store.begin() as conn:
            yield conn

    async def lock(self, conn: AsyncConnection, namespace: str) -> None:
        """Makes the rest of the caller's transaction exclusive against every other transaction
        that locks (or merges into) `namespace`, until it ends. SQLite's transactions here begin
        IMMEDIATE: one writer at a time already. On PostgreSQL it takes the namespace's
        transaction-scoped advisory lock (postgresql.org/docs/current/explicit-locking.html,
        "Advisory Locks"; taking it again in the same transaction is allowed)."""
        if not self.store.is_sqlite:
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _advisory_key(namespace)}
            )

    async def merge(
        self,
        conn: AsyncConnection,
        namespace: str,
        keys: Iterable[str],
        combine: Callable[[str, Any | None], Any],
    ) -> None:
        """Sets each key to `combine(key, its current value or None)` inside the caller's
        transaction, under the namespace's `lock`: without it two READ COMMITTED transactions
        on PostgreSQL could both read the old value, and the later write would drop the
        earlier one's change. Only merges and lockers exclude each other: a plain `write` to
        the same namespace does not take the lock."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return
        await self.lock(conn, namespace)
        current = await self.read(conn, namespace, wanted)
        await self.write(conn, namespace, {key: combine(key, current.get(key)) for key in wanted})

    async def put(self, namespace: str, key: str, value: Any) -> None:
        await self.put_many(namespace, {key: value})

    async def put_many(self, namespace: str, items: Mapping[str, Any]) -> None:
        await self.put_in_namespaces({namespace: items})

    async def put_in_namespaces(self, items: Mapping[str, Mapping[str, Any]]) -> None:
        """Upserts the items of several namespaces in one transaction."""
        if not any(items.values()):
            return
        async with self.store.begin() as conn:
            await self.write_namespaces(conn, items)

    async def write_namespaces(
        self, conn: AsyncConnection, items: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """`put_in_namespaces` inside the caller's transaction."""
        for namespace, values in items.items():
            if values:
                await self.write(conn, namespace, values)

    async def write(self, conn: AsyncConnection, namespace: str, items: Mapping[str, Any]) -> None:
        """Upserts `items` inside the caller's transaction (to write them with other rows)."""
        now = time.time()
        rows = {key: encode_value(value) for key, value in items.items()}
        keys = list(rows)
        chunk_size = SQLITE_CHUNK if self.store.is_sqlite else CHUNK
        upsert = self._upsert()
        for start in range(0, len(keys), chunk_size):
            chunk = {key: rows[key] for key in keys[start : start + chunk_size]}
            rows_json = _rows_as_json(chunk) if self.store.is_sqlite else None
            if rows_json is not None:
                # SQLite's driver runs in a thread and gives the GIL back at every row of an
                # executemany: a big write row by row stalled the event loop and was itself
                # starved by it. One statement, its rows in one JSON parameter, does not.
                await conn.execute(
                    _SQLITE_UPSERT_FROM_JSON,
                    {"namespace": namespace, "rows": rows_json, "now": now},
                )
                continue
            # One statement executed for many rows: compiled once (a multi-VALUES statement
            # built per chunk cost more CPU than the write itself).
            await conn.execute(
                upsert,
                [
                    {"namespace": namespace, "key": key, "value": value, "updated_at": now}
                    for key, value in chunk.items()
                ],
            )

    def _upsert(self) -> Any:
        statement = self.store.insert(kv_state)
        return statement.on_conflict_do_update(
            index_elements=[kv_state.c.namespace, kv_state.c.key],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )

    async def delete(self, namespace: str, key: str) -> None:
        async with self.store.begin() as conn:
            await self.remove(conn, namespace, key)

    async def remove(self, conn: AsyncConnection, namespace: str, key: str) -> None:
        """Deletes one value inside the caller's transaction."""
        await conn.execute(removal(namespace, key))

    async def holds_any(self, namespace: str) -> bool:
        async with self.store.begin() as conn:
            query = select(kv_state.c.key).where(kv_state.c.namespace == namespace).limit(1)
            return (await conn.execute(query)).first() is not None

    async def keys(self, namespace: str, prefix: str = "") -> list[str]:
        async with self.store.begin() as conn:
            query = select(kv_state.c.key).where(kv_state.c.namespace == namespace)
            if prefix:
                query = query.where(kv_state.c.key.startswith(prefix, autoescape=True))
            rows = await conn.execute(query.order_by(kv_state.c.key))
            return [row.key for row in rows]
