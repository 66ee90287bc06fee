"""Settings: the seed's variable names, required ones named in one line each, safe defaults."""

import pytest

from ctbridge.connectors.ordergroove.config import OrdergrooveSettings
from ctbridge.errors import ConfigurationError
from ctbridge.settings import load

REQUIRED = {"CTP_CURRENCY_CODE": "EUR", "OG_API_KEY": "secret-key"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name in [
        "CTP_LANGUAGE_CODE",
        "CTP_CURRENCY_CODE",
        "CTP_COUNTRY_CODE",
        "CTP_DISTRIBUTION_CHANNEL_ID",
        "CTP_INVENTORY_SUPPLY_CHANNEL_ID",
        "PRODUCT_STORE_URL",
        "OG_API_URL",
        "OG_API_KEY",
        "OG_RECONCILE_SCHEDULE",
    ]:
        monkeypatch.delenv(name, raising=False)


def test_missing_required_variables_are_named_one_per_line():
    with pytest.raises(ConfigurationError) as caught:
        load(OrdergrooveSettings)
    assert sorted(caught.value.problems) == [
        "CTP_CURRENCY_CODE: is required but not set",
        "OG_API_KEY: is required but not set",
    ]


def test_seed_variable_names_are_read_from_the_environment(monkeypatch):
    for name, value in {
        **REQUIRED,
        "CTP_LANGUAGE_CODE": "de-DE",
        "CTP_COUNTRY_CODE": "DE",
        "CTP_DISTRIBUTION_CHANNEL_ID": "web",
        "CTP_INVENTORY_SUPPLY_CHANNEL_ID": "wh",
        "PRODUCT_STORE_URL": "https://shop/p/[SLUG]",
        "OG_API_URL": "https://staging.restapi.ordergroove.com/",
        "OG_EXTRA_DATA_ATTRIBUTES": "roast, origin",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load(OrdergrooveSettings)
    assert settings.ctp_language_code == "de-DE"
    assert settings.ctp_inventory_supply_channel_id == "wh"
    assert settings.og_api_url == "https://staging.restapi.ordergroove.com"
    assert settings.og_extra_data_attributes == ["roast", "origin"]
    assert "secret-key" not in repr(settings)


def test_defaults_follow_ordergroove_limits_and_keep_reconciliation_off(monkeypatch):
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    settings = load(OrdergrooveSettings)
    assert settings.og_rate_limit_per_minute == 600
    assert settings.og_batch_size == 100
    assert settings.og_timeout_seconds == 3.0
    assert settings.og_use_discounted_price is False
    assert settings.og_strict_supply_channel is False
    assert settings.og_reconcile_schedule is None


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("CTP_CURRENCY_CODE", "euro", "CTP_CURRENCY_CODE"),
        ("CTP_COUNTRY_CODE", "Germany", "CTP_COUNTRY_CODE"),
        ("CTP_LANGUAGE_CODE", "English!", "CTP_LANGUAGE_CODE"),
        ("PRODUCT_STORE_URL", "https://shop/p/", "PRODUCT_STORE_URL"),
        ("OG_API_URL", "restapi.ordergroove.com", "OG_API_URL"),
        ("OG_BATCH_SIZE", "101", "OG_BATCH_SIZE"),
    ],
)
def test_invalid_values_fail_at_start_naming_the_variable(monkeypatch, name, value, problem):
    for required, default in REQUIRED.items():
        monkeypatch.setenv(required, default)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load(OrdergrooveSettings)
    assert [line.split(":")[0] for line in caught.value.problems] == [problem]
