"""Query fast paths: keyset pages read by bisection in id order give the general path's pages."""

from __future__ import annotations

import functools
import random
from typing import Any

import httpx
import pytest
from tests.sandbox.commercetools.drafts import product_draft

from ctbridge.sandbox.commercetools import CommercetoolsEmulator, querying
from ctbridge.sandbox.commercetools.id_order import IdOrder
from ctbridge.sandbox.commercetools.listing import Listing
from ctbridge.sandbox.commercetools.predicates import matches_all
from ctbridge.sandbox.commercetools.querying import Query, parse_query, run_query


def reference_page(query: Query, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What a query answers, computed the slow obvious way: filter all, sort by comparator."""
    selected = [row for row in rows if matches_all(query.predicates, row)]
    if query.sort:
        compare = functools.partial(querying._compare, sort=query.sort)
        selected.sort(key=functools.cmp_to_key(lambda a, b: compare(a, b)))
    page: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
    page["count"] = len(selected[query.offset : query.offset + query.limit])
    if query.with_total:
        page["total"] = len(selected)
    page["results"] = selected[query.offset : query.offset + query.limit]
    return page


def no_general_sort(rows: list[dict[str, Any]], sort: Any) -> list[dict[str, Any]]:
    raise AssertionError("a keyset query over a listing must not sort the whole table")


@pytest.fixture
def stock() -> CommercetoolsEmulator:
    """300 inventory entries with varied fields; some removed and some added after a first read."""
    emulator = CommercetoolsEmulator(id_seed=11)
    channel = emulator.create("channels", {"key": "dc", "roles": ["InventorySupply"]})["id"]
    created = []
    for n in range(300):
        draft: dict[str, Any] = {"sku": f"SKU-{n:04}", "quantityOnStock": n % 17}
        if n % 5 == 0:
            draft["supplyChannel"] = {"typeId": "channel", "id": channel}
        if n % 7 == 0:
            draft["restockableInDays"] = n % 3
        created.append(emulator.create("inventory", draft)["id"])
    emulator.store.all("inventory-entry")  # settles the id order, so later writes patch it
    for entry_id in created[::13]:
        emulator.delete("inventory", entry_id)
    for n in range(300, 320):
        emulator.create("inventory", {"sku": f"SKU-{n:04}", "quantityOnStock": n % 17})
    for entry_id in created[1::11]:
        if created.index(entry_id) % 13 == 0:
            continue  # removed above
        emulator.update("inventory", entry_id, [{"action": "changeQuantity", "quantity": 99}])
    return emulator


def test_store_listing_holds_the_same_resources_in_id_order(stock: CommercetoolsEmulator) -> None:
    listing = stock.store.all("inventory-entry")
    assert isinstance(listing, Listing)
    assert listing.by_id == sorted(listing, key=lambda entry: entry["id"])
    assert len(listing) == 300 - len(range(0, 300, 13)) + 20


def cursor_ids(stock: CommercetoolsEmulator) -> list[str]:
    ids = sorted(entry["id"] for entry in stock.store.all("inventory-entry"))
    return [ids[0], ids[40], ids[150], ids[-1]]


KEYSET_SHAPES = [
    (["id asc"], ['id > "{c}"'], {}),
    (["id asc"], ['id >= "{c}"'], {"limit": ["7"]}),
    (["id desc"], ['id < "{c}"'], {"limit": ["9"]}),
    (["id desc"], ['id <= "{c}"', "quantityOnStock > 3"], {}),
    (["id asc"], ['id = "{c}"'], {}),
    (["id asc"], ['quantityOnStock > 5 and id > "{c}"'], {"limit": ["11"], "offset": ["3"]}),
    (["id asc"], ['(id > "{c}" and quantityOnStock < 9) and sku is defined'], {}),
    (["id asc"], ['id > "{c}"', "supplyChannel is defined"], {"withTotal": ["true"]}),
    (["id asc"], ['id > "{c}"'], {"limit": ["0"], "withTotal": ["true"]}),
    (["id asc"], ['id > "{c}"'], {"limit": ["0"]}),
    (["id desc"], [], {"limit": ["13"], "offset": ["20"]}),
    (["id asc"], [], {"offset": ["290"]}),
]
NOT_KEYSET_SHAPED = [
    (["id asc"], ['id > "{c}" or quantityOnStock = 0'], {}),
    (["id desc"], ['not(id > "{c}")'], {"limit": ["17"]}),
    (["id asc"], ['id != "{c}"'], {"limit": ["5"]}),
    (["id asc"], ["id > 5"], {}),
    (["id asc"], ['id > "2020-01-01"'], {}),
    (["id asc"], ['supplyChannel(id is defined) and id > "{c}"'], {}),
    (["id asc", "sku desc"], ['id > "{c}"'], {}),
    (["quantityOnStock desc", "id asc"], ['id > "{c}"'], {"limit": ["30"]}),
    (["sku asc"], ["restockableInDays is defined"], {}),
    ([], ['id > "{c}"'], {"limit": ["10"]}),
    ([], ["quantityOnStock >= 16"], {"withTotal": ["false"]}),
]
# Narrowed to the ids a top-level `id in` / `id =` names, in the table's own order.
NAMED_IDS = [
    ([], ['id in ("{c}", "no-such-id")'], {}),
    ([], ['id in ("{c}") and quantityOnStock > 3'], {"withTotal": ["true"]}),
    ([], ['id = "{c}"', 'id in ("{c}")'], {}),
    (["sku desc"], ['id in ("{c}", "x") or sku in ("SKU-0003", "SKU-0005")'], {}),
    ([], ['id not in ("{c}")'], {"limit": ["50"]}),
    ([], ['id in ("2020-01-01", "{c}")'], {}),
    (["quantityOnStock asc"], ['sku in ("SKU-0001", "SKU-0002", "SKU-0290")'], {}),
]


@pytest.mark.parametrize(("sort", "where", "extra"), KEYSET_SHAPES + NOT_KEYSET_SHAPED + NAMED_IDS)
@pytest.mark.parametrize("with_total", ["true", "false"])
def test_fast_path_and_general_path_give_identical_pages(
    stock: CommercetoolsEmulator,
    sort: list[str],
    where: list[str],
    extra: dict[str, list[str]],
    with_total: str,
) -> None:
    listing = stock.store.all("inventory-entry")
    for cursor in cursor_ids(stock):
        params = {
            "sort": sort,
            "where": [text.format(c=cursor) for text in where],
            "limit": ["20"],
            "withTotal": [with_total],
            **extra,
        }
        query = parse_query(params)
        expected = reference_page(query, list(listing))
        assert run_query(query, listing) == expected, params
        assert run_query(query, list(listing)) == expected, params


def test_keyset_query_over_a_listing_never_sorts_the_table(
    stock: CommercetoolsEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(querying, "_sorted", no_general_sort)
    cursor = cursor_ids(stock)[1]
    params = {"sort": ["id asc"], "where": [f'id > "{cursor}"'], "withTotal": ["false"]}
    page = stock.repository.query("inventory", params)
    assert page["count"] == 20 and all(entry["id"] > cursor for entry in page["results"])


def test_keyset_scan_over_5000_entries_returns_every_id_once_in_order(
    emulator: CommercetoolsEmulator, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(querying, "_sorted", no_general_sort)
    for n in range(5000):
        emulator.create("inventory", {"sku": f"S-{n:05}", "quantityOnStock": n % 4})
    seen: list[str] = []
    last: str | None = None
    for _ in range(20):  # 5000 / 500 pages, plus the empty last one, with room to spare
        where = ["quantityOnStock >= 0"] + ([f'id > "{last}"'] if last else [])
        params = {"sort": "id asc", "limit": 500, "withTotal": "false", "where": where}
        page = api.get("inventory", params=params).json()
        assert "total" not in page
        seen.extend(entry["id"] for entry in page["results"])
        if page["count"] < 500:
            break
        last = page["results"][-1]["id"]
    assert len(seen) == 5000
    assert seen == sorted(seen) and len(set(seen)) == 5000
    assert set(seen) == {entry["id"] for entry in emulator.all("inventory")}


def test_keyset_scan_sees_entries_created_and_misses_entries_deleted_behind_the_cursor(
    emulator: CommercetoolsEmulator, api: httpx.Client
) -> None:
    for n in range(60):
        emulator.create("inventory", {"sku": f"S-{n:03}", "quantityOnStock": 1})
    first = api.get("inventory", params={"sort": "id asc", "limit": 30}).json()["results"]
    cursor = first[-1]["id"]
    ahead = sorted(e["id"] for e in emulator.all("inventory") if e["id"] > cursor)
    gone = emulator.delete("inventory", ahead[0])["id"]
    added = [
        emulator.create("inventory", {"sku": f"T-{n}", "quantityOnStock": 2}) for n in range(5)
    ]
    rest = api.get(
        "inventory", params={"sort": "id asc", "limit": 500, "where": f'id > "{cursor}"'}
    ).json()
    ids = [entry["id"] for entry in rest["results"]]
    expected = sorted([*ahead[1:], *(a["id"] for a in added if a["id"] > cursor)])
    assert ids == expected and gone not in ids
    assert rest["total"] == len(expected)


def test_product_projection_keyset_pages_show_inventory_changed_between_pages(
    emulator: CommercetoolsEmulator, api: httpx.Client
) -> None:
    product_type = emulator.create("product-types", {"name": "basic", "description": ""})["id"]
    for n in range(12):
        draft = product_draft(f"p{n}", product_type, skus=(f"P-{n}",), publish=n % 4 != 0)
        emulator.create("products", draft)
        emulator.create("inventory", {"sku": f"P-{n}", "quantityOnStock": n})
    params = {"sort": "id asc", "limit": 4, "withTotal": "false"}
    first = api.get("product-projections", params=params).json()["results"]
    later = api.get(
        "product-projections", params={**params, "limit": 500, "where": f'id > "{first[-1]["id"]}"'}
    ).json()["results"]
    target = later[0]["masterVariant"]
    entry = emulator.get("inventory", target["availability"]["id"])
    emulator.update("inventory", entry["id"], [{"action": "changeQuantity", "quantity": 500}])
    again = api.get(
        "product-projections", params={**params, "limit": 500, "where": f'id > "{first[-1]["id"]}"'}
    ).json()["results"]
    assert [p["id"] for p in again] == [p["id"] for p in later]
    assert again[0]["masterVariant"]["availability"]["availableQuantity"] == 500
    everything = api.get("product-projections", params={"limit": 500}).json()
    assert sorted(p["id"] for p in [*first, *later]) == sorted(
        p["id"] for p in everything["results"]
    )
    assert everything["total"] == 9  # drafts (every 4th) stay out of the current view


def test_projection_list_is_a_private_copy_for_each_caller(
    emulator: CommercetoolsEmulator,
) -> None:
    product_type = emulator.create("product-types", {"name": "basic", "description": ""})["id"]
    emulator.create("products", product_draft("only", product_type, skus=("O-1",)))
    emulator.all("product-projections").clear()
    mine = querying_projections(emulator)
    mine.by_id.clear()
    mine.clear()
    assert [p["key"] for p in emulator.all("product-projections")] == ["only"]
    assert len(querying_projections(emulator).by_id) == 1


def querying_projections(emulator: CommercetoolsEmulator) -> Listing:
    from ctbridge.sandbox.commercetools.projection import projections

    return projections(emulator.store, staged=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_id_order_stays_sorted_through_adds_replacements_and_removals(seed: int) -> None:
    chance = random.Random(seed)
    order = IdOrder()
    table: dict[str, dict[str, Any]] = {}
    for step in range(600):
        resource_id = f"{chance.randrange(120):03}"
        action = chance.choice(["put", "put", "remove"])
        if action == "put":
            resource = {"id": resource_id, "step": step}
            if resource_id in table:
                order.replace(resource)
            else:
                order.add(resource)
            table[resource_id] = resource
        elif table.pop(resource_id, None) is not None:
            order.remove(resource_id)
        if chance.random() < 0.1:
            assert order.rows(table) == [table[key] for key in sorted(table)]
    assert order.rows(table) == [table[key] for key in sorted(table)]


SORT_ROWS = [
    {"id": "a", "n": 2, "s": "x", "mixed": 1},
    {"id": "b", "n": 2.0, "s": "X", "mixed": "1"},
    {"id": "c", "n": 10, "mixed": 3},
    {"id": "d", "n": None, "s": "b", "mixed": "abc"},
    {"id": "e", "n": 1.5, "s": "x", "mixed": {"nested": 1}},
    {"id": "f", "s": "", "mixed": 2.5},
    {"id": "g", "n": -3, "s": "a b"},
]


@pytest.mark.parametrize(
    "sort",
    [
        ["n asc"],
        ["n desc"],
        ["s asc", "n desc"],
        ["s desc", "id desc"],
        ["mixed asc"],
        ["mixed desc", "s asc"],
        ["absent asc"],
    ],
)
def test_key_sort_orders_rows_like_the_comparator(sort: list[str]) -> None:
    query = parse_query({"sort": sort, "limit": ["500"]})
    assert run_query(query, SORT_ROWS) == reference_page(query, SORT_ROWS)


def test_query_naming_ids_gives_them_in_the_tables_order(stock: CommercetoolsEmulator) -> None:
    listing = stock.store.all("inventory-entry")
    wanted = [entry["id"] for entry in listing[::-29]]
    quoted = ", ".join(f'"{entry_id}"' for entry_id in wanted)
    page = run_query(parse_query({"where": [f"id in ({quoted})"], "limit": ["500"]}), listing)
    assert [entry["id"] for entry in page["results"]] == wanted[::-1]
