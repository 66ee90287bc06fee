"""Merges into one namespace of the key-value state behave as if they ran one after another,
however their transactions interleave, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete

from ctbridge.engine.state import KeyValueStore
from ctbridge.engine.store import Store
from ctbridge.engine.tables import kv_state
from tests.engine.interleavings import WAIT, interleavings

NAMESPACE = "test.lists"
KEYS = ("p1", "p2", "p3")
ITEMS = ("a", "b", "c", "d")


@dataclass(frozen=True)
class Merge:
    """Adds and drops items in some keys' lists, yielding to the others before and after."""

    add: dict[str, list[str]]
    drop: dict[str, list[str]]
    yields_before: int
    yields_after: int

    @property
    def keys(self) -> list[str]:
        return sorted({*self.add, *self.drop})

    def apply(self, key: str, current: list[str] | None) -> list[str]:
        gone = set(self.drop.get(key, ()))
        kept = dict.fromkeys([*(current or ()), *self.add.get(key, ())])
        return [item for item in kept if item not in gone]


lists = st.dictionaries(
    st.sampled_from(KEYS), st.lists(st.sampled_from(ITEMS), max_size=3), max_size=2
)
merges = st.builds(
    Merge,
    add=lists,
    drop=lists,
    yields_before=st.integers(0, 4),
    yields_after=st.integers(0, 4),
).filter(lambda merge: merge.keys)


async def _play(url: str, plan: list[Merge]) -> None:
    store = Store(url)
    await store.create_schema()
    state = KeyValueStore(store)
    try:
        async with state.transaction() as conn:
            await conn.execute(delete(kv_state).where(kv_state.c.namespace == NAMESPACE))
        order: list[int] = []

        async def run(number: int, merge: Merge) -> None:
            async with state.transaction() as conn:
                for _ in range(merge.yields_before):
                    await asyncio.sleep(0)

                def combine(key: str, current: Any) -> list[str]:
                    if number not in order:  # a merge reads all its keys at once
                        order.append(number)
                    return merge.apply(key, current)

                await state.merge(conn, NAMESPACE, merge.keys, combine)
                for _ in range(merge.yields_after):
                    await asyncio.sleep(0)  # others run while this one is not committed yet

        async with asyncio.timeout(WAIT):
            await asyncio.gather(*(run(n, merge) for n, merge in enumerate(plan)))

        expected: dict[str, list[str]] = {}
        for number in order:  # one after another, in the order they read
            for key in plan[number].keys:
                expected[key] = plan[number].apply(key, expected.get(key))
        assert sorted(order) == list(range(len(plan)))
        assert await state.get_many(NAMESPACE, KEYS) == expected
    finally:
        await store.dispose()


@interleavings
@given(plan=st.lists(merges, min_size=1, max_size=6))
def test_merges_apply_one_after_another_whatever_the_interleaving(database_url, plan):
    asyncio.run(_play(database_url, plan))
