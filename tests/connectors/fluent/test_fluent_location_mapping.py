"""Fluent locations map onto commercetools channels; only differences become update actions."""

import json

import pytest

from ctbridge.connectors.fluent.to_commercetools.location_mapping import (
    LocationNotMappable,
    channel_actions,
    channel_draft,
    geo_location,
    in_network,
)

LOCATION = {
    "ref": "LOC_MEL",
    "name": "Melbourne CBD",
    "type": "STORE",
    "status": "ACTIVE",
    "supportPhoneNumber": "+61 3 9000 0000",
    "openingSchedule": {"allHours": False, "monStart": 900, "monEnd": 1700},
    "attributes": [{"name": "pickup", "type": "BOOLEAN", "value": True}],
    "primaryAddress": {
        "street": "1 Collins St",
        "city": "Melbourne",
        "state": "VIC",
        "postcode": "3000",
        "country": "au",
        "latitude": -37.8136,
        "longitude": 144.9631,
        "timeZone": "Australia/Melbourne",
    },
    "networks": {"edges": [{"node": {"ref": "BASE_1"}}]},
}


def test_a_location_becomes_a_channel_draft_with_address_geo_point_and_store_details():
    draft = channel_draft(LOCATION, locale="en-US", roles=["InventorySupply"])
    assert draft["key"] == "LOC_MEL" and draft["name"] == {"en-US": "Melbourne CBD"}
    assert draft["address"]["country"] == "AU" and draft["address"]["postalCode"] == "3000"
    assert draft["geoLocation"] == {"type": "Point", "coordinates": [144.9631, -37.8136]}
    fields = draft["custom"]["fields"]
    assert (fields["flType"], fields["flStatus"], fields["flTimezone"]) == (
        "STORE",
        "ACTIVE",
        "Australia/Melbourne",
    )
    assert json.loads(fields["flOpeningSchedule"])["mon"] == [900, 1700]
    assert json.loads(fields["flAttributes"]) == LOCATION["attributes"]


@pytest.mark.parametrize(("latitude", "longitude"), [(None, 144.9), (0, 0), (91, 10), (10, "east")])
def test_missing_or_impossible_coordinates_give_no_geo_location(latitude, longitude):
    location = {
        **LOCATION,
        "primaryAddress": {
            **LOCATION["primaryAddress"],
            "latitude": latitude,
            "longitude": longitude,
        },
    }
    assert geo_location(location) is None


def test_a_channel_that_matches_needs_no_update():
    draft = channel_draft(LOCATION, locale="en-US", roles=["InventorySupply"])
    channel = {**draft, "custom": {"type": {"id": "t"}, "fields": draft["custom"]["fields"]}}
    assert channel_actions(channel, LOCATION, locale="en-US") == []


def test_only_changed_parts_are_updated_and_roles_are_left_alone():
    draft = channel_draft(LOCATION, locale="en-US", roles=["InventorySupply"])
    channel = {
        **draft,
        "roles": ["ProductDistribution"],
        "custom": {"type": {"id": "t"}, "fields": draft["custom"]["fields"]},
    }
    moved = {**LOCATION, "status": "INACTIVE", "name": "Melbourne Central"}
    actions = channel_actions(channel, moved, locale="en-US")
    assert actions == [
        {"action": "changeName", "name": {"en-US": "Melbourne Central"}},
        {"action": "setCustomField", "name": "flStatus", "value": "INACTIVE"},
    ]


def test_a_channel_without_custom_fields_gets_the_store_details_type():
    draft = channel_draft(LOCATION, locale="en-US", roles=[])
    actions = channel_actions({**draft, "custom": None}, LOCATION, locale="en-US")
    assert [a["action"] for a in actions] == ["setCustomType"]


def test_a_country_that_is_not_an_iso_code_or_a_ref_that_cannot_be_a_key_is_not_mappable():
    with pytest.raises(LocationNotMappable, match="ISO"):
        channel_draft(
            {**LOCATION, "primaryAddress": {"country": "Australia"}}, locale="en", roles=[]
        )
    with pytest.raises(LocationNotMappable, match="key"):
        channel_draft({**LOCATION, "ref": "LOC MEL"}, locale="en", roles=[])


def test_the_network_filter_keeps_only_members():
    assert in_network(LOCATION, "BASE_1") and in_network(LOCATION, None)
    assert not in_network(LOCATION, "OTHER")
