"""Catch-up after an outage: messages the emulator made while ctbridge was down reach the inbox
through the same intake as deliveries, handlers run, and a repeat over the window adds nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest

from ctbridge.cli.catchup import auto_catch_up, parse_time, run_catch_up, taken_message_types
from ctbridge.commercetools.catchup import (
    CatchupUnavailable,
    after,
    catch_up,
    messages_query_check,
    window_predicates,
)
from ctbridge.commercetools.client import CommercetoolsClient
from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.engine.connector import Connector, Handler
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.engine.message import Message
from ctbridge.host import Engine
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.settings import CommercetoolsSettings, EngineSettings

TAKEN = ("InventoryEntryCreated", "InventoryEntryQuantitySet")


class InventoryRecorder(Connector):
    """Takes two inventory message types and records every message its handler sees."""

    name = "recorder"

    def __init__(self, runtime) -> None:
        super().__init__(runtime)
        self.seen: list[Message] = []

    def handlers(self) -> Mapping[str, Handler]:
        return {message_type: self.handle for message_type in TAKEN}

    async def handle(self, message: Message) -> None:
        self.seen.append(message)


@pytest.fixture
def emulator() -> CommercetoolsEmulator:
    return CommercetoolsEmulator("shop", "client", "secret")


@pytest.fixture
def emulator_url(emulator: CommercetoolsEmulator) -> Iterator[str]:
    with BackgroundServer(emulator.app) as server:
        yield server.url


def ct_settings(url: str) -> CommercetoolsSettings:
    return CommercetoolsSettings(
        project_key="shop", client_id="client", client_secret="secret", api_url=url, auth_url=url
    )


@pytest.fixture
async def engine(emulator_url: str, sqlite_url: str) -> AsyncIterator[Engine]:
    opened = await Engine.open(
        EngineSettings(database_url=sqlite_url, connectors=["recorder"], catchup="auto"),
        commercetools_settings=ct_settings(emulator_url),
        factories={"recorder": InventoryRecorder},
    )
    yield opened
    await opened.close()


def recorder(engine: Engine) -> InventoryRecorder:
    connector = engine.connectors["recorder"]
    assert isinstance(connector, InventoryRecorder)
    return connector


def outage_traffic(emulator: CommercetoolsEmulator, entries: int) -> list[str]:
    """Inventory created and changed, plus messages no connector takes; the taken message ids."""
    product_type = emulator.create("product-types", {"name": "t", "description": ""})
    emulator.create(
        "products",
        {
            "productType": {"typeId": "product-type", "id": product_type["id"]},
            "name": {"en": "P"},
            "slug": {"en": "p"},
            "masterVariant": {"sku": "P-1"},
        },
    )
    for n in range(entries):
        entry = emulator.create("inventory", {"sku": f"SKU-{n}", "quantityOnStock": n})
        emulator.update("inventory", entry["id"], [{"action": "changeQuantity", "quantity": n + 5}])
    return [m["id"] for m in emulator.messages() if m["type"] in TAKEN]


def hour_window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(hours=1), now + timedelta(minutes=1)


async def test_catchup_brings_outage_messages_into_the_inbox_and_handlers_run(
    engine: Engine, emulator: CommercetoolsEmulator
) -> None:
    taken = outage_traffic(emulator, 3)
    since, until = hour_window()

    report = await run_catch_up(engine, since, until)
    await engine.run_until_idle()

    assert len(taken) == 6
    assert report.fetched == 6
    assert report.count("accepted") == 6
    assert sorted(m.id for m in recorder(engine).seen) == sorted(taken)
    assert all(m.payload["notificationType"] == "Message" for m in recorder(engine).seen)
    assert all(m.payload["projectKey"] == "shop" for m in recorder(engine).seen)


async def test_a_second_catchup_over_the_same_window_adds_nothing(
    engine: Engine, emulator: CommercetoolsEmulator
) -> None:
    outage_traffic(emulator, 2)
    since, until = hour_window()
    await run_catch_up(engine, since, until)
    await engine.run_until_idle()
    handled = len(recorder(engine).seen)

    again = await run_catch_up(engine, since, until)
    await engine.run_until_idle()

    assert again.fetched == 4
    assert again.count("accepted") == 0
    assert again.count("duplicate") == 4
    assert len(recorder(engine).seen) == handled == 4


async def test_only_messages_inside_the_window_are_read(
    engine: Engine, emulator: CommercetoolsEmulator
) -> None:
    outage_traffic(emulator, 1)
    later = datetime.now(UTC) + timedelta(minutes=5)

    report = await run_catch_up(engine, later, later + timedelta(minutes=1))

    assert report.fetched == 0


def test_taken_message_types_are_those_of_the_enabled_connectors(engine: Engine) -> None:
    assert taken_message_types(engine) == sorted(TAKEN)


class CollectingIntake:
    """Stands in for DeliveryIntake where only the order of bodies matters."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def accept(self, body: bytes, headers: object = None) -> object:
        self.bodies.append(body)
        return type("Result", (), {"status": "accepted"})()


