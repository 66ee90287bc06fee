"""Messages per second through one worker with a no-op handler, on SQLite and PostgreSQL.

    python bench/process.py [--messages 20000] [--postgres postgresql://127.0.0.1:5432/test]

The inbox is filled first (not timed); then one worker drains it. Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg  # noqa: E402
from noop_connector import NoopConnector  # noqa: E402

from ctbridge.engine.inbox import Inbox  # noqa: E402
from ctbridge.engine.message import Message  # noqa: E402
from ctbridge.host import Engine  # noqa: E402
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


async def measure(database_url: str, count: int, batch: int) -> float:
    engine = await Engine.open(
        EngineSettings(
            database_url=database_url,
            worker_batch=batch,
            worker_concurrency=batch,
            log_level="WARNING",
        ),
        factories={"noop": NoopConnector},
    )
    try:
        inbox = Inbox(engine.store)
        all_messages = messages(count)
        for start in range(0, count, 1000):
            await inbox.enqueue_many([(m, ["noop"]) for m in all_messages[start : start + 1000]])
        started = time.perf_counter()
        processed = await engine.run_until_idle(timeout=600)
        seconds = time.perf_counter() - started
        assert processed == count, f"processed {processed} of {count}"
        return count / seconds
    finally:
        await engine.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--postgres", default="postgresql://127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite_rate = await measure(f"sqlite:///{folder}/bench.db", args.messages, args.batch)
    print(f"sqlite: {sqlite_rate:.0f} messages/s with one worker ({args.messages} messages)")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.postgres)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        postgres_rate = await measure(
            f"{args.postgres.rsplit('/', 1)[0]}/{name}", args.messages, args.batch
        )
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    print(f"postgresql: {postgres_rate:.0f} messages/s with one worker ({args.messages} messages)")
    print(
        f"messages_per_s={min(sqlite_rate, postgres_rate):.0f} messages_per_s_sqlite={sqlite_rate:.0f} messages_per_s_postgresql={postgres_rate:.0f} target_per_s=500"
    )


if __name__ == "__main__":
    asyncio.run(main())
