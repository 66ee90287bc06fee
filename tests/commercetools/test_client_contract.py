"""Contract of CommercetoolsClient against the independent npm commercetools mock."""

from __future__ import annotations

import json

import pytest

from ctbridge.commercetools.client import CommercetoolsClient
from ctbridge.commercetools.errors import ConcurrentModification, InvalidInput, NotFound
from ctbridge.errors import Permanent, Retryable
from ctbridge.settings import CommercetoolsSettings


async def make_inventory(ct, quantity: int = 10, sku: str = "SKU-1") -> dict:
    return await ct.create("inventory", {"sku": sku, "quantityOnStock": quantity})


async def make_product(ct, key: str, *, publish: bool) -> dict:
    product_type = await ct.find_by_key("product-types", "basic")
    if product_type is None:
        product_type = await ct.create(
            "product-types", {"key": "basic", "name": "basic", "description": "basic"}
        )
    return await ct.create(
        "products",
        {
            "key": key,
            "productType": {"typeId": "product-type", "id": product_type["id"]},
            "name": {"en": key},
            "slug": {"en": key},
            "masterVariant": {"sku": f"{key}-sku"},
            "publish": publish,
        },
    )


async def test_created_resource_is_read_back_by_id_and_by_key(ct):
    created = await ct.create("channels", {"key": "wh-1", "roles": ["InventorySupply"]})

    assert created["version"] == 1
    assert await ct.get_by_id("channels", created["id"]) == created
    assert await ct.get_by_key("channels", "wh-1") == created
    assert await ct.get(f"channels/{created['id']}") == created


async def test_missing_resource_raises_not_found_which_is_permanent(ct):
    with pytest.raises(NotFound) as raised:
        await ct.get_by_id("channels", "00000000-0000-0000-0000-000000000000")

    assert raised.value.status == 404
    assert isinstance(raised.value, Permanent)
    assert await ct.find_by_key("channels", "no-such-key") is None
    with pytest.raises(NotFound):
        await ct.get_by_key("channels", "no-such-key")


async def test_query_ands_every_predicate_given(ct):
    for key, roles in [("a", ["InventorySupply"]), ("b", ["Primary"]), ("c", ["InventorySupply"])]:
        await ct.create("channels", {"key": key, "roles": roles})

    single = await ct.query("channels", where='key in ("a", "b")')
    both = await ct.query("channels", where=['key in ("a", "b")', 'roles contains any ("Primary")'])

    assert sorted(c["key"] for c in single["results"]) == ["a", "b"]
    assert [c["key"] for c in both["results"]] == ["b"]


async def test_query_limit_and_offset_select_a_page(ct):
    for key in "abcde":
        await ct.create("channels", {"key": key, "roles": []})

    page = await ct.query("channels", sort="key asc", limit=2, offset=1)

    assert page["count"] == 2
    assert page["offset"] == 1
    assert len(page["results"]) == 2


async def test_malformed_predicate_is_invalid_input_with_the_api_code(ct):
    with pytest.raises(InvalidInput) as raised:
        await ct.query("channels", where="key = = broken")

    assert raised.value.status == 400
    assert raised.value.codes == ["InvalidInput"]


async def test_pages_yield_every_resource_exactly_once_in_id_order(ct, ctmock):
    ctmock.seed("channel", [{"key": f"ch-{n}", "roles": []} for n in range(1234)])

    pages = [page async for page in ct.pages("channels", page_size=100)]
    ids = [c["id"] for page in pages for c in page]

    assert [len(page) for page in pages] == [100] * 12 + [34]
    assert len(ids) == 1234
    assert ids == sorted(ids)
    assert len(set(ids)) == 1234


async def test_pages_and_the_callers_predicate_with_the_cursor(ct, ctmock):
    ctmock.seed(
        "channel",
        [
            {"key": f"ch-{n}", "roles": ["Primary" if n % 3 == 0 else "InventorySupply"]}
            for n in range(300)
        ],
    )

    keys = [
        c["key"]
        async for page in ct.pages("channels", where='roles contains any ("Primary")', page_size=40)
        for c in page
    ]

    assert sorted(keys) == sorted(f"ch-{n}" for n in range(0, 300, 3))


