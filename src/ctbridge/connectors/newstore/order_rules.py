"""The settings-derived rules an order mapping follows, independent of where they came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ctbridge.connectors.newstore.config import NewStoreSettings, PaymentMethodRule


@dataclass(frozen=True)
class OrderRules:
    """Shop and channel identity plus the mapping tables (see `config.MappingTables`)."""

    shop: str
    channel_type: str = "web"
    channel_name: str = "commercetools"
    shop_locale: str = "en-US"
    external_id_source: str = "order_number"
    service_levels: Mapping[str, str] = field(default_factory=dict)
    default_service_level: str | None = None
    payment_methods: Mapping[str, PaymentMethodRule] = field(default_factory=dict)
    custom_line_items: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: NewStoreSettings) -> OrderRules:
        return cls(
            shop=settings.shop,
            channel_type=settings.channel_type,
            channel_name=settings.channel_name,
            shop_locale=settings.shop_locale,
            external_id_source=settings.external_id_source,
            service_levels=dict(settings.service_levels),
            default_service_level=settings.default_service_level,
            payment_methods=dict(settings.payment_methods),
            custom_line_items=dict(settings.custom_line_items),
        )
