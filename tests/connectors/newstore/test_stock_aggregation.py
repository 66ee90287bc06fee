"""NewStore stock rows → ATP per identifier (and channel)."""

from ctbridge.connectors.newstore.stock_aggregation import StockAggregate, export_totals


def row(product, node, atp, *, sku=None, present=None):
    return {
        "product_id": product,
        "sku": product if sku is None else sku,
        "fulfillment_node_id": node,
        "atp": atp,
        "present_atp": atp if present is None else present,
    }


def test_atp_is_summed_per_sku_across_nodes():
    aggregate = StockAggregate()
    aggregate.extend([row("A", "n1", 3), row("A", "n2", 4), row("B", "n1", 1)])
    assert aggregate.totals() == {("A", None): 7, ("B", None): 1}


def test_a_negative_node_counts_as_zero_and_takes_nothing_from_other_nodes():
    aggregate = StockAggregate()
    aggregate.extend([row("A", "n1", -5), row("A", "n2", 4)])
    assert aggregate.totals() == {("A", None): 4}


def test_the_identifier_can_be_the_product_id_instead_of_the_sku():
    aggregate = StockAggregate(identifier="product_id")
    aggregate.extend([row("P1", "n1", 2, sku="S1")])
    assert aggregate.totals() == {("P1", None): 2}


def test_present_atp_can_be_used_instead_of_total_atp():
    aggregate = StockAggregate(atp_field="present_atp")
    aggregate.extend([row("A", "n1", 10, present=6)])
    assert aggregate.totals() == {("A", None): 6}


def test_rows_without_identifier_and_repeated_rows_are_ignored_and_counted():
    aggregate = StockAggregate()
    aggregate.extend(
        [
            row("A", "n1", 2),
            row("A", "n1", 2),
            row("X", "n1", 9, sku=""),
            {"fulfillment_node_id": "n1", "atp": 1},
        ]
    )
    assert aggregate.totals() == {("A", None): 2}
    assert (aggregate.rows, aggregate.ignored) == (4, 3)


def test_per_channel_mode_sums_per_mapped_channel_and_ignores_unmapped_nodes():
    aggregate = StockAggregate(node_channels={"n1": "web", "n2": "web", "n3": "store"})
    aggregate.extend([row("A", "n1", 1), row("A", "n2", 2), row("A", "n3", 5), row("A", "n9", 7)])
    assert aggregate.totals() == {("A", "web"): 3, ("A", "store"): 5}
    assert aggregate.ignored == 1


def test_export_rows_carry_combined_atp_under_the_external_identifier():
    rows = [
        {"product_id": "P1", "external_identifiers": {"sku": "S1"}, "atp": 4},
        {"product_id": "P2", "external_identifiers": {"sku": "S2"}, "atp": -1},
        {"product_id": "P3", "external_identifiers": {}, "atp": 3},
    ]
    assert export_totals(rows, "sku") == {("S1", None): 4, ("S2", None): 0}
    assert export_totals(rows, "product_id")[("P3", None)] == 3
