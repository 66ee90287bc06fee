"""A model-based test of the task queue: Hypothesis drives deliveries (duplicates, any order),
claims, completions, handler failures, worker crashes and lease expiry across two workers on a real
database, and checks the queue's promises after every step.

After every step: no two running tasks of one (connector, resource); no message applied after a
newer one of its resource; none applied twice; no task claimed more than CTBRIDGE_MAX_ATTEMPTS
times. At the end of each run the queue is drained: every accepted message is done (applied
exactly once), stale (a newer one of its resource was applied) or dead-lettered with a reason.

In CI it runs a modest number of examples per database. To run it long:

    CTBRIDGE_MODEL_EXAMPLES=2000 CTBRIDGE_MODEL_STEPS=80 \\
        python -m pytest -q -p no:cacheprovider tests/engine/test_queue_model.py
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, func, select

from ctbridge.engine.inbox import Inbox, Status
from ctbridge.engine.message import Message
from ctbridge.engine.queue import ClaimedTask, TaskQueue, TaskResult
from ctbridge.engine.retry_policy import RetryPolicy
from ctbridge.engine.store import Store
from ctbridge.engine.tables import inbox_messages, resource_states, tasks

CONNECTOR = "model"
MAX_ATTEMPTS = 2
LEASE_SECONDS = 30.0
RESOURCES = ("a", "b", "c")
SLOTS = ("w0", "w1")
EXAMPLES = int(os.environ.get("CTBRIDGE_MODEL_EXAMPLES", "25"))
STEPS = int(os.environ.get("CTBRIDGE_MODEL_STEPS", "50"))
POISON = st.sampled_from([False, False, False, True])
FINAL_STATUSES = {Status.DONE, Status.STALE, Status.DEAD}


class ModelClock:
    """Time the model moves by hand; it starts well after the real time at which the inbox
    stamps deliveries, so a delivery is due at once."""

    def __init__(self) -> None:
        self.now = time.time() + 10_000

    def __call__(self) -> float:
        return self.now


def delivery(message_id: str, resource: str, sequence: int, poison: bool = False) -> Message:
    return Message(
        id=message_id,
        type="ProductPublished",
        resource_type="product",
        resource_id=resource,
        sequence_number=sequence,
        payload={"id": message_id, "poison": poison},
    )


def queue_machine(run, store: Store) -> type[RuleBasedStateMachine]:
    """The state machine, bound to an event loop runner and a store shared by its examples."""

    class QueueModel(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = ModelClock()
            self.inbox = Inbox(store)
            self.generations = itertools.count()
            self.queues = {slot: self._new_queue(slot) for slot in SLOTS}
            self.in_hand: dict[str, dict[int, ClaimedTask]] = {slot: {} for slot in SLOTS}
            self.accepted: dict[str, tuple[str, int]] = {}
            self.poison: set[str] = set()
            self.applied: list[tuple[str, str, int]] = []
            self.message_numbers = itertools.count()
            run(self._clear())

        def _new_queue(self, slot: str) -> TaskQueue:
            return TaskQueue(
                store,
                f"{slot}-{next(self.generations)}",
                lease_seconds=LEASE_SECONDS,
                policy=RetryPolicy(MAX_ATTEMPTS, base_seconds=1.0, max_seconds=8.0),
                clock=self.clock,
            )

        async def _clear(self) -> None:
            async with store.begin() as conn:
                for table in (tasks, inbox_messages, resource_states):
                    await conn.execute(delete(table))

        # -- what the outside world does -----------------------------------------------------
        @initialize(
            deliveries=st.lists(
                st.tuples(st.sampled_from(RESOURCES), st.integers(1, 6), POISON),
                min_size=1,
                max_size=6,
            )
        )
        def first_deliveries(self, deliveries: list[tuple[str, int, bool]]) -> None:
            for resource, sequence, poison in deliveries:
                self.deliver(resource, sequence, poison, again=False)

        @rule(
            resource=st.sampled_from(RESOURCES),
            sequence=st.integers(1, 6),
            poison=POISON,
            again=st.booleans(),
        )
        def deliver(self, resource: str, sequence: int, poison: bool, again: bool) -> None:
            """A new message, or (`again`) the redelivery of the last one: stored once. A
            poison message kills the worker that handles it, every time."""
            if again and self.accepted:
                message_id = max(self.accepted, key=lambda known: int(known[1:]))
                resource, sequence = self.accepted[message_id]
                message = delivery(message_id, resource, sequence, message_id in self.poison)
                assert run(self.inbox.enqueue(message, [CONNECTOR])) is False
                return
            message_id = f"m{next(self.message_numbers)}"
            message = delivery(message_id, resource, sequence, poison)
            assert run(self.inbox.enqueue(message, [CONNECTOR]))
            self.accepted[message_id] = (resource, sequence)
            if poison:
                self.poison.add(message_id)

        # -- what workers do ------------------------------------------------------------------
        @rule(slot=st.sampled_from(SLOTS), limit=st.integers(1, 4))
        def claim(self, slot: str, limit: int) -> None:
            self.reclaim(slot)  # as the worker loop does before it claims
            for task in run(self.queues[slot].claim(limit)):
                held = [task.id in hand for hand in self.in_hand.values()]
                assert not any(held), f"task {task.id} claimed while a live worker holds it"
                self.in_hand[slot][task.id] = task

        def _busy_slot(self, data: st.DataObject) -> str | None:
            busy = [slot for slot in SLOTS if self.in_hand[slot]]
            return data.draw(st.sampled_from(busy)) if busy else None

        @rule(
            outcome=st.sampled_from(["applied", "applied", "retryable", "permanent", "kills"]),
            data=st.data(),
        )
        def finish(self, outcome: str, data: st.DataObject) -> None:
            slot = self._busy_slot(data)
            if slot is None:
                return
            hand = self.in_hand[slot]
            task = hand.pop(data.draw(st.sampled_from(sorted(hand))))
            if outcome == "kills" or task.message.payload["poison"]:
                self.crash(slot)  # the message killed its worker inside the handler
                return
            run(self.queues[slot].complete([self._handle(slot, task, outcome)]))

        def _handle(self, slot: str, task: ClaimedTask, outcome: str) -> TaskResult:
            if outcome == "applied":
                self._apply(task)
                return TaskResult(task, Status.DONE)
            if outcome == "retryable":
                return self.queues[slot].failed(task, "retryable: target unavailable", None)
            return TaskResult(task, Status.DEAD, "permanent: invalid payload")

        def _apply(self, task: ClaimedTask) -> None:
            """The handler's effect on the target: what the invariants are about."""
            message = task.message
            assert message.id not in {applied[0] for applied in self.applied}, "applied twice"
            newer = [
                seq
                for _, resource, seq in self.applied
                if resource == message.resource_id and seq >= message.sequence_number
            ]
            assert not newer, f"{message.id} applied after sequence {max(newer)} of its resource"
            self.applied.append((message.id, message.resource_id, message.sequence_number))

        @rule(data=st.data())
        def worker_killed(self, data: st.DataObject) -> None:
            slot = self._busy_slot(data)
            if slot is not None:
                self.crash(slot)

        def crash(self, slot: str) -> None:
            """SIGKILL inside the handlers: nothing in hand is applied or recorded; the slot
            restarts as a new worker. The tasks keep their leases until those expire."""
            self.in_hand[slot] = {}
            self.queues[slot] = self._new_queue(slot)

        @rule(slot=st.sampled_from(SLOTS))
        def shut_down(self, slot: str) -> None:
            """SIGTERM between handlers: the tasks in hand go back to the queue."""
            run(self.queues[slot].release())
            self.in_hand[slot] = {}

        @rule(seconds=st.sampled_from([1.0, LEASE_SECONDS / 2, 2 * LEASE_SECONDS]))
        def time_passes(self, seconds: float) -> None:
            """Live workers renew their leases every third of a lease, as the loop does."""
            while seconds > 0:
                step = min(seconds, LEASE_SECONDS / 3)
                for slot, hand in self.in_hand.items():
                    if hand:
                        run(self.queues[slot].renew_leases(sorted(hand)))
                self.clock.now += step
                seconds -= step

        def reclaim(self, slot: str) -> None:
            for result in run(self.queues[slot].reclaim_expired()):
                assert result.error and "worker died" in result.error

        # -- the promises ---------------------------------------------------------------------
        @invariant()
        def one_running_task_per_resource(self) -> None:
            doubled = run(_running_twice())
            assert not doubled, f"two running tasks of one resource: {doubled}"

        @invariant()
        def no_task_claimed_beyond_the_budget(self) -> None:
            assert run(_most_attempts()) <= MAX_ATTEMPTS

        @invariant()
        def every_accepted_message_has_one_task(self) -> None:
            statuses = run(_statuses())
            assert sorted(statuses) == sorted(self.accepted), "a message was lost or doubled"

        def teardown(self) -> None:
            try:
                if self.accepted:
                    self._drain_and_check()
            finally:
                run(self._clear())

        def _drain_and_check(self) -> None:
            """Every live worker finishes what it holds, then time passes until nothing waits."""
            for slot, hand in self.in_hand.items():
                survivors = [t for t in hand.values() if not t.message.payload["poison"]]
                if len(survivors) < len(hand):
                    self.crash(slot)
                elif hand:
                    run(
                        self.queues[slot].complete(
                            [self._handle(slot, t, "applied") for t in hand.values()]
                        )
                    )
                self.in_hand[slot] = {}
            for _ in range(200):
                statuses = run(_statuses())
                if all(status in FINAL_STATUSES for status, _ in statuses.values()):
                    break
                self.clock.now += 2 * LEASE_SECONDS
                run(self.queues["w0"].reclaim_expired())
                for task in run(self.queues["w0"].claim(10)):
                    if task.message.payload["poison"]:
                        self.crash("w0")
                        break
                    run(self.queues["w0"].complete([self._handle("w0", task, "applied")]))
            assert run(_most_attempts()) <= MAX_ATTEMPTS, "claimed beyond the attempt budget"
            applied = {message_id for message_id, _, _ in self.applied}
            for message_id, (status, error) in run(_statuses()).items():
                resource, sequence = self.accepted[message_id]
                if status == Status.DONE:
                    assert message_id in applied
                elif status == Status.STALE:
                    assert message_id not in applied
                    assert any(r == resource and s >= sequence for _, r, s in self.applied)
                else:
                    assert status == Status.DEAD, f"{message_id} never finished: {status}"
                    assert error, f"dead letter {message_id} has no reason"
                    assert message_id not in applied

    async def _running_twice() -> list[tuple[str, str]]:
        async with store.begin() as conn:
            rows = await conn.execute(
                select(tasks.c.connector, tasks.c.resource_key)
                .where(tasks.c.status == Status.RUNNING)
                .group_by(tasks.c.connector, tasks.c.resource_key)
                .having(func.count() > 1)
            )
            return [tuple(row) for row in rows]

    async def _most_attempts() -> int:
        async with store.begin() as conn:
            return (await conn.execute(select(func.max(tasks.c.attempts)))).scalar() or 0

    async def _statuses() -> dict[str, tuple[str, str | None]]:
        async with store.begin() as conn:
            rows = await conn.execute(
                select(inbox_messages.c.message_id, tasks.c.status, tasks.c.last_error).join(
                    tasks, tasks.c.message_pk == inbox_messages.c.id
                )
            )
            found: dict[str, tuple[str, str | None]] = {}
            for row in rows:
                assert row.message_id not in found, f"{row.message_id} has two tasks"
                found[row.message_id] = (row.status, row.last_error)
            return found

    return QueueModel


def test_the_queue_keeps_its_promises_under_any_interleaving(database_url):
    loop = asyncio.new_event_loop()
    store = Store(database_url)
    try:
        loop.run_until_complete(store.create_schema())
        machine = queue_machine(loop.run_until_complete, store)
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        loop.run_until_complete(store.dispose())
        loop.close()
