"""Fluent status → ct order/payment/shipment state: the seed's defaults, overrides, no guessing."""

import pytest

from ctbridge.connectors.fluent.to_commercetools.status_mapping import (
    MappingInvalid,
    StatusMappings,
    parse_mapping,
    status_actions,
)


@pytest.mark.parametrize(
    ("status", "order", "payment", "shipment"),
    [
        ("RECEIVED", "Open", "Pending", "Pending"),
        ("PENDING_PAYMENT", "Open", "Pending", None),
        ("ESCALATED", "Open", None, None),
        ("BOOKED", "Confirmed", "Paid", "Pending"),
        ("PICK_PACK", "Confirmed", None, "Pending"),
        ("PICK_PACK_CC", "Confirmed", None, None),
        ("AWAITING_COURIER_COLLECTION", "Confirmed", None, "Shipped"),
        ("AWAITING_CUSTOMER_COLLECTION", "Confirmed", None, None),
        ("COMPLETE", "Complete", None, "Shipped"),
        ("CANCELLED", "Cancelled", None, None),
    ],
)
def test_default_mappings_are_fluents_many_to_one_tables(status, order, payment, shipment):
    mappings = StatusMappings()
    assert mappings.order.get(status) == order
    assert mappings.payment.get(status) == payment
    assert mappings.shipment.get(status) == shipment


def test_only_states_that_differ_become_actions():
    order = {"orderState": "Confirmed", "paymentState": "Pending", "shipmentState": "Pending"}
    change = status_actions(order, "BOOKED", StatusMappings())
    assert change.actions == [{"action": "changePaymentState", "paymentState": "Paid"}]
    assert change.mapped == ("order", "payment", "shipment")


def test_a_status_no_table_knows_changes_nothing_and_says_so():
    change = status_actions({"orderState": "Open"}, "SHIPPED", StatusMappings())
    assert (
        change.actions == []
        and change.mapped == ()
        and change.unmapped
        == (
            "order",
            "payment",
            "shipment",
        )
    )


def test_a_status_mapped_in_one_table_is_applied_there_only():
    change = status_actions({"orderState": "Open"}, "CANCELLED", StatusMappings())
    assert change.actions == [{"action": "changeOrderState", "orderState": "Cancelled"}]
    assert change.unmapped == ("payment", "shipment")


def test_status_matching_ignores_case():
    change = status_actions({}, "complete", StatusMappings())
    assert {"action": "changeOrderState", "orderState": "Complete"} in change.actions


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (
            "payment",
            '{"fluent": {"RECEIVED": "pending", "BOOKED": "paid"}}',
            {"RECEIVED": "Pending", "BOOKED": "Paid"},
        ),
        ("order", {"fluent": {"SHIPPED": "Complete"}}, {"SHIPPED": "Complete"}),
        (
            "order",
            "SHIPPED=Complete, booked=confirmed",
            {"SHIPPED": "Complete", "BOOKED": "Confirmed"},
        ),
        (
            "shipment",
            '{"COMPLETE": "Delivered", "BOOKED": null}',
            {"COMPLETE": "Delivered", "BOOKED": None},
        ),
    ],
)
def test_mappings_are_read_from_fluent_setting_json_or_plain_pairs(kind, raw, expected):
    assert parse_mapping(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("order", '{"BOOKED": "Shipped"}'),
        ("payment", "BOOKED=Settled"),
        ("order", "[1, 2]"),
        ("order", "{oops"),
    ],
)
def test_a_mapping_to_a_state_commercetools_lacks_is_refused(kind, raw):
    with pytest.raises(MappingInvalid):
        parse_mapping(kind, raw)


def test_an_override_replaces_adds_and_unmaps_statuses():
    mappings = StatusMappings().overridden(
        "shipment", {"COMPLETE": "Delivered", "SHIPPED": "Shipped", "BOOKED": None}
    )
    assert mappings.shipment["COMPLETE"] == "Delivered"
    assert mappings.shipment["SHIPPED"] == "Shipped"
    assert "BOOKED" not in mappings.shipment
    assert mappings.order == StatusMappings().order
