"""Settings of the NewStore connector: the reference's NEW_STORE_* variables plus our additions."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Literal

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ctbridge.settings import ENV_FILE_CONFIG

_EPOCH = datetime(2024, 1, 1)
CLIENT_CREDENTIALS_URL = (
    "https://id.p.newstore.net/auth/realms/{tenant}/protocol/openid-connect/token"
)


class PaymentMethodRule(BaseModel):
    """How payments of one commercetools payment interface appear in NewStore."""

    processor: str = Field(min_length=1, max_length=32)
    method: str | None = Field(default=None, min_length=1, max_length=64)
    wallet: str | None = Field(default=None, min_length=1, max_length=64)


class MappingTables(BaseModel):
    """The tables the reference told users to edit in its source, as data.

    `service_levels`: shipping method key → NewStore service level; `payment_methods`: payment
    interface (or `*` for any other) → processor/method; `custom_line_items`: custom line item
    key or slug (or `*` for any other) → NewStore product id, else a priced one refuses the
    order; `node_channels`: fulfillment node id → commercetools
    supply channel key (per-channel stock).
    """

    service_levels: dict[str, str] = Field(default_factory=dict)
    payment_methods: dict[str, PaymentMethodRule] = Field(default_factory=dict)
    custom_line_items: dict[str, str] = Field(default_factory=dict)
    node_channels: dict[str, str] = Field(default_factory=dict)


class NewStoreSettings(BaseSettings):
    """Everything the NewStore connector reads from `NEW_STORE_*` variables (or `.env`).

    Client credentials (NEW_STORE_CLIENT_ID / NEW_STORE_CLIENT_SECRET with NEW_STORE_TENANT or
    NEW_STORE_TOKEN_URL) are preferred; the reference's deprecated password grant
    (NEW_STORE_USERNAME / NEW_STORE_PASSWORD at `{base}/v0/token`) still works.
    """

    model_config = SettingsConfigDict(**ENV_FILE_CONFIG, env_prefix="NEW_STORE_")

    base_url: str
    shop: str = Field(min_length=1, max_length=128)
    username: str | None = None
    password: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    tenant: str | None = None
    token_url: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    max_retries: int = Field(default=3, ge=0, le=10)
    retry_backoff_seconds: float = Field(default=0.5, gt=0, le=60)
    # A job keeps retrying NewStore for this long before the run fails (0: max_retries only).
    outage_tolerance_seconds: float = Field(default=900.0, ge=0)

    # Orders
    channel_type: Literal["web", "mobile", "store"] = "web"
    channel_name: str = Field(default="commercetools", min_length=1, max_length=64)
    shop_locale: str = Field(default="en-US", min_length=1, max_length=128)
    external_id_source: Literal["order_number", "id"] = "order_number"
    default_service_level: str | None = Field(default=None, min_length=1, max_length=64)
    error_field: str | None = None
    order_id_field: str | None = None
    custom_type_key: str | None = None

    # Stock
    stock_identifier: Literal["sku", "product_id"] = "sku"
    atp_field: Literal["atp", "present_atp"] = "atp"
    # `stocked_products` is the read path the reference connector uses
    # (composable-com/ct-connect-newstore common-new-store/src/service/stock.ts:
    # GET /_/v0/hq/stocked_products). The Availabilities Export API (docs.newstore.net
    # api/integration/order-management/availability_export_api) names its resources but no
    # document we have gives its paths, so the export is an explicit opt-in.
    stock_source: Literal["stocked_products", "export"] = "stocked_products"
    stock_schedule: str = "*/5 * * * *"
    stock_page_size: int = Field(default=500, ge=1, le=500)
    stock_concurrency: int = Field(default=16, ge=1, le=128)
    # Stocked-products pages read at once after the first (which gives the feed's total).
    stock_read_concurrency: int = Field(default=8, ge=1, le=64)
    zero_missing: bool = True
    create_missing: Literal["if_product_exists", "always", "never"] = "if_product_exists"
    full_sync_hours: float = Field(default=24.0, gt=0)

    # Mapping tables: a JSON file, overridden entry by entry by the JSON variables.
    mappings_file: Path | None = None
    service_levels: dict[str, str] = Field(default_factory=dict)
    payment_methods: dict[str, PaymentMethodRule] = Field(default_factory=dict)
    custom_line_items: dict[str, str] = Field(default_factory=dict)
    node_channels: dict[str, str] = Field(default_factory=dict)

    @field_validator("base_url", "token_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/") if value else value

    @field_validator("stock_schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            CronSim(value, _EPOCH)
        except CronSimError as error:
            raise ValueError(f"not a cron expression: {error}") from None
        return value

    @model_validator(mode="after")
    def _auth_and_tables(self) -> NewStoreSettings:
        if self.client_id or self.client_secret:
            if not (self.client_id and self.client_secret):
                raise ValueError(
                    "NEW_STORE_CLIENT_ID and NEW_STORE_CLIENT_SECRET must be set together"
                )
            if not (self.tenant or self.token_url):
                raise ValueError("client credentials need NEW_STORE_TENANT or NEW_STORE_TOKEN_URL")
        elif not (self.username and self.password):
            raise ValueError(
                "set NEW_STORE_CLIENT_ID/NEW_STORE_CLIENT_SECRET (preferred) or the deprecated "
                "NEW_STORE_USERNAME/NEW_STORE_PASSWORD"
            )
        if self.mappings_file is not None:
            try:
                tables = MappingTables.model_validate(json.loads(self.mappings_file.read_text()))
            except (OSError, ValueError) as error:
                raise ValueError(f"NEW_STORE_MAPPINGS_FILE unreadable: {error}") from None
            self.service_levels = {**tables.service_levels, **self.service_levels}
            self.payment_methods = {**tables.payment_methods, **self.payment_methods}
            self.custom_line_items = {**tables.custom_line_items, **self.custom_line_items}
            self.node_channels = {**tables.node_channels, **self.node_channels}
        return self

    @property
    def uses_client_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def client_credentials_url(self) -> str:
        return self.token_url or CLIENT_CREDENTIALS_URL.format(tenant=self.tenant)

    @property
    def per_channel(self) -> bool:
        return bool(self.node_channels)
