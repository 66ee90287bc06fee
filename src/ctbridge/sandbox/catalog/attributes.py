"""The sandbox product type, with one attribute of every commercetools type, and variant values for it."""

from __future__ import annotations

import random
from datetime import timedelta

from ctbridge.sandbox.catalog.identifiers import PRODUCT_TYPE_KEY, category_key
from ctbridge.sandbox.catalog.money import money, retail_price
from ctbridge.sandbox.catalog.references import key_ref
from ctbridge.sandbox.catalog.spec import CatalogSpec, timestamp
from ctbridge.sandbox.catalog.vocabulary import COLORS, MATERIALS, SIZES

# attribute name -> (AttributeType, label en, label de, constraint)
ATTRIBUTES: dict[str, tuple[dict, str, str, str]] = {
    "material": ({"name": "text"}, "Material", "Material", "SameForAll"),
    "care-instructions": ({"name": "ltext"}, "Care instructions", "Pflegehinweise", "None"),
    "weight-grams": ({"name": "number"}, "Weight (g)", "Gewicht (g)", "None"),
    "organic": ({"name": "boolean"}, "Organic", "Bio", "SameForAll"),
    "size": (
        {"name": "enum", "values": [{"key": key, "label": label} for key, label in SIZES]},
        "Size",
        "Größe",
        "None",
    ),
    "color": (
        {
            "name": "lenum",
            "values": [{"key": key, "label": {"en": en, "de": de}} for key, en, de in COLORS],
        },
        "Colour",
        "Farbe",
        "None",
    ),
    "recommended-retail-price": ({"name": "money"}, "RRP", "UVP", "None"),
    "release-date": ({"name": "date"}, "Release date", "Erscheinungsdatum", "SameForAll"),
    "available-from": ({"name": "datetime"}, "Available from", "Erhältlich ab", "None"),
    "delivery-cutoff": ({"name": "time"}, "Order by", "Bestellen bis", "None"),
    "tags": ({"name": "set", "elementType": {"name": "text"}}, "Tags", "Schlagworte", "None"),
    "featured-in": (
        {"name": "reference", "referenceTypeId": "category"},
        "Featured in",
        "Vorgestellt in",
        "None",
    ),
}

_TAGS = ("bestseller", "eco", "limited", "gift-idea", "new", "travel", "winter", "summer")


def product_type_draft() -> dict:
    """The ProductTypeDraft every generated product uses."""
    return {
        "key": PRODUCT_TYPE_KEY,
        "name": "Sandbox apparel",
        "description": "Products generated for the ctbridge sandbox",
        "attributes": [
            {
                "name": name,
                "type": attribute_type,
                "label": {"en": en, "de": de},
                "isRequired": False,
                "attributeConstraint": constraint,
                "inputHint": "SingleLine",
                "isSearchable": attribute_type["name"] in ("text", "ltext", "enum", "lenum"),
            }
            for name, (attribute_type, en, de, constraint) in ATTRIBUTES.items()
        ],
    }


def product_traits(rng: random.Random, spec: CatalogSpec) -> dict:
    """Values shared by all variants of one product (SameForAll attributes and the category link)."""
    material_en, _ = rng.choice(MATERIALS)
    release = spec.now.date() - timedelta(days=rng.randint(0, 720))
    traits = {
        "material": material_en,
        "organic": rng.random() < 0.3,
        "release-date": release.isoformat(),
    }
    if spec.categories:
        traits["featured-in"] = key_ref("category", category_key(rng.randrange(spec.categories)))
    return traits


def variant_attributes(
    rng: random.Random, spec: CatalogSpec, traits: dict, variant_number: int, rrp_cents: int
) -> list[dict]:
    """AttributeDrafts (`{name, value}`) for one variant, in the value shapes drafts take."""
    size_key, size_label = SIZES[(variant_number - 1) % len(SIZES)]
    color_key, color_en, color_de = rng.choice(COLORS)
    currency = spec.currencies[0]
    available = spec.now + timedelta(days=rng.randint(-60, 30), hours=rng.randint(0, 23))
    values: dict = {
        "material": traits["material"],
        "care-instructions": {"en": "Wash at 30 °C", "de": "Bei 30 °C waschen"},
        "weight-grams": rng.randint(80, 2500),
        "organic": traits["organic"],
        "size": {"key": size_key, "label": size_label},
        "color": {"key": color_key, "label": {"en": color_en, "de": color_de}},
        "recommended-retail-price": money(currency, retail_price(rrp_cents, currency)),
        "release-date": traits["release-date"],
        "available-from": timestamp(available.replace(minute=0, second=0, microsecond=0)),
        "delivery-cutoff": f"{rng.choice((14, 15, 16, 17)):02d}:00:00.000",
        "tags": sorted(rng.sample(_TAGS, rng.randint(1, 3))),
    }
    if "featured-in" in traits:
        values["featured-in"] = traits["featured-in"]
    return [{"name": name, "value": value} for name, value in values.items()]
