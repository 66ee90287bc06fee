"""Group commit for intake: deliveries arriving together are stored in one transaction, and what
cannot be stored because of its content is told apart from a store that is down."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Sequence

import structlog

from ctbridge import tracing
from ctbridge.engine import metrics
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.message import Message
from ctbridge.engine.store import StoreLost
from ctbridge.engine.tables import inbox_messages

log = structlog.get_logger("ctbridge.intake")

Item = tuple[Message, Sequence[str], "asyncio.Future[bool]"]

# The longest text each identifying field may hold: the width of its column, so that a value is
# refused the same way on SQLite (which does not enforce widths) and PostgreSQL (which does).
# commercetools ids are UUIDs (36 characters) and keys at most 256; nothing real comes close.
MAX_LENGTHS = {
    "id": inbox_messages.c.message_id.type.length,
    "type": inbox_messages.c.type.type.length,
    "source": inbox_messages.c.source.type.length,
    "resource_type": inbox_messages.c.resource_type.type.length,
    "resource_id": inbox_messages.c.resource_id.type.length,
}


class UnstorableMessage(Exception):
    """The message cannot be stored because of what it holds (not because the store is down):
    retrying it can never succeed, so it is recorded as rejected and acknowledged."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def storable_text(text: str) -> str:
    """`text` with what no database text column can hold made visible instead: NUL (PostgreSQL
    refuses it) and lone UTF-16 surrogates (not encodable as UTF-8) become backslash escapes."""
    escaped = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return escaped.replace("\x00", "\\x00")


def unstorable_reason(message: Message) -> str | None:
    """Why `message` cannot be stored on either database, or None when it can."""
    for field_name, limit in MAX_LENGTHS.items():
        value = getattr(message, field_name)
        if value is None:
            continue
        if "\x00" in value:
            return f"{field_name} contains a NUL character"
        if storable_text(value) != value:
            return f"{field_name} contains a lone UTF-16 surrogate (not valid Unicode text)"
        if limit is not None and len(value) > limit:
            return f"{field_name} is longer than {limit} characters ({len(value)})"
    return None


def is_content_error(error: BaseException) -> bool:
    """True when a driver refused a value (bad encoding, too long: SQLSTATE class 22), False for
    everything else, which means the store itself failed (unreachable, locked, disk full)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UnicodeError):
            return True
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith("22"):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


class IntakeWriter:
    """`await submit(message, connectors)` returns once the message is durably stored (True) or
    known as a duplicate (False). While one transaction is being written, new deliveries queue
    up and go into the next one, so throughput grows with load without adding latency at rest.

    A message that cannot be stored because of its content is recorded in rejected_deliveries and
    raises `UnstorableMessage` (acknowledge it); any other exception means the store failed
    (answer 503 so that the sender redelivers)."""

    def __init__(self, inbox: Inbox, *, max_batch: int = 500) -> None:
        self.inbox = inbox
        self.max_batch = max_batch
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="intake-writer")

    async def submit(self, message: Message, connectors: Sequence[str]) -> bool:
        if message.trace_context is None:
            # Taken here, in the delivering request's context: the group commit runs elsewhere.
            context = tracing.current_context()
            if context is not None:
                message = dataclasses.replace(message, trace_context=context)
        reason = unstorable_reason(message)
        if reason is not None:
            await self._reject(message, reason)
        if self._task is None:
            self.start()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((message, connectors, future))
        return await future

    async def _reject(self, message: Message, reason: str) -> None:
        metrics.REJECTED.labels(storable_text(message.source)[:64], "unstorable").inc()
        log.warning("message rejected: cannot be stored", reason=reason)
        try:
            await self.inbox.record_rejection(
                storable_text(message.source)[:64],
                reason,
                storable_text(
                    f"id={message.id!r} type={message.type!r} payload={message.payload!r}"
                ),
            )
        except Exception:
            metrics.STORE_FAILURES.labels("intake").inc()
            raise
        raise UnstorableMessage(reason)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                self.inbox.store.check_identity()
            except StoreLost as lost:
                metrics.STORE_FAILURES.labels("intake").inc(len(batch))
                self._settle(batch, [lost] * len(batch))
                continue
            try:
                results: list[bool | BaseException] = list(
                    await self.inbox.enqueue_many([(m, c) for m, c, _ in batch])
                )
            except Exception:
                # One bad row must not fail its neighbours: store them one by one, so that only
                # the bad one is answered non-2xx (and redelivered).
                log.warning(
                    "intake batch failed; storing its messages one by one", batch=len(batch)
                )
                results = [
                    await self._store_alone(message, connectors) for message, connectors, _ in batch
                ]
            self._settle(batch, results)

    def _settle(self, batch: list[Item], results: Sequence[bool | BaseException]) -> None:
        for (_, _, future), result in zip(batch, results, strict=True):
            if not future.done():
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
            self._queue.task_done()

    async def _store_alone(
        self, message: Message, connectors: Sequence[str]
    ) -> bool | BaseException:
        try:
            return await self.inbox.enqueue(message, connectors)
        except Exception as error:
            if is_content_error(error):
                try:
                    await self._reject(message, f"the store refused it: {type(error).__name__}")
                except UnstorableMessage as rejected:
                    return rejected
                except Exception as store_error:
                    return store_error
            metrics.STORE_FAILURES.labels("intake").inc()
            log.error(
                "could not store message",
                message_id=storable_text(message.id[:255]),
                error=type(error).__name__,
            )
            return error

    async def close(self) -> None:
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