async def test_pages_resume_after_a_checkpointed_id(ct, ctmock):
    ctmock.seed("channel", [{"key": f"ch-{n}", "roles": []} for n in range(50)])
    all_ids = [c["id"] async for page in ct.pages("channels") for c in page]

    resumed = [c["id"] async for page in ct.pages("channels", after_id=all_ids[19]) for c in page]

    assert resumed == all_ids[20:]


async def test_pages_of_an_exact_multiple_yield_no_empty_page(ct, ctmock):
    ctmock.seed("channel", [{"key": f"ch-{n}", "roles": []} for n in range(200)])

    sizes = [len(page) async for page in ct.pages("channels", page_size=100)]

    assert sizes == [100, 100]


async def test_pages_work_on_product_projections_with_staged(ct):
    for n in range(5):
        await make_product(ct, f"p{n}", publish=n % 2 == 0)

    current = [
        p["key"] async for page in ct.pages("product-projections", page_size=2) for p in page
    ]
    staged = [
        p["key"]
        async for page in ct.pages("product-projections", params={"staged": True}, page_size=2)
        for p in page
    ]

    assert sorted(current) == ["p0", "p2", "p4"]
    assert sorted(staged) == ["p0", "p1", "p2", "p3", "p4"]


async def test_page_size_above_the_api_limit_is_refused(ct):
    with pytest.raises(ValueError):
        async for _ in ct.pages("channels", page_size=501):
            pass


async def test_update_posts_the_computed_actions_with_the_fetched_version(ct):
    entry = await make_inventory(ct, 10)

    updated = await ct.update(
        "inventory",
        entry["id"],
        lambda current: [{"action": "changeQuantity", "quantity": current["quantityOnStock"] + 5}],
    )

    assert updated["quantityOnStock"] == 15
    assert updated["version"] > entry["version"]


async def test_update_accepts_an_async_compute_function(ct):
    entry = await make_inventory(ct, 10)

    async def compute(current: dict) -> list[dict]:
        return [{"action": "setRestockableInDays", "restockableInDays": 3}]

    updated = await ct.update("inventory", entry["id"], compute)

    assert updated["restockableInDays"] == 3


async def test_update_without_actions_sends_no_update(ctmock, recording):
    ctmock.reset()
    async with ctmock.client(transport=recording) as ct:
        entry = await make_inventory(ct, 10)

        result = await ct.update("inventory", entry["id"], lambda current: [])

    assert result == entry
    assert recording.count("POST", f"/inventory/{entry['id']}") == 0


async def test_update_recomputes_from_fresh_state_after_a_conflict(ct, ctmock):
    entry = await make_inventory(ct, 10)
    seen: list[int] = []
    async with ctmock.client() as other:

        async def add_five(current: dict) -> list[dict]:
            seen.append(current["quantityOnStock"])
            if len(seen) == 1:  # someone else changes the entry after our fetch
                await other.update_version(
                    "inventory",
                    entry["id"],
                    current["version"],
                    [{"action": "changeQuantity", "quantity": 7}],
                )
            return [{"action": "changeQuantity", "quantity": current["quantityOnStock"] + 5}]

        updated = await ct.update("inventory", entry["id"], add_five)

    assert seen == [10, 7]
    assert updated["quantityOnStock"] == 12


async def test_update_gives_up_after_max_conflicts(ct, ctmock):
    entry = await make_inventory(ct, 10)
    calls = 0
    async with ctmock.client() as other:

        async def always_raced(current: dict) -> list[dict]:
            nonlocal calls
            calls += 1
            await other.update_version(
                "inventory",
                entry["id"],
                current["version"],
                [{"action": "changeQuantity", "quantity": current["quantityOnStock"] + 1}],
            )
            return [{"action": "setRestockableInDays", "restockableInDays": calls}]

        with pytest.raises(ConcurrentModification) as raised:
            await ct.update("inventory", entry["id"], always_raced, max_conflicts=2)

    assert calls == 3
    assert isinstance(raised.value, Retryable)
    assert raised.value.current_version is not None


