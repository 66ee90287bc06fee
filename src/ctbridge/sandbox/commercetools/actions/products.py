"""Products: drafts, variants, prices, the staged/current split, publishing and their messages."""

from __future__ import annotations

from typing import Any

from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import (
    duplicate_field,
    invalid_operation,
    missing_field,
)
from ctbridge.sandbox.commercetools.kinds import Mutation, Resource, ResourceKind, required
from ctbridge.sandbox.commercetools.money import typed_money
from ctbridge.sandbox.commercetools.projection import (
    availability_index,
    product_view,
    project,
)
from ctbridge.sandbox.commercetools.store import ResourceStore

TYPE_ID = "product"


def _identifiers(product: Resource) -> dict[str, Any]:
    identifiers: dict[str, Any] = {}
    if product.get("key"):
        identifiers["key"] = product["key"]
    slug = product.get("masterData", {}).get("staged", {}).get("slug")
    if slug:
        identifiers["slug"] = slug
    return identifiers


def _views(store: ResourceStore, products: list[Resource]) -> list[Resource]:
    index = availability_index(store)
    return [product_view(product, index) for product in products]


def _create(m: Mutation, draft: dict[str, Any]) -> None:
    product = m.resource
    name = required(draft, "name")
    slug = required(draft, "slug")
    product["productType"] = m.reference("product-type", required(draft, "productType"))
    if draft.get("key"):
        _check_key(m, draft["key"])
        product["key"] = draft["key"]
    if draft.get("taxCategory"):
        product["taxCategory"] = {"typeId": "tax-category", "id": draft["taxCategory"].get("id")}
    variant_drafts = [draft.get("masterVariant") or {}, *(draft.get("variants") or [])]
    variants = [_variant(m, variant, number) for number, variant in enumerate(variant_drafts, 1)]
    skus = [variant["sku"] for variant in variants if variant.get("sku")]
    for sku in skus:
        if skus.count(sku) > 1:
            raise duplicate_field("sku", sku)
        _check_sku(m, sku)
    _check_slug(m, slug)
    data: dict[str, Any] = {
        "name": name,
        "slug": slug,
        "categories": [m.reference("category", c) for c in draft.get("categories") or []],
        "categoryOrderHints": draft.get("categoryOrderHints") or {},
        "masterVariant": variants[0],
        "variants": variants[1:],
        "searchKeywords": draft.get("searchKeywords") or {},
    }
    for optional in ("description", "metaTitle", "metaDescription", "metaKeywords"):
        if draft.get(optional) is not None:
            data[optional] = draft[optional]
    product["masterData"] = {
        "current": clone(data),
        "staged": data,
        "published": bool(draft.get("publish")),
        "hasStagedChanges": False,
    }
    m.emit("ProductCreated", productProjection=_projection(m, staged=True))


def _projection(m: Mutation, *, staged: bool) -> dict[str, Any] | None:
    return clone(project(m.resource, staged=staged, index=availability_index(m.store)))


def _variant(m: Mutation, draft: dict[str, Any], variant_id: int) -> dict[str, Any]:
    variant: dict[str, Any] = {"id": variant_id}
    if draft.get("sku"):
        variant["sku"] = draft["sku"]
    if draft.get("key"):
        variant["key"] = draft["key"]
    variant["prices"] = [_price(m, price) for price in draft.get("prices") or []]
    variant["images"] = [_image(image) for image in draft.get("images") or []]
    variant["attributes"] = [
        {"name": required(a, "name"), "value": a.get("value")}
        for a in draft.get("attributes") or []
    ]
    variant["assets"] = list(draft.get("assets") or [])
    return variant


def _price(m: Mutation, draft: dict[str, Any]) -> dict[str, Any]:
    price: dict[str, Any] = {
        "id": m.new_id(),
        "value": typed_money(draft.get("value"), "price.value"),
    }
    for name in ("key", "country", "validFrom", "validUntil", "custom"):
        if draft.get(name) is not None:
            price[name] = draft[name]
    if draft.get("channel"):
        price["channel"] = m.reference("channel", draft["channel"])
    if draft.get("customerGroup"):
        price["customerGroup"] = {
            "typeId": "customer-group",
            "id": draft["customerGroup"].get("id"),
        }
    if draft.get("tiers"):
        price["tiers"] = [
            {"minimumQuantity": t["minimumQuantity"], "value": typed_money(t.get("value"))}
            for t in draft["tiers"]
        ]
    return price


