"""Properties of Ordergroove price selection, liveness and product mapping over generated products."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.ct_strategies import (
    CHANNEL_IDS,
    COUNTRIES,
    CURRENCIES,
    LOCALES,
    NOW,
    availability,
    exact_amount,
    price,
    product_projection,
    units_of,
)

from ctbridge.connectors.ordergroove.availability import StockRule, is_live
from ctbridge.connectors.ordergroove.pricing import PriceScope, price_amount, select_price
from ctbridge.connectors.ordergroove.product_mapping import (
    MappingRules,
    SkippedVariant,
    catalogue_fingerprint,
    map_product,
    variants_of,
)

PROPERTY = settings(max_examples=200, deadline=None)
# Whole products cost more to generate; fewer of them keep the file within seconds.
PRODUCT_PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

scopes = st.builds(
    PriceScope,
    currency=st.sampled_from(CURRENCIES),
    country=st.sampled_from(("", *COUNTRIES)),
    channel_id=st.sampled_from(("", *CHANNEL_IDS)),
    use_discounted=st.booleans(),
)
stock_rules = st.builds(
    StockRule, supply_channel_id=st.sampled_from(("", *CHANNEL_IDS)), strict=st.booleans()
)
rules = st.builds(
    MappingRules,
    locale=st.sampled_from(LOCALES),
    prices=scopes,
    stock=stock_rules,
    store_url=st.sampled_from(("", "https://shop.example/p/[SLUG]")),
    groups_attribute=st.sampled_from(("", "groups")),
    extra_data_attributes=st.sampled_from(((), ("color", "rrp"), ("size", "flags"))),
)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _eligible_rank(embedded: Mapping[str, Any], scope: PriceScope) -> tuple[int, int] | None:
    """The precedence commercetools applies, stated independently: None when not selectable."""
    if embedded["value"]["currencyCode"] != scope.currency or "customerGroup" in embedded:
        return None
    if "validFrom" in embedded and _instant(embedded["validFrom"]) > NOW:
        return None
    if "validUntil" in embedded and _instant(embedded["validUntil"]) <= NOW:
        return None
    country = embedded.get("country")
    channel = embedded.get("channel", {}).get("id")
    if (country and country != scope.country) or (channel and channel != scope.channel_id):
        return None
    specificity = {(True, True): 0, (False, True): 1, (True, False): 2, (False, False): 3}
    dated = 0 if ("validFrom" in embedded or "validUntil" in embedded) else 1
    return specificity[(bool(country), bool(channel))], dated


def _is_exact(amount: Decimal, money: Mapping[str, Any]) -> bool:
    digits = int(money["fractionDigits"])
    return amount == exact_amount(dict(money)) and amount.scaleb(digits) == units_of(dict(money))


@PROPERTY
@given(st.lists(price(), max_size=10), scopes)
def test_the_selected_price_is_the_most_specific_eligible_one_or_none(prices, scope):
    chosen = select_price(prices, scope, NOW)
    ranks = [rank for rank in (_eligible_rank(p, scope) for p in prices) if rank is not None]
    if not ranks:
        assert chosen is None
        return
    assert chosen is not None
    assert _eligible_rank(chosen, scope) == min(ranks)


@PROPERTY
@given(st.lists(price(), max_size=10), scopes)
def test_the_selected_price_is_never_a_customer_group_foreign_currency_or_unconfigured_scope(
    prices, scope
):
    chosen = select_price(prices, scope, NOW)
    if chosen is None:
        return
    assert "customerGroup" not in chosen
    assert chosen["value"]["currencyCode"] == scope.currency
    assert not chosen.get("country") or (scope.country and chosen["country"] == scope.country)
    channel = (chosen.get("channel") or {}).get("id")
    assert not channel or (scope.channel_id and channel == scope.channel_id)


@PROPERTY
@given(price(), scopes)
def test_the_amount_sent_is_exactly_the_units_over_ten_to_the_fraction_digits(embedded, scope):
    amount = price_amount(embedded, scope)
    discounted = (embedded.get("discounted") or {}).get("value")
    source = discounted if (scope.use_discounted and discounted) else embedded["value"]
    assert _is_exact(amount, source)


@PRODUCT_PROPERTY
@given(product_projection(), rules)
def test_every_variant_is_either_mapped_or_skipped_with_a_reason(projection, mapping_rules):
    mapping = map_product(projection, mapping_rules, NOW)
    variants = list(variants_of(projection))
    assert len(mapping.products) + len(mapping.skipped) == len(variants)
    assert all(isinstance(s, SkippedVariant) and s.reason.strip() for s in mapping.skipped)
    assert mapping.skus == [v["sku"] for v in variants if v.get("sku")]
    skipped_ids = {s.item_id for s in mapping.skipped}
    mapped_skus = {p["sku"] for p in mapping.products}
    for v in variants:
        if not v.get("sku"):
            assert f"{projection['id']}/{v['id']}" in skipped_ids
        else:
            assert (v["sku"] in skipped_ids) != (v["sku"] in mapped_skus)


@PRODUCT_PROPERTY
@given(product_projection(), rules)
def test_a_mapped_variant_has_a_name_an_exact_selected_price_and_serialisable_fields(
    projection, mapping_rules
):
    mapping = map_product(projection, mapping_rules, NOW)
    by_sku = {v.get("sku"): v for v in variants_of(projection)}
    for product in mapping.products:
        source = by_sku[product["sku"]]
        assert product["product_id"] == product["sku"]
        assert product["name"] == projection["name"][mapping_rules.locale]
        chosen = select_price(source["prices"], mapping_rules.prices, NOW)
        assert chosen is not None
        discounted = (chosen.get("discounted") or {}).get("value")
        money = (
            discounted if (mapping_rules.prices.use_discounted and discounted) else chosen["value"]
        )
        assert _is_exact(product["price"], money)
        assert isinstance(product["live"], bool)
        if "extra_data" in product:
            assert isinstance(json.loads(product["extra_data"]), dict)
        assert len(catalogue_fingerprint(product)) == 35


@PRODUCT_PROPERTY
@given(product_projection(), rules)
def test_a_variant_without_a_selectable_price_is_skipped_naming_the_price_scope(
    projection, mapping_rules
):
    mapping = map_product(projection, mapping_rules, NOW)
    reasons = {s.item_id: s.reason for s in mapping.skipped}
    name = (projection.get("name") or {}).get(mapping_rules.locale)
    for v in variants_of(projection):
        if v.get("sku") and name and select_price(v["prices"], mapping_rules.prices, NOW) is None:
            assert mapping_rules.prices.describe() in reasons[v["sku"]]


@PRODUCT_PROPERTY
@given(product_projection(), rules, st.booleans())
def test_the_fingerprint_ignores_live_so_stock_changes_never_resend_the_catalogue(
    projection, mapping_rules, live
):
    for product in map_product(projection, mapping_rules, NOW).products:
        assert catalogue_fingerprint(product) == catalogue_fingerprint({**product, "live": live})


@PROPERTY
@given(st.none() | availability(), stock_rules)
def test_liveness_follows_the_configured_channel_then_any_stock(shown, rule):
    live = is_live(shown, rule)
    assert isinstance(live, bool)
    if not shown:
        assert live
        return
    channels = shown.get("channels") or {}
    if rule.supply_channel_id in channels:
        assert live == channels[rule.supply_channel_id]["isOnStock"]
    elif rule.supply_channel_id and rule.strict:
        assert not live
    else:
        anywhere = shown.get("isOnStock", False) or any(
            entry["isOnStock"] for entry in channels.values()
        )
        assert live == anywhere
