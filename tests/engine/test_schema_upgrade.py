"""A store made by an older release gets the indexes this release relies on when it starts."""

from __future__ import annotations

from sqlalchemy import inspect, text

from ctbridge.engine.store import Store
from ctbridge.engine.tables import metadata


async def index_names(store: Store) -> set[str]:
    async with store.begin() as conn:
        return await conn.run_sync(
            lambda sync: {index["name"] for index in inspect(sync).get_indexes("tasks")}
        )


async def test_an_older_store_gets_the_claim_and_one_running_indexes(database_url) -> None:
    store = Store(database_url)
    try:
        async with store.begin() as conn:
            await conn.run_sync(metadata.create_all)
            # What the previous release left: no one-running rule, the old due index.
            await conn.execute(text("DROP INDEX ux_tasks_one_running_per_resource"))
            await conn.execute(text("DROP INDEX ix_tasks_claim"))
            await conn.execute(text("CREATE INDEX ix_tasks_due ON tasks (status, next_attempt_at)"))
        assert "ux_tasks_one_running_per_resource" not in await index_names(store)

        await store.create_schema()

        names = await index_names(store)
        assert {"ux_tasks_one_running_per_resource", "ix_tasks_claim"} <= names
        assert "ix_tasks_due" not in names
        await store.create_schema()  # and again: nothing to do, nothing fails
    finally:
        await store.dispose()
