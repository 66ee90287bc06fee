"""The database ctbridge keeps its state in: SQLite by default, PostgreSQL for many workers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ctbridge.engine.tables import metadata


def async_url(database_url: str) -> str:
    """Maps the user-facing URL (`sqlite:///x.db`, `postgresql://...`) to an async driver URL."""
    if database_url.startswith("sqlite+") or "+asyncpg" in database_url:
        return database_url
    if database_url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + database_url[len("sqlite:") :]
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+asyncpg://" + database_url[len(prefix) :]
    if database_url.startswith("postgresql+"):
        scheme, rest = database_url.split("://", 1)
        return "postgresql+asyncpg://" + rest
    raise ValueError(f"unsupported database URL scheme: {database_url.split(':', 1)[0]}")


class Store:
    """Owns the SQLAlchemy async engine; `begin()` yields a connection inside a transaction."""

    def __init__(
        self, database_url: str, *, pool_size: int = 10, sqlite_pool_size: int = 3
    ) -> None:
        self.url = async_url(database_url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            if ":memory:" in self.url or self.url.rstrip("/").endswith(":"):
                raise ValueError("an in-memory SQLite database cannot be shared: use a file")
            # Few connections: SQLite has one writer, so more would only wait on its lock.
            self.engine: AsyncEngine = create_async_engine(
                self.url, pool_size=sqlite_pool_size, max_overflow=0, hide_parameters=True
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        else:
            self.engine = create_async_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                hide_parameters=True,  # errors must never log payloads or credentials
            )

    @property
    def dialect(self) -> Any:
        return sqlite if self.is_sqlite else postgresql

    def insert(self, table: Any) -> Any:
        """A dialect-specific INSERT that supports ON CONFLICT."""
        return self.dialect.insert(table)

    async def create_schema(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as conn:
            yield conn

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would defer BEGIN; SQLAlchemy issues it in `begin`.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Taking the write lock up front makes concurrent writers wait (busy_timeout) instead of
    # failing to upgrade a read transaction later.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
