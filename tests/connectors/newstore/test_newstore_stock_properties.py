"""Properties of NewStore stock aggregation and of the commercetools inventory write plan."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ctbridge.connectors.newstore.inventory_plan import is_current, quantity_actions, reserved
from ctbridge.connectors.newstore.stock_aggregation import StockAggregate, export_totals

PROPERTY = settings(max_examples=200, deadline=None)
SKUS = ("SKU-1", "SKU-2", "SKU-3", "")
NODES = ("dc-berlin", "dc-paris", "store-12", "store-99")


@st.composite
def stocked_product_row(draw: st.DrawFn) -> dict[str, Any]:
    """A row of NewStore's stocked-products feed: one product at one fulfillment node."""
    sku = draw(st.sampled_from(SKUS))
    row: dict[str, Any] = {
        "product_id": f"prod-{sku or 'x'}",
        "fulfillment_node_id": draw(st.sampled_from(NODES)),
        "atp": draw(st.integers(-50, 10**6)),
        "present_atp": draw(st.integers(-50, 10**6)),
    }
    if sku or draw(st.booleans()):
        row["sku"] = sku
    return row


rows = st.lists(stocked_product_row(), max_size=30)
node_channels = st.dictionaries(
    st.sampled_from(NODES), st.sampled_from(("web", "retail")), min_size=1
)


def _first_per_node(feed: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """The rows that count: one per sku and node (the first), skus present, ATP clamped at 0."""
    kept: dict[tuple[str, str], int] = {}
    for row in feed:
        if row.get("sku"):
            kept.setdefault((row["sku"], row["fulfillment_node_id"]), max(0, row["atp"]))
    return kept


@PROPERTY
@given(rows)
def test_totals_are_the_exact_sum_of_clamped_atp_over_distinct_nodes(feed):
    aggregate = StockAggregate()
    aggregate.extend(feed)
    expected: dict[tuple[str, None], int] = {}
    for (sku, _node), atp in _first_per_node(feed).items():
        expected[(sku, None)] = expected.get((sku, None), 0) + atp
    assert aggregate.totals() == expected
    assert all(total >= 0 for total in aggregate.totals().values())
    assert aggregate.rows == len(feed)
    assert aggregate.ignored == len(feed) - len(_first_per_node(feed))


@PROPERTY
@given(rows, node_channels)
def test_the_per_channel_split_adds_up_to_the_total_of_the_mapped_nodes(feed, channels):
    split = StockAggregate(node_channels=channels)
    split.extend(feed)
    whole = StockAggregate()
    whole.extend(row for row in feed if row["fulfillment_node_id"] in channels)
    per_sku: dict[str, int] = {}
    for (sku, channel), atp in split.totals().items():
        assert channel in set(channels.values())
        per_sku[sku] = per_sku.get(sku, 0) + atp
    assert per_sku == {sku: atp for (sku, _), atp in whole.totals().items()}


@PROPERTY
@given(
    st.lists(
        stocked_product_row(),
        max_size=16,
        unique_by=lambda row: (row.get("sku"), row["fulfillment_node_id"]),
    )
)
def test_a_negative_node_never_takes_stock_from_the_other_nodes(feed):
    aggregate = StockAggregate()
    aggregate.extend(feed)
    without_oversold = StockAggregate()
    without_oversold.extend(row for row in feed if row["atp"] > 0)
    assert aggregate.totals() == {
        key: without_oversold.totals().get(key, 0) for key in aggregate.totals()
    }


@PROPERTY
@given(
    st.lists(
        st.builds(
            lambda value, atp: {
                "product_id": f"prod-{value}",
                "external_identifiers": {"sku": value},
                "atp": atp,
            },
            st.sampled_from(SKUS),
            st.integers(-50, 10**6),
        ),
        max_size=20,
    )
)
def test_export_totals_are_clamped_at_zero_and_keep_the_last_row_per_sku(export):
    totals = export_totals(export, "sku")
    expected = {(row["external_identifiers"]["sku"], None): max(0, row["atp"]) for row in export}
    assert totals == {key: atp for key, atp in expected.items() if key[0]}


@st.composite
def inventory_entry(draw: st.DrawFn) -> dict[str, Any]:
    """An InventoryEntry as commercetools keeps it: availableQuantity = quantityOnStock − reserved."""
    on_stock = draw(st.integers(-100, 10**6))
    held = draw(st.integers(0, 10**4))
    return {
        "id": "inv-1",
        "version": draw(st.integers(1, 100)),
        "sku": "SKU-1",
        "quantityOnStock": on_stock,
        "availableQuantity": on_stock - held,
        "createdAt": "2024-05-01T00:00:00.000Z",
    }


def _apply(entry: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """What the platform does with changeQuantity: reservations stay, availability follows."""
    held = entry["quantityOnStock"] - entry["availableQuantity"]
    for action in actions:
        assert action["action"] == "changeQuantity"
        entry = {**entry, "quantityOnStock": action["quantity"]}
        entry["availableQuantity"] = action["quantity"] - held
    return entry


@PROPERTY
@given(inventory_entry(), st.integers(0, 10**6))
def test_after_the_write_available_quantity_equals_atp(entry, atp):
    written = _apply(entry, quantity_actions(entry, atp))
    assert written["availableQuantity"] == atp
    assert written["quantityOnStock"] == atp + reserved(entry)


@PROPERTY
@given(inventory_entry(), st.integers(0, 10**6))
def test_an_entry_already_at_atp_gets_no_write_and_any_other_exactly_one(entry, atp):
    actions = quantity_actions(entry, atp)
    assert (actions == []) == (entry["availableQuantity"] == atp) == is_current(entry, atp)
    assert len(actions) <= 1
    assert quantity_actions(_apply(entry, actions), atp) == []


@PROPERTY
@given(inventory_entry())
def test_reserved_is_what_the_platform_holds_back(entry):
    assert reserved(entry) == entry["quantityOnStock"] - entry["availableQuantity"] >= 0
