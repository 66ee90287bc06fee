"""availableQuantity = ATP: quantityOnStock is set to ATP plus what commercetools reserved."""

import pytest

from ctbridge.connectors.newstore.inventory_plan import quantity_actions, reserved


@pytest.mark.parametrize(
    ("on_stock", "available", "atp", "actions"),
    [
        (10, 10, 10, []),
        (10, 10, 7, [{"action": "changeQuantity", "quantity": 7}]),
        (10, 8, 8, []),
        (10, 8, 5, [{"action": "changeQuantity", "quantity": 7}]),
        (10, 8, 0, [{"action": "changeQuantity", "quantity": 2}]),
        (3, -2, 4, [{"action": "changeQuantity", "quantity": 9}]),
    ],
)
def test_quantity_on_stock_is_atp_plus_reserved_and_nothing_is_sent_when_available_matches(
    on_stock, available, atp, actions
):
    entry = {"quantityOnStock": on_stock, "availableQuantity": available}
    assert quantity_actions(entry, atp) == actions


def test_reserved_is_never_negative_and_defaults_to_zero():
    assert reserved({"quantityOnStock": 5}) == 0
    assert reserved({"quantityOnStock": 5, "availableQuantity": 9}) == 0
