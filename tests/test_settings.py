"""Settings come from the seeds' variable names; problems are one line per variable, no values."""

from __future__ import annotations

import pytest

from ctbridge.errors import ConfigurationError
from ctbridge.settings import CommercetoolsSettings, EngineSettings, load


def test_commercetools_settings_use_the_seed_variable_names(monkeypatch):
    monkeypatch.setenv("CTP_PROJECT_KEY", "shop")
    monkeypatch.setenv("CTP_CLIENT_ID", "id")
    monkeypatch.setenv("CTP_CLIENT_SECRET", "very-secret")
    monkeypatch.setenv("CTP_REGION", "us-central1.gcp")
    monkeypatch.setenv("CTP_SCOPE", "manage_products:shop view_orders:shop")
    settings = load(CommercetoolsSettings)
    assert settings.api_base == "https://api.us-central1.gcp.commercetools.com"
    assert settings.auth_base == "https://auth.us-central1.gcp.commercetools.com"
    assert settings.scopes == ["manage_products:shop", "view_orders:shop"]
    assert "very-secret" not in repr(settings)


def test_api_and_auth_urls_override_the_region_hosts(monkeypatch):
    monkeypatch.setenv("CTP_API_URL", "http://127.0.0.1:9000/")
    monkeypatch.setenv("CTP_AUTH_URL", "http://127.0.0.1:9001")
    settings = CommercetoolsSettings(project_key="p", client_id="c", client_secret="s")
    assert (settings.api_base, settings.auth_base) == (
        "http://127.0.0.1:9000",
        "http://127.0.0.1:9001",
    )
    assert settings.scopes == ["manage_project:p"]


def test_missing_and_invalid_values_are_reported_one_line_per_variable(monkeypatch):
    for name in ("CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CTP_CLIENT_SECRET", "hidden-value")
    with pytest.raises(ConfigurationError) as raised:
        load(CommercetoolsSettings)
    assert raised.value.problems == [
        "CTP_PROJECT_KEY: is required but not set",
        "CTP_CLIENT_ID: is required but not set",
    ]


def test_engine_settings_parse_lists_and_reject_unknown_databases(monkeypatch):
    monkeypatch.setenv("CTBRIDGE_CONNECTORS", "ordergroove, newstore")
    assert load(EngineSettings).connectors == ["ordergroove", "newstore"]
    monkeypatch.setenv("CTBRIDGE_DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigurationError) as raised:
        load(EngineSettings)
    assert raised.value.problems == [
        "CTBRIDGE_DATABASE_URL: Value error, must start with sqlite:/// or postgresql://"
    ]
