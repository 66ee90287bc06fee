"""Settings of the Fluent Commerce connector, with the reference connector's variable names."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ctbridge.settings import ENV_FILE_CONFIG

REF_PLACEHOLDERS = ("{id}", "{orderNumber}")


class FluentSettings(BaseSettings):
    """Fluent account, catalogue and the choices ctbridge makes when mapping to Fluent.

    Field names are the environment variable names (no prefix), because the reference
    connector's `BASIC_AUTH_SECRET` has no `FLUENT_` prefix.
    """

    model_config = SettingsConfigDict(**ENV_FILE_CONFIG)

    fluent_client_id: str = Field(min_length=1)
    fluent_client_secret: SecretStr
    fluent_username: str = Field(min_length=1)
    fluent_password: SecretStr
    fluent_host: str = Field(
        min_length=1, description="e.g. https://ACCOUNT.sandbox.api.fluentretail.com"
    )
    fluent_catalogue_ref: str = Field(min_length=1, description="e.g. PC:MASTER:1")
    fluent_retailer_id: str = Field(pattern=r"^\d+$")
    fluent_catalog_locale: str = "en-US"
    basic_auth_secret: SecretStr | None = None
    fluent_webhook_name: str | None = None

    fluent_hd_order_ref_format: str = "HD_{id}"
    fluent_cc_order_ref_format: str = "CC_{id}"
    fluent_pickup_location_field: str = "pickupLocationRef"
    # Shipping method keys that mean click & collect, optionally `key=LOCATION_REF`.
    fluent_cc_shipping_methods: Annotated[dict[str, str | None], NoDecode] = Field(
        default_factory=dict
    )
    fluent_delivery_type: str = "STANDARD"
    fluent_cc_fulfilment_type: str = "CC_PFS"
    fluent_gtin_attribute: str = "gtin"
    fluent_gtin_fallback: str = Field(default="NOTFORSALE", max_length=20)
    fluent_default_payment_method: str = "UNKNOWN"

    fluent_max_concurrency: int = Field(default=16, ge=1, le=256)
    fluent_rate_per_minute: float = Field(default=0, ge=0, description="0: no rate limit")
    fluent_timeout_seconds: float = Field(default=15.0, gt=0)
    fluent_page_size: int = Field(default=100, ge=1, le=500)

    @field_validator("fluent_host")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("fluent_hd_order_ref_format", "fluent_cc_order_ref_format")
    @classmethod
    def _names_the_order(cls, value: str) -> str:
        if not any(placeholder in value for placeholder in REF_PLACEHOLDERS):
            raise ValueError("must contain {id} or {orderNumber}")
        return value

    @field_validator("fluent_cc_shipping_methods", mode="before")
    @classmethod
    def _method_list(cls, value: object) -> object:
        if isinstance(value, str):
            methods: dict[str, str | None] = {}
            for part in (p.strip() for p in value.split(",")):
                if part:
                    key, _, location = part.partition("=")
                    methods[key.strip()] = location.strip() or None
            return methods
        return value