async def test_keyset_paging_visits_messages_sharing_one_created_at_exactly_once(
    emulator_url: str,
) -> None:
    frozen = CommercetoolsEmulator(
        "shop", "client", "secret", clock=lambda: "2026-11-30T10:00:00.000Z"
    )
    with BackgroundServer(frozen.app) as server:
        for n in range(7):
            frozen.create("inventory", {"sku": f"S-{n}", "quantityOnStock": n})
        intake = CollectingIntake()
        async with CommercetoolsClient.from_settings(ct_settings(server.url)) as client:
            report = await catch_up(
                client,
                intake,
                ["InventoryEntryCreated"],
                datetime(2026, 11, 30, 9, tzinfo=UTC),
                datetime(2026, 11, 30, 11, tzinfo=UTC),
                page_size=2,
            )

    ids = [m["id"] for m in frozen.messages()]
    assert report.fetched == 7
    assert len(intake.bodies) == 7
    assert sorted(ids) == [b.split(b'"id": "')[1].split(b'"')[0].decode() for b in intake.bodies]


def test_the_keyset_cursor_is_strictly_after_created_at_then_id() -> None:
    assert after("2026-01-01T00:00:00.000Z", 'a"b') == (
        '(createdAt > "2026-01-01T00:00:00.000Z" or '
        '(createdAt = "2026-01-01T00:00:00.000Z" and id > "a\\"b"))'
    )


async def test_disabled_messages_query_is_a_clear_error_and_stores_nothing(
    engine: Engine, emulator: CommercetoolsEmulator
) -> None:
    outage_traffic(emulator, 1)
    project = emulator.project()
    emulator.update_project(
        {
            "version": project["version"],
            "actions": [
                {
                    "action": "changeMessagesConfiguration",
                    "messagesConfiguration": {"enabled": False, "deleteDaysAfterCreation": 15},
                }
            ],
        }
    )
    since, until = hour_window()

    with pytest.raises(CatchupUnavailable, match="disabled"):
        await run_catch_up(engine, since, until)
    assert (await Inbox(engine.store).stats()).pending == 0
    with pytest.raises(RuntimeError, match="CTBRIDGE_CATCHUP=auto"):
        await messages_query_check(engine.runtime.commercetools, required=True)
    assert "disabled" in await messages_query_check(engine.runtime.commercetools, required=False)


async def test_a_window_older_than_the_retention_warns(engine: Engine) -> None:
    report = await run_catch_up(engine, datetime.now(UTC) - timedelta(days=20))

    assert any("kept 15 days" in warning for warning in report.warnings)
    assert "kept 15 days" in await messages_query_check(engine.runtime.commercetools, required=True)


async def test_auto_catchup_starts_from_the_newest_message_already_in_the_inbox(
    engine: Engine, emulator: CommercetoolsEmulator
) -> None:
    assert await auto_catch_up(engine) is None  # nothing in the inbox: no starting point
    first = emulator.create("inventory", {"sku": "BEFORE", "quantityOnStock": 1})
    (delivered,) = emulator.messages()
    inbox = Inbox(engine.store)
    writer = IntakeWriter(inbox)
    intake = DeliveryIntake(engine.registry, inbox, writer)
    assert (await intake.accept(_body(delivered))).status == "accepted"
    await writer.close()
    # ctbridge goes down; the project carries on
    emulator.update("inventory", first["id"], [{"action": "changeQuantity", "quantity": 9}])
    emulator.create("inventory", {"sku": "DURING", "quantityOnStock": 2})

    report = await auto_catch_up(engine)
    await engine.run_until_idle()

    assert report is not None
    assert report.count("accepted") == 2
    assert report.count("duplicate") == 1
    assert sorted(m.type for m in recorder(engine).seen) == [
        "InventoryEntryCreated",
        "InventoryEntryCreated",
        "InventoryEntryQuantitySet",
    ]


def _body(message: dict) -> bytes:
    return json.dumps({"notificationType": "Message", "projectKey": "shop", **message}).encode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", datetime(2026, 11, 30, 10, 30, tzinfo=UTC)),
        ("6h", datetime(2026, 11, 30, 6, tzinfo=UTC)),
        ("3d", datetime(2026, 11, 27, 12, tzinfo=UTC)),
        ("2026-11-29T08:00:00Z", datetime(2026, 11, 29, 8, tzinfo=UTC)),
        ("2026-11-29T08:00", datetime(2026, 11, 29, 8, tzinfo=UTC)),
    ],
)
def test_catchup_times_are_iso_8601_or_ages(text: str, expected: datetime) -> None:
    assert parse_time(text, now=datetime(2026, 11, 30, 12, tzinfo=UTC)) == expected


def test_a_message_made_in_the_last_millisecond_before_until_is_inside_the_window() -> None:
    since = datetime(2026, 11, 30, 9, tzinfo=UTC)
    until = datetime(2026, 11, 30, 10, 0, 0, 869_400, tzinfo=UTC)

    predicates = window_predicates(since, until, ["OrderCreated"])

    assert predicates == [
        'createdAt >= "2026-11-30T09:00:00.000Z"',
        'createdAt < "2026-11-30T10:00:00.870Z"',
        'type in ("OrderCreated")',
    ]