async def test_stale_version_is_a_conflict_carrying_the_current_version(ct):
    entry = await make_inventory(ct, 10)
    changed = await ct.update_version(
        "inventory", entry["id"], entry["version"], [{"action": "changeQuantity", "quantity": 3}]
    )

    with pytest.raises(ConcurrentModification) as raised:
        await ct.update_version(
            "inventory",
            entry["id"],
            entry["version"],
            [{"action": "changeQuantity", "quantity": 4}],
        )

    assert raised.value.status == 409
    assert raised.value.current_version == changed["version"]


async def test_more_than_500_actions_go_in_sequential_chunks_with_the_latest_version(
    ctmock, recording
):
    ctmock.reset()
    async with ctmock.client(transport=recording) as ct:
        entry = await make_inventory(ct, 10)
        actions = [
            {"action": "setRestockableInDays", "restockableInDays": n} for n in range(1, 1101)
        ]

        updated = await ct.update("inventory", entry["id"], lambda current: actions)

    posts = [r for r in recording.requests if r.method == "POST" and entry["id"] in r.url.path]
    bodies = [json.loads(r.content) for r in posts]
    assert [len(b["actions"]) for b in bodies] == [500, 500, 100]
    assert bodies[0]["version"] == entry["version"]
    assert bodies[1]["version"] > bodies[0]["version"]
    assert bodies[2]["version"] > bodies[1]["version"]
    assert updated["restockableInDays"] == 1100


async def test_unknown_update_action_is_invalid_input(ct):
    entry = await make_inventory(ct, 10)

    with pytest.raises(InvalidInput) as raised:
        await ct.update("inventory", entry["id"], lambda current: [{"action": "noSuchAction"}])

    assert raised.value.status == 400
    assert "InvalidInput" in raised.value.codes


async def test_invalid_draft_is_invalid_input(ct):
    with pytest.raises(InvalidInput) as raised:
        await ct.create("inventory", {"quantityOnStock": "many"})

    assert raised.value.status == 400


async def test_delete_with_the_current_version_removes_the_resource(ct):
    channel = await ct.create("channels", {"key": "gone", "roles": []})

    deleted = await ct.delete("channels", channel["id"], channel["version"])

    assert deleted["id"] == channel["id"]
    with pytest.raises(NotFound):
        await ct.get_by_id("channels", channel["id"])


async def test_order_state_actions_apply_to_a_seeded_order(ct, ctmock):
    (order,) = ctmock.seed(
        "order",
        [
            {
                "orderNumber": "1001",
                "orderState": "Open",
                "lineItems": [],
                "customLineItems": [],
                "totalPrice": {
                    "currencyCode": "EUR",
                    "centAmount": 1000,
                    "type": "centPrecision",
                    "fractionDigits": 2,
                },
                "origin": "Customer",
                "syncInfo": [],
                "refusedGifts": [],
            }
        ],
    )

    updated = await ct.update(
        "orders",
        order["id"],
        lambda current: [
            {"action": "changeOrderState", "orderState": "Confirmed"},
            {"action": "changeShipmentState", "shipmentState": "Shipped"},
        ],
    )
    found = await ct.query("orders", where='orderNumber = "1001"')

    assert updated["orderState"] == "Confirmed"
    assert updated["shipmentState"] == "Shipped"
    assert [o["id"] for o in found["results"]] == [order["id"]]


async def test_client_from_settings_uses_the_ctp_values(ctmock):
    settings = CommercetoolsSettings(
        project_key=ctmock.project_key,
        client_id=ctmock.client_id,
        client_secret=ctmock.client_secret,
        api_url=ctmock.url,
        auth_url=ctmock.url,
    )

    async with CommercetoolsClient.from_settings(settings) as ct:
        page = await ct.query("channels", limit=1)

    assert ct.auth.scopes == [f"manage_project:{ctmock.project_key}"]
    assert page["limit"] == 1
