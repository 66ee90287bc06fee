"""The worker's rules: once per message, per-resource order, retries, dead letters, fan-out."""

from __future__ import annotations

import asyncio

import pytest

from ctbridge.engine.inbox import Inbox
from tests.engine.recording import open_engine, product_message


@pytest.fixture
async def engine_and_recorder(database_url):
    engine, made = await open_engine(database_url)
    yield engine, made["recorder"]
    await engine.close()


async def test_a_duplicate_delivery_is_stored_and_handled_once(engine_and_recorder):
    engine, recorder = engine_and_recorder
    assert await engine.runtime.enqueue(product_message("m1")) is True
    assert await engine.runtime.enqueue(product_message("m1")) is False
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["m1"]


async def test_messages_of_one_resource_are_applied_in_sequence_order(engine_and_recorder):
    engine, recorder = engine_and_recorder
    for sequence in (3, 1, 2):
        await engine.runtime.enqueue(product_message(f"m{sequence}", sequence=sequence))
    await engine.run_until_idle()
    assert [m.sequence_number for m in recorder.applied] == [1, 2, 3]


async def test_a_message_older_than_one_applied_is_skipped_as_stale(engine_and_recorder):
    engine, recorder = engine_and_recorder
    await engine.runtime.enqueue(product_message("new", sequence=5))
    await engine.run_until_idle()
    await engine.runtime.enqueue(product_message("old", sequence=4))
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["new"]
    counts = await Inbox(engine.store).task_counts()
    assert counts[("recorder", "stale")] == 1


async def test_a_retrying_message_holds_back_later_messages_of_the_same_resource(
    engine_and_recorder,
):
    engine, recorder = engine_and_recorder
    recorder.failures["first"] = ["retry", "retry"]
    await engine.runtime.enqueue(product_message("first", sequence=1))
    await engine.runtime.enqueue(product_message("second", sequence=2))
    await engine.runtime.enqueue(product_message("other", product_id="p2", sequence=1))
    await engine.run_until_idle(wait_for_retries=True)
    assert [m.id for m in recorder.applied if m.resource_id == "p1"] == ["first", "second"]
    assert recorder.attempts["first"] == 3
    assert "other" in [m.id for m in recorder.applied]


async def test_a_permanent_failure_is_dead_lettered_at_once_and_replay_applies_it(
    engine_and_recorder,
):
    engine, recorder = engine_and_recorder
    recorder.failures["poison"] = ["permanent"]
    await engine.runtime.enqueue(product_message("poison"))
    await engine.run_until_idle()
    inbox = Inbox(engine.store)
    letters = await inbox.dead_letters()
    assert [(letter.message_id, letter.attempts) for letter in letters] == [("poison", 1)]
    assert "invalid payload" in letters[0].last_error
    shown = await inbox.dead_letter(letters[0].task_id)
    assert shown.payload["id"] == "poison"
    assert await inbox.replay([letters[0].task_id]) == 1
    await engine.run_until_idle()
    assert [m.id for m in recorder.applied] == ["poison"]
    assert await inbox.dead_letters() == []


async def test_retryable_failures_are_dead_lettered_after_the_attempt_budget(database_url):
    engine, made = await open_engine(database_url, max_attempts=3)
    try:
        made["recorder"].failures["flaky"] = ["retry"] * 10
        await engine.runtime.enqueue(product_message("flaky"))
        await engine.run_until_idle(wait_for_retries=True)
        letters = await Inbox(engine.store).dead_letters()
        assert [(letter.message_id, letter.attempts) for letter in letters] == [("flaky", 3)]
        assert made["recorder"].attempts["flaky"] == 3
    finally:
        await engine.close()


async def test_an_unexpected_handler_error_is_retried_not_lost(engine_and_recorder):
    engine, recorder = engine_and_recorder
    recorder.failures["bug"] = ["crash"]
    await engine.runtime.enqueue(product_message("bug"))
    await engine.run_until_idle(wait_for_retries=True)
    assert [m.id for m in recorder.applied] == ["bug"]


async def test_each_connector_has_its_own_status_for_one_message(database_url):
    engine, made = await open_engine(database_url, "alpha", "beta")
    try:
        made["alpha"].failures["m1"] = ["permanent"]
        assert engine.registry.connectors_for("ProductPublished") == ["alpha", "beta"]
        await engine.runtime.enqueue(product_message("m1"))
        await engine.run_until_idle()
        assert made["alpha"].applied == []
        assert [m.id for m in made["beta"].applied] == ["m1"]
        assert made["beta"].attempts["m1"] == 1
        counts = await Inbox(engine.store).task_counts()
        assert counts[("alpha", "dead")] == 1 and counts[("beta", "done")] == 1
    finally:
        await engine.close()


async def test_a_skipped_outcome_is_recorded_with_its_reason(engine_and_recorder):
    engine, recorder = engine_and_recorder
    recorder.skip_ids.add("m1")
    await engine.runtime.enqueue(product_message("m1"))
    await engine.run_until_idle()
    counts = await Inbox(engine.store).task_counts()
    assert counts[("recorder", "skipped")] == 1


async def test_a_claimed_task_whose_worker_died_is_reclaimed_after_its_lease(database_url):
    engine, made = await open_engine(database_url, lease_seconds=0.2)
    try:
        await engine.runtime.enqueue(product_message("m1"))
        claimed = await engine.worker.queue.claim(10)  # claimed, then "the process dies"
        assert [task.message.id for task in claimed] == ["m1"]
        assert await engine.worker.queue.claim(10) == []
        await asyncio.sleep(0.3)
        engine.worker._last_reclaim = 0
        await engine.run_until_idle()
        assert [m.id for m in made["recorder"].applied] == ["m1"]
    finally:
        await engine.close()


async def test_a_task_whose_worker_died_on_its_last_allowed_claim_is_dead_lettered_and_alerted(
    database_url,
):
    engine, made = await open_engine(database_url, lease_seconds=0.2, max_attempts=1)
    alerted = []

    async def alert(dead):
        alerted.extend(dead)

    engine.worker.on_dead_letters = alert
    try:
        await engine.runtime.enqueue(product_message("m1"))
        assert len(await engine.worker.queue.claim(10)) == 1  # claimed, then "the process dies"
        for _ in range(200):
            engine.worker._last_reclaim = 0
            await engine.worker.run_once()
            if alerted:
                break
            await asyncio.sleep(0.05)
        await engine.worker.wait_for_alerts()
        letters = await Inbox(engine.store).dead_letters()
        assert [(letter.message_id, letter.attempts) for letter in letters] == [("m1", 1)]
        assert "worker died while handling it" in letters[0].last_error
        assert [result.task.message.id for result in alerted] == ["m1"]
        assert made["recorder"].applied == []
    finally:
        await engine.close()