def _image(draft: dict[str, Any]) -> dict[str, Any]:
    image = {
        "url": required(draft, "url"),
        "dimensions": draft.get("dimensions") or {"w": 0, "h": 0},
    }
    if draft.get("label"):
        image["label"] = draft["label"]
    return image


def _all_variants(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [data["masterVariant"], *data["variants"]]


def _check_key(m: Mutation, key: str) -> None:
    other = m.store.find(TYPE_ID, "key", key)
    if other is not None and other["id"] != m.resource["id"]:
        raise duplicate_field("key", key)


def _skus(product: Resource) -> list[str]:
    master = product.get("masterData")
    if not master:
        return []
    return [
        variant["sku"]
        for side in ("current", "staged")
        for variant in _all_variants(master[side])
        if variant.get("sku")
    ]


def _slugs(product: Resource) -> list[str]:
    master = product.get("masterData")
    if not master:
        return []
    return [
        f"{locale}:{value}"
        for side in ("current", "staged")
        for locale, value in master[side]["slug"].items()
    ]


def _check_sku(m: Mutation, sku: str) -> None:
    if any(other["id"] != m.resource["id"] for other in m.store.lookup(TYPE_ID, "sku", sku)):
        raise duplicate_field("sku", sku)


def _check_slug(m: Mutation, slug: dict[str, str]) -> None:
    for locale, value in slug.items():
        others = m.store.lookup(TYPE_ID, "slug", f"{locale}:{value}")
        if any(other["id"] != m.resource["id"] for other in others):
            raise duplicate_field("slug", value)


def _targets(m: Mutation, action: dict[str, Any]) -> list[dict[str, Any]]:
    master = m.resource["masterData"]
    return (
        [master["staged"]] if action.get("staged", True) else [master["staged"], master["current"]]
    )


def _refresh(m: Mutation) -> None:
    master = m.resource["masterData"]
    master["hasStagedChanges"] = master["current"] != master["staged"]


def _find_variant(data: dict[str, Any], action: dict[str, Any]) -> dict[str, Any]:
    variant_id = action.get("variantId")
    sku = action.get("sku")
    if variant_id is None and sku is None:
        raise missing_field("variantId or sku")
    for variant in _all_variants(data):
        if (variant_id is not None and variant["id"] == variant_id) or (
            sku is not None and variant.get("sku") == sku
        ):
            return variant
    raise invalid_operation(f"The product has no variant {variant_id if sku is None else sku!r}.")


def _staged_flag(action: dict[str, Any]) -> bool:
    return bool(action.get("staged", True))


def _publish(m: Mutation, action: dict[str, Any]) -> None:
    master = m.resource["masterData"]
    scope = action.get("scope", "All")
    old_urls = _image_urls(master["current"])
    if scope == "Prices":
        current_by_id = {v["id"]: v for v in _all_variants(master["current"])}
        for variant in _all_variants(master["staged"]):
            if variant["id"] in current_by_id:
                current_by_id[variant["id"]]["prices"] = clone(variant["prices"])
    else:
        master["current"] = clone(master["staged"])
    master["published"] = True
    _refresh(m)
    removed = sorted(old_urls - _image_urls(master["current"]))
    m.emit(
        "ProductPublished",
        productProjection=_projection(m, staged=False),
        removedImageUrls=removed,
        scope=scope,
    )


def _image_urls(data: dict[str, Any]) -> set[str]:
    return {image["url"] for variant in _all_variants(data) for image in variant.get("images", [])}


def _unpublish(m: Mutation, action: dict[str, Any]) -> None:
    m.resource["masterData"]["published"] = False
    m.emit("ProductUnpublished")


def _set_data_field(name: str, *, required_value: bool) -> Any:
    def handler(m: Mutation, action: dict[str, Any]) -> None:
        value = action.get(name)
        if required_value and not value:
            raise missing_field(name)
        for data in _targets(m, action):
            if value is None:
                data.pop(name, None)
            else:
                data[name] = clone(value)
        _refresh(m)

    return handler


def _change_slug(m: Mutation, action: dict[str, Any]) -> None:
    slug = required(action, "slug")
    _check_slug(m, slug)
    old = m.resource["masterData"]["staged"]["slug"]
    for data in _targets(m, action):
        data["slug"] = clone(slug)
    _refresh(m)
    m.emit("ProductSlugChanged", slug=slug, oldSlug=old)


def _set_key(m: Mutation, action: dict[str, Any]) -> None:
    key = action.get("key")
    if key:
        _check_key(m, key)
        m.resource["key"] = key
    else:
        m.resource.pop("key", None)


def _set_prices(m: Mutation, action: dict[str, Any]) -> None:
    prices = [_price(m, draft) for draft in action.get("prices") or []]
    for data in _targets(m, action):
        variant = _find_variant(data, action)
        variant["prices"] = clone(prices)
    _refresh(m)
    variant_id = _find_variant(m.resource["masterData"]["staged"], action)["id"]
    m.emit("ProductPricesSet", variantId=variant_id, prices=prices, staged=_staged_flag(action))


def _add_price(m: Mutation, action: dict[str, Any]) -> None:
    price = _price(m, required(action, "price"))
    for data in _targets(m, action):
        _find_variant(data, action)["prices"].append(clone(price))
    _refresh(m)
    variant_id = _find_variant(m.resource["masterData"]["staged"], action)["id"]
    m.emit("ProductPriceAdded", variantId=variant_id, price=price, staged=_staged_flag(action))


def _locate_price(data: dict[str, Any], price_id: str) -> tuple[dict[str, Any], int]:
    for variant in _all_variants(data):
        for position, price in enumerate(variant["prices"]):
            if price["id"] == price_id:
                return variant, position
    raise invalid_operation(f"The product has no price with id '{price_id}'.")


def _change_price(m: Mutation, action: dict[str, Any]) -> None:
    price_id = required(action, "priceId")
    new_price = {**_price(m, required(action, "price")), "id": price_id}
    old_price: dict[str, Any] = {}
    variant_id = 0
    for data in _targets(m, action):
        variant, position = _locate_price(data, price_id)
        old_price, variant_id = variant["prices"][position], variant["id"]
        variant["prices"][position] = clone(new_price)
    _refresh(m)
    m.emit(
        "ProductPriceChanged",
        variantId=variant_id,
        oldPrice=old_price,
        newPrice=new_price,
        staged=_staged_flag(action),
    )


def _remove_price(m: Mutation, action: dict[str, Any]) -> None:
    price_id = required(action, "priceId")
    removed: dict[str, Any] = {}
    variant_id = 0
    for data in _targets(m, action):
        variant, position = _locate_price(data, price_id)
        removed, variant_id = variant["prices"].pop(position), variant["id"]
    _refresh(m)
    m.emit("ProductPriceRemoved", variantId=variant_id, price=removed, staged=_staged_flag(action))


def _add_variant(m: Mutation, action: dict[str, Any]) -> None:
    master = m.resource["masterData"]
    used = [v["id"] for side in ("current", "staged") for v in _all_variants(master[side])]
    variant = _variant(m, action, max(used) + 1)
    if variant.get("sku"):
        _check_sku(m, variant["sku"])
        if any(v.get("sku") == variant["sku"] for v in _all_variants(master["staged"])):
            raise duplicate_field("sku", variant["sku"])
    for data in _targets(m, action):
        data["variants"].append(clone(variant))
    _refresh(m)
    m.emit("ProductVariantAdded", variant=variant, staged=_staged_flag(action))


def _remove_variant(m: Mutation, action: dict[str, Any]) -> None:
    lookup = {"variantId": action.get("id", action.get("variantId")), "sku": action.get("sku")}
    removed: dict[str, Any] = {}
    for data in _targets(m, action):
        variant = _find_variant(data, lookup)
        if variant["id"] == data["masterVariant"]["id"]:
            raise invalid_operation("The master variant cannot be removed.")
        data["variants"] = [v for v in data["variants"] if v["id"] != variant["id"]]
        removed = variant
    _refresh(m)
    urls = [image["url"] for image in removed.get("images", [])]
    m.emit(
        "ProductVariantDeleted", variant=removed, removedImageUrls=urls, staged=_staged_flag(action)
    )


def _put_attribute(variant: dict[str, Any], name: str, value: Any) -> None:
    attributes = [a for a in variant["attributes"] if a["name"] != name]
    if value is not None:
        attributes.append({"name": name, "value": clone(value)})
    variant["attributes"] = attributes


def _set_attribute(m: Mutation, action: dict[str, Any]) -> None:
    name = required(action, "name")
    for data in _targets(m, action):
        _put_attribute(_find_variant(data, action), name, action.get("value"))
    _refresh(m)


def _set_attribute_in_all_variants(m: Mutation, action: dict[str, Any]) -> None:
    name = required(action, "name")
    for data in _targets(m, action):
        for variant in _all_variants(data):
            _put_attribute(variant, name, action.get("value"))
    _refresh(m)


def _add_external_image(m: Mutation, action: dict[str, Any]) -> None:
    image = _image(required(action, "image"))
    variant_id = 0
    for data in _targets(m, action):
        variant = _find_variant(data, action)
        variant["images"].append(clone(image))
        variant_id = variant["id"]
    _refresh(m)
    m.emit("ProductImageAdded", variantId=variant_id, image=image, staged=_staged_flag(action))


def _add_to_category(m: Mutation, action: dict[str, Any]) -> None:
    category = m.reference("category", required(action, "category"))
    for data in _targets(m, action):
        if category in data["categories"]:
            raise invalid_operation(f"The product is already in category '{category['id']}'.")
        data["categories"].append(dict(category))
        if action.get("orderHint") is not None:
            data["categoryOrderHints"][category["id"]] = action["orderHint"]
    _refresh(m)
    m.emit("ProductAddedToCategory", category=category, staged=_staged_flag(action))


def _remove_from_category(m: Mutation, action: dict[str, Any]) -> None:
    category = m.reference("category", required(action, "category"))
    for data in _targets(m, action):
        if category not in data["categories"]:
            raise invalid_operation(f"The product is not in category '{category['id']}'.")
        data["categories"] = [c for c in data["categories"] if c["id"] != category["id"]]
        data["categoryOrderHints"].pop(category["id"], None)
    _refresh(m)
    m.emit("ProductRemovedFromCategory", category=category, staged=_staged_flag(action))


def _set_sku(m: Mutation, action: dict[str, Any]) -> None:
    sku = action.get("sku")
    if sku:
        _check_sku(m, sku)
    for data in _targets(m, action):
        variant = _find_variant(data, {"variantId": required(action, "variantId")})
        if sku and any(v.get("sku") == sku and v is not variant for v in _all_variants(data)):
            raise duplicate_field("sku", sku)
        if sku:
            variant["sku"] = sku
        else:
            variant.pop("sku", None)
    _refresh(m)


def _set_tax_category(m: Mutation, action: dict[str, Any]) -> None:
    category = action.get("taxCategory")
    if category:
        m.resource["taxCategory"] = {"typeId": "tax-category", "id": category.get("id")}
    else:
        m.resource.pop("taxCategory", None)


def _on_delete(m: Mutation) -> None:
    master = m.resource["masterData"]
    urls = _image_urls(master["current"]) | _image_urls(master["staged"])
    current = _projection(m, staged=False) if master["published"] else None
    m.emit("ProductDeleted", removedImageUrls=sorted(urls), currentProjection=current)


KIND = ResourceKind(
    url="products",
    type_id=TYPE_ID,
    create=_create,
    identifiers=_identifiers,
    views=_views,
    on_delete=_on_delete,
    indexes={"sku": _skus, "slug": _slugs},
    actions={
        "publish": _publish,
        "unpublish": _unpublish,
        "changeName": _set_data_field("name", required_value=True),
        "setDescription": _set_data_field("description", required_value=False),
        "setMetaTitle": _set_data_field("metaTitle", required_value=False),
        "setMetaDescription": _set_data_field("metaDescription", required_value=False),
        "setSearchKeywords": _set_data_field("searchKeywords", required_value=False),
        "changeSlug": _change_slug,
        "setKey": _set_key,
        "setPrices": _set_prices,
        "addPrice": _add_price,
        "changePrice": _change_price,
        "removePrice": _remove_price,
        "addVariant": _add_variant,
        "removeVariant": _remove_variant,
        "setAttribute": _set_attribute,
        "setAttributeInAllVariants": _set_attribute_in_all_variants,
        "addExternalImage": _add_external_image,
        "addToCategory": _add_to_category,
        "removeFromCategory": _remove_from_category,
        "setSku": _set_sku,
        "setTaxCategory": _set_tax_category,
    },
)
