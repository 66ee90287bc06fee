"""Messages per second through one worker with a no-op handler, on SQLite and PostgreSQL, and
whether that rate holds as the backlog drains (it must not depend on how much is stored).

    python bench/process.py [--messages 20000] [--history 0] [--postgres postgresql://127.0.0.1:5432/test]

`--history N` first stores N finished (done) messages, as a long-running store has. The inbox is
then filled (not timed) and one worker drains it with the loop `serve` and `worker` run
(`Worker.run`). Printed per database: the overall rate, the rate over the first and the last 10 %
of the messages, and flatness = last / first (1.0: the cost per message does not change as the
backlog shrinks). Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg  # noqa: E402
from noop_connector import NoopConnector  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from ctbridge.engine.host import Engine  # noqa: E402
from ctbridge.engine.inbox import Inbox  # noqa: E402
from ctbridge.engine.message import Message  # noqa: E402
from ctbridge.engine.store import Store  # noqa: E402
from ctbridge.engine.tables import tasks  # noqa: E402
from ctbridge.settings import EngineSettings  # noqa: E402


def messages(count: int) -> list[Message]:
    # A realistic mix: most resources get one message, some get a few in sequence.
    found = []
    for i in range(count):
        resource, sequence = divmod(i, 4)
        found.append(
            Message(
                id=f"m-{i}",
                type="ProductPublished",
                resource_type="product",
                resource_id=f"p-{resource}",
                sequence_number=sequence + 1,
                payload={
                    "id": f"m-{i}",
                    "productProjection": {
                        "id": f"p-{resource}",
                        "masterVariant": {"sku": f"s-{i}"},
                    },
                },
            )
        )
    return found


class TimedNoop(NoopConnector):
    """The no-op connector, noting when each message was handled."""

    handled: list[float] = []
    expected = 0
    all_handled = asyncio.Event()

    async def handle(self, message: Message) -> None:
        TimedNoop.handled.append(time.perf_counter())
        if len(TimedNoop.handled) >= TimedNoop.expected:
            TimedNoop.all_handled.set()


HISTORY_SQL = {
    # N done messages of N other resources, their tasks and their applied positions.
    "sqlite": (
        """WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n)
        INSERT INTO inbox_messages (message_id, source, type, resource_type, resource_id,
            sequence_number, payload, payload_included, received_at)
        SELECT 'h-' || x, 'commercetools', 'ProductPublished', 'product', 'hp-' || x, 1,
            '{}', 1, 0 FROM g""",
    ),
    "postgresql": (
        """INSERT INTO inbox_messages (message_id, source, type, resource_type, resource_id,
            sequence_number, payload, payload_included, received_at)
        SELECT 'h-' || x, 'commercetools', 'ProductPublished', 'product', 'hp-' || x, 1,
            '{}', true, 0 FROM generate_series(1, :n) AS x""",
    ),
}
HISTORY_TASKS_SQL = (
    """INSERT INTO tasks (message_pk, connector, type, resource_key, position, status, attempts,
        next_attempt_at, created_at, finished_at)
    SELECT id, 'noop', type, 'product/' || resource_id, 1, 'done', 1, 0, 0, 0
    FROM inbox_messages WHERE message_id LIKE 'h-%'""",
    """INSERT INTO resource_states (connector, resource_key, last_applied)
    SELECT 'noop', 'product/' || resource_id, 1 FROM inbox_messages
    WHERE message_id LIKE 'h-%'""",
)


async def store_history(database_url: str, count: int) -> None:
    store = Store(database_url)
    try:
        await store.create_schema()
        async with store.begin() as conn:
            await conn.execute(text(HISTORY_SQL[store.engine.dialect.name][0]), {"n": count})
            for statement in HISTORY_TASKS_SQL:
                await conn.execute(text(statement))
        if not store.is_sqlite:
            async with store.begin() as conn:  # what autovacuum does on its own
                await conn.execute(text("ANALYZE"))
    finally:
        await store.dispose()


async def measure(database_url: str, count: int, batch: int, history: int) -> dict[str, Any]:
    if history:
        await store_history(database_url, history)
    engine = await Engine.open(
        EngineSettings(
            database_url=database_url,
            worker_batch=batch,
            worker_concurrency=batch,
            poll_seconds=0.05,
            log_level="WARNING",
        ),
        factories={"noop": TimedNoop},
    )
    try:
        inbox = Inbox(engine.store)
        all_messages = messages(count)
        for start in range(0, count, 1000):
            await inbox.enqueue_many([(m, ["noop"]) for m in all_messages[start : start + 1000]])
        TimedNoop.handled, TimedNoop.expected = [], count
        TimedNoop.all_handled = asyncio.Event()
        stop = asyncio.Event()
        started = time.perf_counter()
        worker = asyncio.create_task(engine.worker.run(stop))
        await asyncio.wait_for(TimedNoop.all_handled.wait(), 3600)
        stop.set()
        await worker
        async with engine.store.begin() as conn:
            done = (
                await conn.execute(
                    select(func.count()).where(
                        tasks.c.status == "done", tasks.c.connector == "noop"
                    )
                )
            ).scalar()
        assert done == count + history, f"done {done} of {count} (+{history} history)"
        handled = TimedNoop.handled
        tenth = max(1, count // 10)
        first = tenth / (handled[tenth - 1] - started)
        last = tenth / (handled[-1] - handled[-tenth - 1]) if count > tenth else first
        edges = [started] + [handled[min(count, (i + 1) * tenth) - 1] for i in range(10)]
        deciles = [tenth / max(1e-9, edges[i + 1] - edges[i]) for i in range(10)]
        return {
            "deciles": deciles,
            "rate": count / (handled[-1] - started),
            "first": first,
            "last": last,
            "flatness": last / first,
        }
    finally:
        await engine.close()


def steadiness(figures: dict[str, Any]) -> float:
    """min/max of the first and last rates: 1.0 when the rate does not depend on the backlog
    in either direction (flatness > 1 means the big backlog at the start was the slow part)."""
    return min(figures["first"], figures["last"]) / max(figures["first"], figures["last"])


def report(name: str, figures: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"{name}: {figures['rate']:.0f} messages/s with one worker ({args.messages} messages, "
        f"{args.history} history rows); first 10 %: {figures['first']:.0f}/s, "
        f"last 10 %: {figures['last']:.0f}/s, flatness {figures['flatness']:.2f}; "
        f"per tenth: {' '.join(f'{rate:.0f}' for rate in figures['deciles'])}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--history", type=int, default=0, help="done messages stored first")
    parser.add_argument("--postgres", default="postgresql://127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite = await measure(
            f"sqlite:///{folder}/bench.db", args.messages, args.batch, args.history
        )
    report("sqlite", sqlite, args)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.postgres)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        postgres = await measure(
            f"{args.postgres.rsplit('/', 1)[0]}/{name}", args.messages, args.batch, args.history
        )
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    report("postgresql", postgres, args)
    print(
        f"messages_per_s={min(sqlite['rate'], postgres['rate']):.0f} "
        f"messages_per_s_sqlite={sqlite['rate']:.0f} "
        f"messages_per_s_postgresql={postgres['rate']:.0f} "
        f"first_per_s_sqlite={sqlite['first']:.0f} last_per_s_sqlite={sqlite['last']:.0f} "
        f"first_per_s_postgresql={postgres['first']:.0f} "
        f"last_per_s_postgresql={postgres['last']:.0f} "
        f"flatness_sqlite={sqlite['flatness']:.2f} "
        f"flatness_postgresql={postgres['flatness']:.2f} "
        f"flatness={min(sqlite['flatness'], postgres['flatness']):.2f} "
        f"steadiness={min(steadiness(sqlite), steadiness(postgres)):.2f} "
        f"history={args.history} messages={args.messages} target_per_s=500 target_flatness=0.9"
    )


if __name__ == "__main__":
    asyncio.run(main())
