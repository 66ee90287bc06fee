"""ctbridge's own settings of the Fluent connector (environment variables, the reference connector's names)."""

from __future__ import annotations

import re
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ctbridge.connectors.fluent.client.auth import FluentCredentials
from ctbridge.connectors.fluent.to_commercetools.status_mapping import MappingInvalid, parse_mapping
from ctbridge.connectors.fluent.to_commercetools.webhook_verifier import (
    PublicKeyInvalid,
    parse_public_keys,
)
from ctbridge.settings import ENV_FILE_CONFIG

REF_PLACEHOLDERS = ("{id}", "{orderNumber}")
ORDER_WEBHOOKS = [
    "fc.connect.order.webhook.order-status-update",
    "fc.connect.order.webhook.status-update",
]
FULFILMENT_WEBHOOKS = ["fc.connect.fulfilment.webhook.fulfilment-status-update"]
CONSIGNMENT_WEBHOOKS = ["fc.connect.consignment.webhook.consignment-status-update"]
LIST_FIELDS = (
    "fluent_webhook_public_key_files",
    "fluent_order_webhook_names",
    "fluent_fulfilment_webhook_names",
    "fluent_consignment_webhook_names",
    "fluent_webhook_name",
    "fluent_location_channel_roles",
)


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
    # The catalogue's type (event `entitySubtype`); unset: Fluent's `fc.connect.commercetools.
    # general` setting (productCatalogue.entitySubType), else MASTER.
    fluent_catalogue_type: str | None = Field(default=None, max_length=50)
    fluent_retailer_id: str = Field(pattern=r"^\d+$")
    fluent_catalog_locale: str = "en-US"
    basic_auth_secret: SecretStr | None = None
    # Only webhooks with these names are accepted (empty: every name a handler takes). The
    # reference connector's single name; names no built-in handler takes go to the order one.
    fluent_webhook_name: Annotated[list[str], NoDecode] = Field(default_factory=list)

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

    # --- Fluent → commercetools ---------------------------------------------------------------
    fluent_account_id: str | None = Field(default=None, description="checked against webhooks")
    fluent_webhook_public_keys: str | None = Field(
        default=None, description="PEM block(s), or base64 DER keys separated by commas"
    )
    fluent_webhook_public_key_files: Annotated[list[str], NoDecode] = Field(default_factory=list)
    fluent_order_webhook_names: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(ORDER_WEBHOOKS)
    )
    fluent_fulfilment_webhook_names: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(FULFILMENT_WEBHOOKS)
    )
    fluent_consignment_webhook_names: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(CONSIGNMENT_WEBHOOKS)
    )
    fluent_order_status_mapping: str | None = None
    fluent_payment_status_mapping: str | None = None
    fluent_shipment_status_mapping: str | None = None
    fluent_settings_cache_seconds: float = Field(default=300.0, ge=0)

    fluent_inventory_channel_key: str | None = None
    fluent_virtual_catalogue_ref: str | None = Field(default=None, description="e.g. ATS:1")
    fluent_inventory_sync_schedule: str | None = "*/10 * * * *"
    fluent_network_ref: str | None = None
    fluent_location_channel_roles: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["InventorySupply"]
    )
    fluent_location_sync_schedule: str | None = None
    fluent_workflow_errors_schedule: str | None = "*/15 * * * *"
    fluent_sync_overlap_seconds: float = Field(default=60.0, ge=0)

    fluent_api_token: SecretStr | None = None
    fluent_api_token_header: str = "X-Api-Token"  # noqa: S105 - a header name, not a secret
    # name=url pairs, comma separated: where handlers send payloads to external systems.
    fluent_external_webhooks: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    fluent_external_webhook_secret: SecretStr | None = None

    fluent_max_concurrency: int = Field(default=16, ge=1, le=256)
    fluent_rate_per_minute: float = Field(default=0, ge=0, description="0: no rate limit")
    fluent_timeout_seconds: float = Field(default=15.0, gt=0)
    fluent_page_size: int = Field(default=100, ge=1, le=500)
    # Jobs (catalogue load, inventory/location sync, workflow errors) retry Fluent calls that
    # fail (unreachable, 5xx, 429) for this long before the run fails with its checkpoint kept.
    fluent_outage_tolerance_seconds: float = Field(default=900.0, ge=0)

    def credentials(self) -> FluentCredentials:
        """The client and user the password grant asks Fluent's token endpoint with."""
        return FluentCredentials(
            client_id=self.fluent_client_id,
            client_secret=self.fluent_client_secret.get_secret_value(),
            username=self.fluent_username,
            password=self.fluent_password.get_secret_value(),
        )

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

    @field_validator(*LIST_FIELDS, mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("fluent_external_webhooks", mode="before")
    @classmethod
    def _named_urls(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = (part.partition("=") for part in value.split(",") if part.strip())
            return {name.strip(): url.strip() for name, _, url in pairs}
        return value

    @field_validator("fluent_external_webhooks")
    @classmethod
    def _urls(cls, value: dict[str, str]) -> dict[str, str]:
        for name, url in value.items():
            if not name or not re.match(r"^https?://", url):
                raise ValueError("must be name=http(s)://url pairs")
        return value

    @field_validator("fluent_webhook_public_keys")
    @classmethod
    def _keys(cls, value: str | None) -> str | None:
        if value:
            try:
                parse_public_keys(value)
            except PublicKeyInvalid as error:
                raise ValueError(str(error)) from None
        return value

    @model_validator(mode="after")
    def _mappings_and_key_files(self) -> FluentSettings:
        for kind in ("order", "payment", "shipment"):
            raw = getattr(self, f"fluent_{kind}_status_mapping")
            if raw:
                try:
                    parse_mapping(kind, raw)
                except MappingInvalid as error:
                    raise ValueError(f"FLUENT_{kind.upper()}_STATUS_MAPPING: {error}") from None
        for path in self.fluent_webhook_public_key_files:
            try:
                with open(path, encoding="utf-8") as key_file:
                    parse_public_keys(key_file.read())
            except OSError as error:
                raise ValueError(
                    f"FLUENT_WEBHOOK_PUBLIC_KEY_FILES: cannot read {path} ({error.strerror})"
                ) from None
            except PublicKeyInvalid as error:
                raise ValueError(f"FLUENT_WEBHOOK_PUBLIC_KEY_FILES: {path}: {error}") from None
        return self

    def webhook_keys(self) -> list[RSAPublicKey]:
        """Every configured public key: the variable's, then each file's."""
        keys = parse_public_keys(self.fluent_webhook_public_keys or "")
        for path in self.fluent_webhook_public_key_files:
            with open(path, encoding="utf-8") as key_file:
                keys.extend(parse_public_keys(key_file.read()))
        return keys

    def mapping_overrides(self, kind: str) -> dict[str, str | None]:
        raw = getattr(self, f"fluent_{kind}_status_mapping")
        return parse_mapping(kind, raw) if raw else {}
