"""Hypothesis explores SQS deliveries, duplicates, consumers dying mid-batch and storage failing
before or after the row is written: at every step no message is lost (stored, or still in the
queue), and once drained every message is handled exactly once (moto in server mode, a real
SQLite inbox). Hypothesis prints a failing teardown without failing the run, so the test collects
teardown failures and asserts there were none."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select
from tests.commercetools.transports.conftest import FAKE_CREDENTIALS, REGION
from tests.commercetools.transports.test_aws_e2e import aws, new_queue, queue_depth
from tests.engine.recording import open_engine

from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.commercetools.transports.sqs import SqsConsumer
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.engine.tables import inbox_messages


class StorageFailure(Exception):
    pass


class FlakyIntake(DeliveryIntake):
    """Fails the next deliveries as planned: before storing (the database refused) or after
    storing (the process died before the consumer could delete)."""

    plan: list[str]

    async def accept(self, body, headers=None):
        failure = self.plan.pop(0) if self.plan else None
        if failure == "before":
            raise StorageFailure("database unavailable")
        result = await super().accept(body, headers)
        if failure == "after":
            raise StorageFailure("crashed after storing")
        return result


def message(message_id: str) -> str:
    return json.dumps(
        {
            "notificationType": "Message",
            "id": message_id,
            "version": 1,
            "sequenceNumber": 1,
            "resource": {"typeId": "product", "id": f"p-{message_id}"},
            "resourceVersion": 1,
            "type": "ProductPublished",
        }
    )


class SqsIntake(RuleBasedStateMachine):
    moto_url: str = ""
    drain_failures: list[str] = []

    @initialize()
    def open(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.directory = tempfile.mkdtemp()
        self.queue_url, _ = new_queue(self.moto_url, "hypothesis")
        self.sqs = aws("sqs", self.moto_url)
        self.sent: set[str] = set()
        self.engine, self.made = self.run(open_engine(f"sqlite:///{self.directory}/i.db"))
        self.inbox = Inbox(self.engine.store)
        self.writer = IntakeWriter(self.inbox)
        self.intake = FlakyIntake(self.engine.registry, self.inbox, self.writer)
        self.intake.plan = []
        self.consumer = self.new_consumer()

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def new_consumer(self) -> SqsConsumer:
        return SqsConsumer(
            self.queue_url,
            self.intake,
            region=REGION,
            endpoint_url=self.moto_url,
            wait_seconds=0,
            visibility_seconds=1,
        )

    @rule(number=st.integers(0, 5))
    def commercetools_delivers(self, number: int) -> None:
        """At-least-once: the same message id may be delivered again."""
        message_id = f"m{number}"
        self.sent.add(message_id)
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=message(message_id))

    @rule(failures=st.lists(st.sampled_from(["ok", "before", "after"]), max_size=4))
    def consumer_receives(self, failures: list[str]) -> None:
        self.intake.plan = list(failures)
        self.run(self.consumer.receive_once())
        self.intake.plan = []

    @rule()
    def consumer_dies_holding_a_batch(self) -> None:
        """Another consumer received a batch and died: nothing deleted, it reappears after 1 s."""
        self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=1
        )

    async def stored_ids(self) -> set[str]:
        async with self.engine.store.begin() as connection:
            rows = await connection.execute(select(inbox_messages.c.message_id))
            return {row[0] for row in rows}

    @invariant()
    def no_message_is_ever_lost(self) -> None:
        """Every message sent is stored, or still has a copy in the queue (visible or in flight):
        a consumer deletes only what is stored."""
        if not hasattr(self, "consumer"):
            return
        unstored = self.sent - self.run(self.stored_ids())
        assert len(unstored) <= queue_depth(self.moto_url, self.queue_url), unstored

    def teardown(self) -> None:
        """Drains the queue with a working store, then checks every message was handled once."""
        if not hasattr(self, "consumer"):
            return
        try:
            deadline = time.monotonic() + 30
            while queue_depth(self.moto_url, self.queue_url):
                if time.monotonic() > deadline:
                    SqsIntake.drain_failures.append("the queue never drained")
                    return
                if not self.run(self.consumer.receive_once()):
                    time.sleep(0.2)  # in-flight messages become visible after their timeout
            self.run(self.engine.run_until_idle())
            applied = sorted(m.id for m in self.made["recorder"].applied)
            if applied != sorted(self.sent):
                SqsIntake.drain_failures.append(f"handled {applied}, sent {sorted(self.sent)}")
        finally:
            self.run(self.consumer.aclose())
            self.run(self.writer.close())
            self.run(self.engine.close())
            self.loop.close()
            shutil.rmtree(self.directory, ignore_errors=True)


def test_sqs_intake_stores_every_message_once_whatever_fails(moto_url, monkeypatch):
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    SqsIntake.moto_url = moto_url
    machine = SqsIntake.TestCase
    machine.settings = settings(
        max_examples=12,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    SqsIntake.drain_failures = []
    machine().runTest()
    assert SqsIntake.drain_failures == []
