"""Settings of the Ordergroove connector, with the seed connector's variable names."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ctbridge.settings import ENV_FILE_CONFIG

CURRENCY = re.compile(r"^[A-Z]{3}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
SLUG_PLACEHOLDER = "[SLUG]"
MAX_BATCH = 100


class OrdergrooveSettings(BaseSettings):
    """What to send to Ordergroove and how fast: the seed's 13 variables plus pacing and options.

    The seed's names are unprefixed (CTP_LANGUAGE_CODE, OG_API_URL...); the additions carry the
    `OG_` prefix (OG_RATE_LIMIT_PER_MINUTE, OG_BATCH_SIZE...).
    """

    model_config = SettingsConfigDict(**ENV_FILE_CONFIG)

    ctp_language_code: str = "en-US"
    ctp_currency_code: str
    ctp_country_code: str = ""
    ctp_distribution_channel_id: str = ""
    ctp_inventory_supply_channel_id: str = ""
    product_store_url: str = ""
    og_api_url: str = "https://restapi.ordergroove.com"
    og_api_key: SecretStr

    og_rate_limit_per_minute: float = Field(default=600.0, gt=0)
    og_rate_window_seconds: float = Field(default=60.0, gt=0)
    og_batch_size: int = Field(default=MAX_BATCH, ge=1, le=MAX_BATCH)
    # Bulk calls at once. Ordergroove documents a per-minute quota, no concurrency limit; at a
    # 50 ms round trip, 32 let a 10k load finish about a fifth sooner than 16 (bench/og_initial_load.py).
    og_max_in_flight: int = Field(default=32, ge=1, le=64)
    og_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    og_max_retries: int = Field(default=4, ge=0, le=20)
    og_outage_tolerance_seconds: float = Field(default=900.0, ge=0)
    og_use_discounted_price: bool = False
    og_price_recurrence_policy_id: str = ""
    og_strict_supply_channel: bool = False
    og_groups_attribute: str = ""
    og_group_type: str = "custom"
    og_extra_data_attributes: Annotated[list[str], NoDecode] = Field(default_factory=list)
    og_reconcile_schedule: str | None = None

    @field_validator("ctp_currency_code")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not CURRENCY.match(value):
            raise ValueError("must be an ISO 4217 code such as EUR")
        return value

    @field_validator("ctp_country_code")
    @classmethod
    def _country(cls, value: str) -> str:
        if value and not COUNTRY.match(value):
            raise ValueError("must be an ISO 3166-1 alpha-2 code such as DE, or empty")
        return value

    @field_validator("ctp_language_code")
    @classmethod
    def _locale(cls, value: str) -> str:
        if not LOCALE.match(value):
            raise ValueError("must be a locale such as en-US")
        return value

    @field_validator("og_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL such as https://restapi.ordergroove.com")
        return value.rstrip("/")

    @field_validator("product_store_url")
    @classmethod
    def _store_url(cls, value: str) -> str:
        if value and SLUG_PLACEHOLDER not in value:
            raise ValueError(f"must contain {SLUG_PLACEHOLDER} where the product slug goes")
        return value

    @field_validator("og_reconcile_schedule", mode="before")
    @classmethod
    def _schedule(cls, value: object) -> object:
        return value or None

    @field_validator("og_extra_data_attributes", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
