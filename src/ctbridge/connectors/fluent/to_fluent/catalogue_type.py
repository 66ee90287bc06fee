"""Which type (`entitySubtype`) the product catalogue's events carry: configured, else Fluent's."""

from __future__ import annotations

from typing import Any

import structlog

from ctbridge.connectors.fluent.client import FluentClient
from ctbridge.connectors.fluent.client.remote_settings import read_setting

log = structlog.get_logger("ctbridge.fluent")

# "commercetools connector - Fluent Settings" (docs.fluentcommerce.com/essential-knowledge/
# commercetools-connector-fluent-settings), General Mapping: `fc.connect.commercetools.general`
# = {"productCatalogue": {"entityRef": "PC:MASTER:67", "entitySubType": "MASTER"}}. Fluent's
# pages spell the connector name both `commercetools` and `commerce-tools`; both are read.
GENERAL_SETTINGS = ["fc.connect.commercetools.general", "fc.connect.commerce-tools.general"]
# The reference connector's and the settings page's example; the Product Catalog workflow
# contract's examples use `DEFAULT` (catalogue `DEFAULT:1`), hence FLUENT_CATALOGUE_TYPE.
FALLBACK_TYPE = "MASTER"


def type_from_setting(value: Any, catalogue_ref: str) -> str | None:
    """`productCatalogue.entitySubType` of the general setting, when it is about this catalogue
    (a setting naming another catalogue's ref says nothing about ours)."""
    if not isinstance(value, dict):
        return None
    catalogue = value.get("productCatalogue")
    if not isinstance(catalogue, dict):
        return None
    subtype = catalogue.get("entitySubType")
    ref = catalogue.get("entityRef")
    if not isinstance(subtype, str) or not subtype.strip():
        return None
    if ref not in (None, "", catalogue_ref):
        return None
    return subtype.strip()


async def resolve_catalogue_type(
    client: FluentClient, *, configured: str | None, catalogue_ref: str, retailer_id: str
) -> str:
    """FLUENT_CATALOGUE_TYPE when set; else Fluent's general setting; else `MASTER`."""
    if configured:
        return configured
    found = await read_setting(client, GENERAL_SETTINGS, retailer_id)
    subtype = type_from_setting(found[1], catalogue_ref) if found else None
    if subtype is None:
        log.info(
            "Fluent catalogue type not configured nor in Fluent's settings; using the default",
            catalogue=catalogue_ref,
            type=FALLBACK_TYPE,
        )
        return FALLBACK_TYPE
    return subtype
