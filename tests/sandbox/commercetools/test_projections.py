"""Product projections: current vs staged views, queries, and availability from inventory."""

from __future__ import annotations

import httpx
import pytest
from tests.sandbox.commercetools.drafts import product_draft

from ctbridge.sandbox.commercetools import CommercetoolsEmulator


@pytest.fixture
def catalog(emulator: CommercetoolsEmulator) -> dict[str, str]:
    product_type = emulator.create("product-types", {"name": "basic", "description": ""})["id"]
    published = emulator.create(
        "products", product_draft("pub", product_type, skus=("A-1", "A-2"), publish=True)
    )
    draft = emulator.create("products", product_draft("draft", product_type, skus=("B-1",)))
    channel = emulator.create("channels", {"key": "warehouse", "roles": ["InventorySupply"]})
    return {"published": published["id"], "draft": draft["id"], "channel": channel["id"]}


def test_current_view_shows_only_published_products(
    api: httpx.Client, catalog: dict[str, str]
) -> None:
    current = api.get("product-projections").json()
    assert [p["key"] for p in current["results"]] == ["pub"]
    staged = api.get("product-projections", params={"staged": "true", "sort": "key asc"}).json()
    assert [p["key"] for p in staged["results"]] == ["draft", "pub"]


def test_projection_by_id_and_key(api: httpx.Client, catalog: dict[str, str]) -> None:
    assert api.get(f"product-projections/{catalog['published']}").json()["key"] == "pub"
    assert api.get("product-projections/key=pub").json()["id"] == catalog["published"]
    assert api.get("product-projections/key=draft").status_code == 404
    assert api.get("product-projections/key=draft", params={"staged": "true"}).status_code == 200


def test_projection_is_flat(api: httpx.Client, catalog: dict[str, str]) -> None:
    projection = api.get(f"product-projections/{catalog['published']}").json()
    assert projection["name"] == {"en": "Product pub"}
    assert projection["masterVariant"]["sku"] == "A-1"
    assert projection["published"] is True
    assert "masterData" not in projection


def test_staged_edits_stay_out_of_the_current_view_until_published(
    api: httpx.Client, catalog: dict[str, str], emulator: CommercetoolsEmulator
) -> None:
    emulator.update(
        "products", catalog["published"], [{"action": "changeName", "name": {"en": "New"}}]
    )
    assert api.get(f"product-projections/{catalog['published']}").json()["name"] == {
        "en": "Product pub"
    }
    staged = api.get(
        f"product-projections/{catalog['published']}", params={"staged": "true"}
    ).json()
    assert staged["name"] == {"en": "New"} and staged["hasStagedChanges"] is True
    emulator.update("products", catalog["published"], [{"action": "publish"}])
    assert api.get(f"product-projections/{catalog['published']}").json()["name"] == {"en": "New"}


def test_where_sort_and_keyset_paging_over_projections(
    api: httpx.Client, emulator: CommercetoolsEmulator
) -> None:
    product_type = emulator.create("product-types", {"name": "t", "description": ""})["id"]
    for n in range(7):
        emulator.create(
            "products", product_draft(f"k{n}", product_type, skus=(f"S{n}",), publish=True)
        )
    seen: list[str] = []
    last = None
    for _ in range(10):
        params = {"sort": "id asc", "limit": 3, "withTotal": "false"}
        if last:
            params["where"] = f'id > "{last}"'
        page = api.get("product-projections", params=params).json()
        assert "total" not in page
        seen += [p["id"] for p in page["results"]]
        if page["count"] < 3:
            break
        last = page["results"][-1]["id"]
    assert len(seen) == 7 and seen == sorted(seen)
    found = api.get("product-projections", params={"where": 'masterVariant(sku = "S3")'}).json()
    assert [p["key"] for p in found["results"]] == ["k3"]
    found = api.get(
        "product-projections", params={"where": "variants is empty", "limit": 2, "offset": 6}
    ).json()
    assert found["count"] == 1 and found["total"] == 7


def test_availability_comes_from_inventory_with_channels_and_reservations(
    api: httpx.Client, catalog: dict[str, str], emulator: CommercetoolsEmulator, server
) -> None:
    emulator.create("inventory", {"sku": "A-1", "quantityOnStock": 10})
    emulator.create(
        "inventory",
        {
            "sku": "A-1",
            "quantityOnStock": 3,
            "supplyChannel": {"typeId": "channel", "id": catalog["channel"]},
        },
    )
    emulator.create("inventory", {"sku": "A-2", "quantityOnStock": 0})
    assert emulator.reserve("A-1", 4)

    projection = api.get(f"product-projections/{catalog['published']}").json()
    availability = projection["masterVariant"]["availability"]
    assert availability["isOnStock"] is True
    assert availability["availableQuantity"] == 6
    assert availability["channels"][catalog["channel"]]["availableQuantity"] == 3
    assert availability["channels"][catalog["channel"]]["isOnStock"] is True
    assert projection["variants"][0]["availability"]["isOnStock"] is False

    reserved = httpx.post(f"{server.url}/__sandbox/reserve", json={"sku": "A-1", "quantity": 6})
    assert reserved.status_code == 200
    projection = api.get(f"product-projections/{catalog['published']}").json()
    assert projection["masterVariant"]["availability"]["isOnStock"] is False


def test_variant_without_inventory_has_no_availability(
    api: httpx.Client, catalog: dict[str, str]
) -> None:
    projection = api.get(f"product-projections/{catalog['published']}").json()
    assert "availability" not in projection["masterVariant"]
