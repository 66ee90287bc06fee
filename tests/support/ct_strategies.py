"""Hypothesis strategies building commercetools documents in the shapes the API returns them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CURRENCIES = ("EUR", "USD", "GBP", "JPY", "KWD", "CHF")
COUNTRIES = ("DE", "US", "GB", "JP")
CHANNEL_IDS = ("ch-web", "ch-store", "ch-outlet")
CUSTOMER_GROUP_IDS = ("cg-b2b", "cg-vip")
LOCALES = ("en-US", "de-DE", "en", "fr-FR")
ATTRIBUTE_NAMES = ("groups", "color", "rrp", "size", "gtin", "flags")

identifiers = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
words = st.text("abc XYZ/-?&%äé漢😀", max_size=16)


def timestamp(moment: datetime) -> str:
    """An instant as commercetools writes it: UTC, milliseconds, `Z`."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def units_of(money: dict[str, Any]) -> int:
    """The integer the amount is scaled from: preciseAmount for high precision, else centAmount."""
    if money.get("type") == "highPrecision":
        return int(money["preciseAmount"])
    return int(money["centAmount"])


def exact_amount(money: dict[str, Any]) -> Decimal:
    """The oracle: units / 10**fractionDigits, by integer division of exact decimals."""
    return Decimal(units_of(money)) / Decimal(10 ** int(money["fractionDigits"]))


def cent_money(
    currency: str, *, digits: st.SearchStrategy[int] | None = None, max_units: int = 10**13
) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda cents, fraction: {
            "type": "centPrecision",
            "currencyCode": currency,
            "centAmount": cents,
            "fractionDigits": fraction,
        },
        st.integers(0, max_units),
        digits if digits is not None else st.integers(0, 3),
    )


def _high_precision(currency: str, base: int, extra: int, precise: int) -> dict[str, Any]:
    # centAmount is the precise amount rounded half even to the currency's own digits.
    cents = int((Decimal(precise).scaleb(-extra)).quantize(Decimal(1), rounding="ROUND_HALF_EVEN"))
    return {
        "type": "highPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "preciseAmount": precise,
        "fractionDigits": base + extra,
    }


def high_precision_money(currency: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        _high_precision,
        st.just(currency),
        st.integers(0, 3),
        st.integers(1, 8),
        st.integers(0, 10**16),
    )


def typed_money(currency: str) -> st.SearchStrategy[dict[str, Any]]:
    """A Price value: cent precision mostly, high precision sometimes."""
    return st.one_of(cent_money(currency), cent_money(currency), high_precision_money(currency))


def reference(type_id: str, ids: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(ids).map(lambda ref_id: {"typeId": type_id, "id": ref_id})


@st.composite
def validity(draw: st.DrawFn) -> dict[str, str]:
    """validFrom and/or validUntil around NOW (or neither); validFrom is before validUntil."""
    start = draw(st.none() | st.integers(-400, 400))
    end = draw(st.none() | st.integers(-400, 400))
    if start is not None and end is not None and end <= start:
        end = start + 1 + abs(end - start)
    dates: dict[str, str] = {}
    if start is not None:
        dates["validFrom"] = timestamp(NOW + timedelta(days=start / 4))
    if end is not None:
        dates["validUntil"] = timestamp(NOW + timedelta(days=end / 4))
    return dates


@st.composite
def price(draw: st.DrawFn, currencies: tuple[str, ...] = CURRENCIES) -> dict[str, Any]:
    currency = draw(st.sampled_from(currencies))
    embedded: dict[str, Any] = {
        "id": draw(identifiers),
        "value": draw(typed_money(currency)),
    }
    if draw(st.booleans()):
        embedded["key"] = draw(identifiers)
    if draw(st.booleans()):
        embedded["country"] = draw(st.sampled_from(COUNTRIES))
    if draw(st.booleans()):
        embedded["channel"] = draw(reference("channel", CHANNEL_IDS))
    if draw(st.integers(0, 3)) == 0:
        embedded["customerGroup"] = draw(reference("customer-group", CUSTOMER_GROUP_IDS))
    if draw(st.booleans()):
        embedded.update(draw(validity()))
    if draw(st.integers(0, 2)) == 0:
        embedded["tiers"] = draw(
            st.lists(
                st.builds(
                    lambda quantity, value: {"minimumQuantity": quantity, "value": value},
                    st.integers(2, 1000),
                    cent_money(currency),
                ),
                max_size=3,
                unique_by=lambda tier: tier["minimumQuantity"],
            )
        )
    if draw(st.integers(0, 2)) == 0:
        embedded["discounted"] = {
            "value": draw(cent_money(currency)),
            "discount": {"typeId": "product-discount", "id": draw(identifiers)},
        }
    return embedded


def localized_string(locales: tuple[str, ...] = LOCALES) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(locales), words, max_size=len(locales))


