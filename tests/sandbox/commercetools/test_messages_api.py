"""The Messages Query API and the project's `messages` settings (enabled, deleteDaysAfterCreation)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
from tests.sandbox.commercetools.conftest import token_for

from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.server import BackgroundServer


class StepClock:
    """Timestamps that advance by `step_ms` per call from a start day; `jump` moves the day."""

    def __init__(self, step_ms: int = 1) -> None:
        self.day = 1
        self._ticks = itertools.count()
        self.step_ms = step_ms

    def __call__(self) -> str:
        millis = next(self._ticks) * self.step_ms
        seconds, ms = divmod(millis, 1000)
        minutes, seconds = divmod(seconds, 60)
        return f"2026-03-{self.day:02d}T00:{minutes:02d}:{seconds:02d}.{ms:03d}Z"


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def emulator(clock: StepClock) -> CommercetoolsEmulator:
    return CommercetoolsEmulator(id_seed=11, clock=clock)


@pytest.fixture
def api(emulator: CommercetoolsEmulator) -> Iterator[httpx.Client]:
    with BackgroundServer(emulator.app) as running:
        access = token_for(running).json()["access_token"]
        with httpx.Client(
            base_url=f"{running.url}/sandbox/",
            headers={"authorization": f"Bearer {access}"},
            timeout=5,
        ) as client:
            yield client


def stock(emulator: CommercetoolsEmulator, count: int, prefix: str = "SKU") -> None:
    for n in range(count):
        emulator.create("inventory", {"sku": f"{prefix}-{n}", "quantityOnStock": n})


def change_messages(api: httpx.Client, enabled: bool, days: int) -> httpx.Response:
    version = api.get("").json()["version"]
    return api.post(
        "",
        json={
            "version": version,
            "actions": [
                {
                    "action": "changeMessagesConfiguration",
                    "messagesConfiguration": {"enabled": enabled, "deleteDaysAfterCreation": days},
                }
            ],
        },
    )


def test_messages_are_queried_by_type_and_created_at_sorted_and_paged(
    api: httpx.Client, emulator: CommercetoolsEmulator
) -> None:
    stock(emulator, 5)
    emulator.create("channels", {"key": "wh"})
    everything = api.get("messages", params={"sort": ["createdAt asc", "id asc"]}).json()
    created_at = [m["createdAt"] for m in everything["results"]]
    middle = created_at[2]

    page = api.get(
        "messages",
        params={
            "where": [f'createdAt > "{middle}"', 'type in ("InventoryEntryCreated")'],
            "sort": ["createdAt asc", "id asc"],
            "limit": 2,
            "withTotal": "false",
        },
    ).json()

    assert created_at == sorted(created_at)
    assert everything["total"] == 5
    assert [m["createdAt"] for m in page["results"]] == created_at[3:5]
    assert "total" not in page
    assert page["limit"] == 2


def test_project_shows_messages_settings_and_change_messages_configuration_updates_them(
    api: httpx.Client,
) -> None:
    before = api.get("").json()

    changed = change_messages(api, True, 90)
    stale = api.post(
        "",
        json={
            "version": before["version"],
            "actions": [
                {
                    "action": "changeMessagesConfiguration",
                    "messagesConfiguration": {"enabled": True, "deleteDaysAfterCreation": 5},
                }
            ],
        },
    )

    assert before["messages"] == {"enabled": True, "deleteDaysAfterCreation": 15}
    assert changed.status_code == 200
    assert changed.json()["messages"] == {"enabled": True, "deleteDaysAfterCreation": 90}
    assert changed.json()["version"] == before["version"] + 1
    assert stale.status_code == 409


@pytest.mark.parametrize("days", [0, 91, None, "15"])
def test_delete_days_outside_1_to_90_are_rejected(api: httpx.Client, days: object) -> None:
    response = change_messages(api, True, days)  # type: ignore[arg-type]

    assert response.status_code == 400
    assert api.get("").json()["messages"]["deleteDaysAfterCreation"] == 15


def test_disabled_messages_query_returns_nothing(
    api: httpx.Client, emulator: CommercetoolsEmulator
) -> None:
    stock(emulator, 2)

    assert change_messages(api, False, 15).status_code == 200
    page = api.get("messages").json()

    assert page["results"] == []
    assert len(emulator.messages()) == 2


def test_messages_older_than_delete_days_after_creation_are_gone(
    api: httpx.Client, emulator: CommercetoolsEmulator, clock: StepClock
) -> None:
    stock(emulator, 2)
    clock.day = 20
    stock(emulator, 1, prefix="LATER")

    kept = api.get("messages").json()["results"]
    assert change_messages(api, True, 90).status_code == 200
    all_kept = api.get("messages").json()["results"]

    assert [m["createdAt"][:10] for m in kept] == ["2026-03-20"]
    assert len(all_kept) == 3
