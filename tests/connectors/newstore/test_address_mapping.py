"""commercetools addresses → NewStore addresses."""

import pytest

from ctbridge.connectors.newstore.address_mapping import map_address, street_line


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("US", "12 Main Street"),
        ("GB", "12 Main Street"),
        ("DE", "Main Street 12"),
        ("NL", "Main Street 12"),
    ],
)
def test_street_and_number_follow_the_country_convention(country, expected):
    assert (
        street_line({"streetName": "Main Street", "streetNumber": "12", "country": country})
        == expected
    )


def test_missing_parts_leave_no_stray_spaces():
    assert street_line({"streetName": "  Main   Street ", "country": "US"}) == "Main Street"


def test_line_two_gathers_apartment_building_and_additional_info():
    address = map_address(
        {
            "streetName": "Main",
            "country": "US",
            "apartment": "4B",
            "building": "C",
            "additionalAddressInfo": "ring twice",
        }
    )
    assert address["address_line_2"] == "4B, C, ring twice"


def test_without_street_the_first_extra_line_moves_up():
    address = map_address({"country": "DE", "additionalStreetInfo": "Packstation 101"})
    assert address["address_line_1"] == "Packstation 101"
    assert "address_line_2" not in address


def test_an_address_without_street_or_country_is_unusable():
    assert map_address({"country": "DE"}) is None
    assert map_address({"streetName": "Main"}) is None
    assert map_address(None) is None


def test_values_are_cut_to_the_newstore_limits():
    address = map_address({"streetName": "x" * 300, "country": "de", "postalCode": "9" * 40})
    assert len(address["address_line_1"]) == 128
    assert len(address["zip_code"]) == 32
    assert address["country"] == "DE"


def test_mobile_is_used_when_there_is_no_phone():
    assert map_address({"streetName": "M", "country": "DE", "mobile": "+49 1"})["phone"] == "+49 1"