def attribute_value() -> st.SearchStrategy[Any]:
    scalar = st.one_of(
        words,
        localized_string(),
        st.integers(-(10**9), 10**9),
        st.decimals(-(10**6), 10**6, places=3, allow_nan=False).map(float),
        st.booleans(),
        st.builds(lambda key, label: {"key": key, "label": label}, identifiers, words),
        st.builds(lambda key, label: {"key": key, "label": label}, identifiers, localized_string()),
        st.sampled_from(CURRENCIES).flatmap(cent_money),
        st.just("2024-05-01"),
        st.just("2024-05-01T10:00:00.000Z"),
        reference("product", ("prod-a", "prod-b")),
    )
    return st.one_of(scalar, st.lists(scalar, max_size=3))


attributes = st.lists(
    st.builds(
        lambda name, value: {"name": name, "value": value},
        st.sampled_from(ATTRIBUTE_NAMES),
        attribute_value(),
    ),
    max_size=4,
    unique_by=lambda attribute: attribute["name"],
)


def _stock(quantity: int, entry_id: str) -> dict[str, Any]:
    # The platform derives isOnStock from availableQuantity, as the emulator does.
    return {"isOnStock": quantity > 0, "availableQuantity": quantity, "id": entry_id, "version": 1}


@st.composite
def availability(draw: st.DrawFn) -> dict[str, Any]:
    """ProductVariantAvailability: a channel-less entry and/or entries per supply channel."""
    shown: dict[str, Any] = {}
    if draw(st.booleans()):
        shown.update(_stock(draw(st.integers(-5, 50)), draw(identifiers)))
    channels = draw(
        st.dictionaries(
            st.sampled_from(CHANNEL_IDS),
            st.builds(_stock, st.integers(-5, 50), identifiers),
            max_size=len(CHANNEL_IDS),
        )
    )
    if channels:
        shown["channels"] = channels
    return shown


@st.composite
def variant(draw: st.DrawFn, variant_id: int) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": variant_id,
        "prices": draw(st.lists(price(), max_size=5)),
        "images": draw(
            st.lists(
                st.builds(
                    lambda url: {"url": url, "dimensions": {"w": 800, "h": 600}},
                    identifiers.map(lambda name: f"https://img.example/{name}.jpg"),
                ),
                max_size=2,
            )
        ),
        "attributes": draw(attributes),
        "assets": [],
    }
    if draw(st.integers(0, 4)) > 0:
        # Skus are unique in a project, so the variant id is part of each.
        shown["sku"] = draw(identifiers.map(lambda sku: f"SKU-{sku}-{variant_id}"))
    if draw(st.booleans()):
        shown["key"] = draw(identifiers)
    if draw(st.booleans()):
        shown["availability"] = draw(availability())
    return shown


@st.composite
def product_projection(draw: st.DrawFn) -> dict[str, Any]:
    """A ProductProjection as GET /product-projections returns it (current data)."""
    count = draw(st.integers(0, 3))
    variants = [draw(variant(number)) for number in range(1, count + 2)]
    projection: dict[str, Any] = {
        "id": draw(identifiers.map(lambda value: f"prod-{value}")),
        "version": draw(st.integers(1, 50)),
        "productType": {"typeId": "product-type", "id": "pt-1"},
        "name": draw(localized_string()),
        "slug": draw(localized_string()),
        "categories": draw(
            st.lists(reference("category", ("cat-a", "cat-b", "cat-c")), max_size=3)
        ),
        "masterVariant": variants[0],
        "variants": variants[1:],
        "searchKeywords": {},
        "hasStagedChanges": draw(st.booleans()),
        "published": True,
        "createdAt": "2024-01-01T00:00:00.000Z",
        "lastModifiedAt": "2024-05-01T00:00:00.000Z",
    }
    choice = draw(st.integers(0, 9))
    if choice == 0 and variants[0].get("sku"):
        projection["key"] = variants[0]["sku"]
    elif choice > 1:
        projection["key"] = draw(identifiers)
    if draw(st.booleans()):
        projection["description"] = draw(localized_string())
    return projection
