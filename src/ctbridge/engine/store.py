"""The database ctbridge keeps its state in: SQLite by default, PostgreSQL for many workers."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from functools import partial
from typing import Any, TypeVar

import structlog
from sqlalchemy import Connection, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

from ctbridge import json_text, tracing
from ctbridge.engine.sqlite_thread import ThreadedTransactions, sqlite_engine
from ctbridge.engine.tables import kv_state, metadata
from ctbridge.engine.write_turn import WriteTurn

log = structlog.get_logger("ctbridge.store")
PROBE_NAMESPACE = "ctbridge.store-probe"
BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
# How long a transaction waits for the write lock before it fails, at SQLite's lock (another
# process) and at the write turn (another transaction of this process) alike.
SQLITE_BUSY_SECONDS = 30.0
T = TypeVar("T")


class StoreLost(Exception):
    """The store is no longer the one this process opened (its SQLite file was deleted or
    replaced): whatever is written now would not be found after a restart."""


# Indexes an older release created under a name that now means something else.
REPLACED_INDEXES = ("ix_tasks_due",)  # became ix_tasks_claim (status, next_attempt_at, id)


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
        self.lost: str | None = None
        self._file_identity: tuple[int, int] | None = None
        self._write_turn = WriteTurn(wait_seconds=SQLITE_BUSY_SECONDS) if self.is_sqlite else None
        self._threaded: ThreadedTransactions | None = None
        if self.is_sqlite:
            if ":memory:" in self.url or self.url.rstrip("/").endswith(":"):
                raise ValueError("an in-memory SQLite database cannot be shared: use a file")
            # Few connections: SQLite has one writer, so more would only wait on its lock.
            # The pool does not roll back every connection it takes back: each transaction here
            # is committed or rolled back by its own `begin()`, and the driver opens none by
            # itself (isolation_level=None below), so that would be one more round trip to the
            # connection's thread per transaction, for nothing. `_rollback_if_open` still
            # rolls back one given back in the middle of a transaction.
            self.engine: AsyncEngine = create_async_engine(
                self.url,
                pool_size=sqlite_pool_size,
                max_overflow=0,
                hide_parameters=True,
                pool_reset_on_return=None,
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "connect", self._remember_file)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
            event.listen(self.engine.sync_engine.pool, "reset", _rollback_if_open)
            self._threaded = ThreadedTransactions(
                sqlite_engine(
                    self.engine.url.set(drivername="sqlite"),
                    self._on_sync_connect,
                    BEGIN_IMMEDIATE,
                )
            )
        else:
            self.engine = create_async_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                hide_parameters=True,  # errors must never log payloads or credentials
            )

        tracing.instrument_database(
            self.engine, *([self._threaded.engine] if self._threaded else [])
        )

    @property
    def dialect(self) -> Any:
        return sqlite if self.is_sqlite else postgresql

    def insert(self, table: Any) -> Any:
        """A dialect-specific INSERT that supports ON CONFLICT."""
        return self.dialect.insert(table)

    async def create_schema(self) -> None:
        """Creates what is missing: tables, and the indexes a store made by an older release
        lacks (`create_all` skips the indexes of tables that exist); drops replaced indexes.
        Opens the connection of the SQLite thread (`transact`) as well."""
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            for name in REPLACED_INDEXES:
                await conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        for table in metadata.sorted_tables:
            for index in table.indexes:
                try:
                    # One transaction each: on PostgreSQL a failed CREATE aborts its transaction.
                    async with self.engine.begin() as conn:
                        await conn.run_sync(partial(index.create, checkfirst=True))
                except IntegrityError:
                    log.warning(
                        "index not created: the stored rows break its rule", index=index.name
                    )
        if self._threaded is not None:  # the schema's work opened the others
            await self._threaded.connect()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        turn = self._write_turn.taken() if self._write_turn else nullcontext()
        async with turn, self.engine.begin() as conn:
            yield conn

    async def transact(self, work: Callable[[Connection], T]) -> T:
        """Runs `work(conn)`, plain synchronous statements, in one transaction and returns what
        it returns: on SQLite in one trip to a thread of its own (`sqlite_thread`), for short
        transactions on every run's path; on PostgreSQL through the async driver (`run_sync`)."""
        if self._threaded is None or self._write_turn is None:
            async with self.begin() as conn:
                return await conn.run_sync(work)
        async with self._write_turn.taken():
            return await self._threaded.run(work)

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @property
    def path(self) -> str | None:
        """The SQLite file's absolute path (None on PostgreSQL)."""
        database = self.engine.url.database if self.is_sqlite else None
        return os.path.abspath(database) if database else None

    def _remember_file(self, _dbapi_connection: Any, _record: Any) -> None:
        # The first connection opened the file this process means to use; every later check
        # compares the file now at that path with it (device and inode).
        if self._file_identity is None and self.path is not None:
            found = os.stat(self.path)
            self._file_identity = (found.st_dev, found.st_ino)

    def _on_sync_connect(self, dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        self._remember_file(dbapi_connection, record)

    def check_identity(self) -> None:
        """Raises `StoreLost` when the SQLite file at our path is not the file we opened. Cheap
        (one stat); logs one line when the store is first found lost."""
        if self.lost is not None:
            raise StoreLost(self.lost)
        if self._file_identity is None or self.path is None:
            return
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            problem = f"the database file {self.path} was deleted"
        else:
            if (found.st_dev, found.st_ino) == self._file_identity:
                return
            problem = f"the database file {self.path} was replaced by another file"
        self.lost = f"{problem}; nothing written now would survive a restart: restart ctbridge"
        log.error("store lost", reason=self.lost)
        raise StoreLost(self.lost)

    async def check_writable(self) -> None:
        """Proves the store is still ours and takes a write (one row per process, upserted)."""
        self.check_identity()
        row = {
            "namespace": PROBE_NAMESPACE,
            "key": f"{socket.gethostname()}:{os.getpid()}",
            "value": "{}",
            "updated_at": time.time(),
        }
        statement = self.insert(kv_state).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=[kv_state.c.namespace, kv_state.c.key],
            set_={"updated_at": statement.excluded.updated_at},
        )
        async with self.begin() as conn:
            await conn.execute(statement)
        self.check_identity()

    async def dispose(self) -> None:
        if self._threaded is not None:
            await asyncio.to_thread(self._threaded.dispose)
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would defer BEGIN; SQLAlchemy issues it in `begin`.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _rollback_if_open(dbapi_connection: Any, _record: Any, reset_state: Any) -> None:
    if not reset_state.terminate_only and dbapi_connection.driver_connection.in_transaction:
        dbapi_connection.rollback()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Taking the write lock up front makes concurrent writers wait (busy_timeout) instead of
    # failing to upgrade a read transaction later. Sent straight to aiosqlite's thread: one
    # round trip, where a statement through SQLAlchemy makes three (cursor, execute, close).
    driver = conn.connection.driver_connection
    try:
        await_only(driver.execute(BEGIN_IMMEDIATE))
    except asyncio.CancelledError:
        # aiosqlite still runs a queued statement whose caller was cancelled: this BEGIN would
        # take the lock after the connection went back to the pool, and keep it there for
        # ever. A rollback queued behind it ends that transaction (or does nothing).
        await_only(driver.rollback())
        raise
    except sqlite3.Error as error:  # typed as SQLAlchemy types it for any other statement
        raise DBAPIError.instance(BEGIN_IMMEDIATE, None, error, sqlite3.Error) from error


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def loads(text: str | None) -> Any:
    """The stored JSON's value (the worker reads every task's payload: see `json_text`)."""
    return None if text is None else json_text.loads(text)
