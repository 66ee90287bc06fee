"""NewStore settings: the reference's variables, auth choice, mapping tables, clear errors."""

import json
import os

import pytest

from ctbridge.connectors.newstore.config import NewStoreSettings
from ctbridge.errors import ConfigurationError
from ctbridge.settings import load

BASE = {"NEW_STORE_BASE_URL": "https://acme.p.newstore.net", "NEW_STORE_SHOP": "storefront"}


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("NEW_STORE_"):
            monkeypatch.delenv(name)

    def set_env(**values):
        for name, value in {**BASE, **values}.items():
            monkeypatch.setenv(name, value)

    return set_env


def test_the_reference_variables_alone_configure_the_deprecated_password_grant(env):
    env(NEW_STORE_USERNAME="u", NEW_STORE_PASSWORD="p")
    settings = load(NewStoreSettings)
    assert not settings.uses_client_credentials
    assert settings.stock_schedule == "*/5 * * * *"
    assert settings.stock_identifier == "sku"
    assert settings.atp_field == "atp"
    assert settings.stock_source == "stocked_products"


def test_client_credentials_with_a_tenant_derive_the_realm_token_url(env):
    env(NEW_STORE_CLIENT_ID="id", NEW_STORE_CLIENT_SECRET="secret", NEW_STORE_TENANT="acme")
    settings = load(NewStoreSettings)
    assert settings.uses_client_credentials
    assert settings.client_credentials_url == (
        "https://id.p.newstore.net/auth/realms/acme/protocol/openid-connect/token"
    )


def test_missing_auth_and_required_variables_are_named(env, monkeypatch):
    monkeypatch.setenv("NEW_STORE_BASE_URL", "https://acme.p.newstore.net")
    with pytest.raises(ConfigurationError) as caught:
        load(NewStoreSettings)
    assert any(line.startswith("NEW_STORE_SHOP:") for line in caught.value.problems)
    env()
    with pytest.raises(ConfigurationError, match="NEW_STORE_CLIENT_ID"):
        load(NewStoreSettings)


def test_client_credentials_need_a_tenant_or_token_url(env):
    env(NEW_STORE_CLIENT_ID="id", NEW_STORE_CLIENT_SECRET="secret")
    with pytest.raises(ConfigurationError, match="NEW_STORE_TENANT"):
        load(NewStoreSettings)


def test_an_invalid_cron_schedule_is_refused(env):
    env(NEW_STORE_USERNAME="u", NEW_STORE_PASSWORD="p", NEW_STORE_STOCK_SCHEDULE="every minute")
    with pytest.raises(ConfigurationError, match="NEW_STORE_STOCK_SCHEDULE"):
        load(NewStoreSettings)


def test_mapping_tables_come_from_a_file_and_variables_override_entries(env, tmp_path):
    tables = tmp_path / "mappings.json"
    tables.write_text(
        json.dumps(
            {
                "service_levels": {"standard": "GROUND", "express": "AIR"},
                "payment_methods": {"STRIPE": {"processor": "stripe", "method": "credit_card"}},
                "custom_line_items": {"gift-wrap": "WRAP-1"},
                "node_channels": {"DC1": "warehouse"},
            }
        )
    )
    env(
        NEW_STORE_USERNAME="u",
        NEW_STORE_PASSWORD="p",
        NEW_STORE_MAPPINGS_FILE=str(tables),
        NEW_STORE_SERVICE_LEVELS='{"express": "NEXT_DAY"}',
    )
    settings = load(NewStoreSettings)
    assert settings.service_levels == {"standard": "GROUND", "express": "NEXT_DAY"}
    assert settings.payment_methods["STRIPE"].processor == "stripe"
    assert settings.custom_line_items == {"gift-wrap": "WRAP-1"}
    assert settings.per_channel


def test_an_unreadable_mappings_file_is_reported(env, tmp_path):
    env(
        NEW_STORE_USERNAME="u",
        NEW_STORE_PASSWORD="p",
        NEW_STORE_MAPPINGS_FILE=str(tmp_path / "missing.json"),
    )
    with pytest.raises(ConfigurationError, match="NEW_STORE_MAPPINGS_FILE"):
        load(NewStoreSettings)
