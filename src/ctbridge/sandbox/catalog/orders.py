"""OrderImportDrafts whose money adds up to the cent, with their payments and inventory reservations."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ctbridge.sandbox.catalog.customers import address, customer_draft, customer_market, person
from ctbridge.sandbox.catalog.identifiers import STANDARD_TAX_KEY, order_number, payment_key
from ctbridge.sandbox.catalog.inventory import Reservation, inventory_drafts_for_sku
from ctbridge.sandbox.catalog.markets import Market
from ctbridge.sandbox.catalog.money import (
    TaxedAmount,
    apply_tax,
    convert_from_euro_cents,
    money,
    percentage_of,
    retail_price,
    typed_money,
)
from ctbridge.sandbox.catalog.payments import AUTHORIZED, DECLINED, PAID, PENDING, payment_draft
from ctbridge.sandbox.catalog.products import awkward_kind, product_draft
from ctbridge.sandbox.catalog.references import key_ref
from ctbridge.sandbox.catalog.spec import CatalogSpec, timestamp
from ctbridge.sandbox.catalog.taxes import basis_points, rate_amount, tax_rate

DISCOUNT_PERCENTS: tuple[int, ...] = (5, 10, 15, 20)
# Line-item fields an Order carries but LineItemImportDraft has none for (a real import derives
# totalPrice from price x quantity and knows no discounts); the sandbox emulator takes them so
# imported orders look like checked-out ones, a real project must not be sent them.
SANDBOX_ONLY_LINE_ITEM_FIELDS: tuple[str, ...] = ("discountedPricePerQuantity", "totalPrice")


@dataclass(frozen=True)
class OrderSeed:
    """An OrderImportDraft plus the keys a loader turns into `customerId` and `paymentInfo`."""

    draft: dict
    customer_key: str | None
    payment_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeneratedOrder:
    order: OrderSeed
    payments: tuple[dict, ...] = ()
    reservations: tuple[Reservation, ...] = ()


@dataclass
class _Totals:
    """Running sums of one order, by tax rate."""

    price: int = 0
    net: int = 0
    gross: int = 0
    portions: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, total: int, taxed: TaxedAmount, rate: dict, points: int) -> None:
        self.price += total
        self.net += taxed.net
        self.gross += taxed.gross
        self.portions[(rate["name"], points)] += taxed.tax


def cart_discount_key(percent: int) -> str:
    return f"sandbox-{percent}-off"


def cart_discount_drafts() -> tuple[dict, ...]:
    """The CartDiscountDrafts that line-item discounts of generated orders refer to."""
    return tuple(
        {
            "key": cart_discount_key(percent),
            "name": {"en": f"{percent} % off", "de": f"{percent} % Rabatt"},
            "value": {"type": "relative", "permyriad": percent * 100},
            "cartPredicate": "1 = 1",
            "target": {"type": "lineItems", "predicate": "1 = 1"},
            "sortOrder": f"0.{percent:02d}".rstrip("0"),
            "isActive": True,
            "requiresDiscountCode": False,
        }
        for percent in DISCOUNT_PERCENTS
    )


def _taxed_item_price(currency: str, taxed: TaxedAmount) -> dict:
    return {
        "totalNet": money(currency, taxed.net),
        "totalGross": money(currency, taxed.gross),
        "totalTax": money(currency, taxed.tax),
    }


def _line_price(variant: dict, market: Market) -> dict | None:
    """The variant's undated price for the market's country, else for its currency alone."""
    fallback = None
    for price in variant["prices"]:
        if price["value"]["currencyCode"] != market.currency:
            continue
        if any(scope in price for scope in ("channel", "customerGroup", "validFrom")):
            continue
        if price.get("country") == market.country:
            return price
        if "country" not in price:
            fallback = price
    return fallback


def _pick_products(rng: random.Random, spec: CatalogSpec, count: int) -> list[int]:
    """Distinct well-formed product indexes (awkward products never end up in an order)."""
    picked: list[int] = []
    for _ in range(count * 4):
        index = rng.randrange(spec.products)
        if index not in picked and awkward_kind(spec, index) is None:
            picked.append(index)
        if len(picked) == count:
            break
    if not picked:
        picked = [i for i in range(spec.products) if awkward_kind(spec, i) is None][:1]
    return picked


def _line_items(
    rng: random.Random,
    spec: CatalogSpec,
    market: Market,
    totals: _Totals,
    *,
    number: str,
    supply_channels: tuple[str, ...] | None,
) -> tuple[list[dict], list[Reservation]]:
    currency = market.currency
    lines, reservations = [], []
    for position, product_index in enumerate(_pick_products(rng, spec, rng.randint(1, 5)), start=1):
        product = product_draft(spec, product_index)
        variants = [product["masterVariant"], *product["variants"]]
        variant = variants[rng.randrange(len(variants))]
        price = _line_price(variant, market)
        if price is None:
            continue
        unit = price["value"]["centAmount"]
        quantity = rng.choice((1, 1, 1, 2, 2, 3, 4))
        category = product["taxCategory"]["key"]
        rate, points = tax_rate(category, market), basis_points(category, market)
        line: dict[str, Any] = {
            "key": f"line-{position}",
            "name": dict(product["name"]),
            "variant": {
                "sku": variant["sku"],
                "images": variant["images"],
                "attributes": variant["attributes"],
            },
            "price": {"value": typed_money(currency, unit)}
            | ({"country": price["country"]} if "country" in price else {}),
            "quantity": quantity,
            "taxRate": rate,
        }
        discount = 0
        if rng.random() < 0.3:
            percent = rng.choice(DISCOUNT_PERCENTS)
            discount = percentage_of(unit, percent)
            line["discountedPricePerQuantity"] = [
                {
                    "quantity": quantity,
                    "discountedPrice": {
                        "value": money(currency, unit - discount),
                        "includedDiscounts": [
                            {
                                "discount": key_ref("cart-discount", cart_discount_key(percent)),
                                "discountedAmount": money(currency, discount),
                            }
                        ],
                    },
                }
            ]
        total = (unit - discount) * quantity
        line["totalPrice"] = money(currency, total)
        taxed = apply_tax(total, points, included_in_price=market.tax_included_in_price)
        line["taxedPrice"] = _taxed_item_price(currency, taxed)
        totals.add(total, taxed, rate, points)
        if supply_channels is not None:
            entry = rng.choice(inventory_drafts_for_sku(spec, variant["sku"], supply_channels))
            channel = entry.get("supplyChannel", {}).get("key")
            if channel is not None:
                line["supplyChannel"] = key_ref("channel", channel)
            reservations.append(Reservation(number, variant["sku"], channel, quantity))
        lines.append(line)
    return lines, reservations


def _custom_line_item(
    market: Market, totals: _Totals, *, key: str, name: dict, amount: int
) -> dict:
    rate, points = tax_rate(STANDARD_TAX_KEY, market), basis_points(STANDARD_TAX_KEY, market)
    taxed = apply_tax(amount, points, included_in_price=market.tax_included_in_price)
    totals.add(amount, taxed, rate, points)
    return {
        "key": key,
        "name": name,
        "slug": key,
        "quantity": 1,
        "money": money(market.currency, amount),
        "taxRate": rate,
        "taxedPrice": _taxed_item_price(market.currency, taxed),
    }


def _shipping_info(rng: random.Random, market: Market, totals: _Totals) -> dict:
    currency = market.currency
    express = rng.random() < 0.2
    rate_price = retail_price(1490 if express else 495, currency)
    free_above = convert_from_euro_cents(7500, currency)
    price = 0 if not express and totals.price >= free_above else rate_price
    rate, points = tax_rate(STANDARD_TAX_KEY, market), basis_points(STANDARD_TAX_KEY, market)
    taxed = apply_tax(price, points, included_in_price=market.tax_included_in_price)
    totals.add(price, taxed, rate, points)
    shipping_rate: dict[str, Any] = {"price": money(currency, rate_price), "tiers": []}
    if not express:
        shipping_rate["freeAbove"] = money(currency, free_above)
    return {
        "shippingMethodName": "Express" if express else "Standard",
        "price": money(currency, price),
        "shippingRate": shipping_rate,
        "taxRate": rate,
        "taxedPrice": _taxed_item_price(currency, taxed),
        "shippingMethodState": "MatchesCart",
    }


# (paymentState, orderState choices, shipmentState choices, payment attempts, weight)
_OUTCOMES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[tuple, ...], int], ...] = (
    ("Paid", ("Confirmed", "Complete"), ("Ready", "Shipped", "Delivered"), (PAID,), 55),
    ("Paid", ("Confirmed",), ("Pending", "Ready"), (DECLINED, PAID), 10),
    ("Pending", ("Open",), ("Pending",), (AUTHORIZED,), 10),
    ("Pending", ("Open",), ("Pending",), (PENDING,), 10),
    ("Failed", ("Cancelled",), ("Pending",), (DECLINED,), 10),
    ("BalanceDue", ("Open",), ("Pending",), (), 5),
)


def order(spec: CatalogSpec, index: int, supply_channels: tuple[str, ...]) -> GeneratedOrder:
    """Order `index` with its payments and, when it tracks inventory, its reservations."""
    rng = spec.rng("order", index)
    number = order_number(index)
    customer_key: str | None = None
    if spec.customers and rng.random() >= 0.2:
        customer_index = rng.randrange(spec.customers)
        customer = customer_draft(spec, customer_index)
        market = customer_market(spec, customer_index)
        customer_key, email = customer["key"], customer["email"]
        shipping_address = customer["addresses"][customer["defaultShippingAddress"]]
        billing_address = customer["addresses"][customer["defaultBillingAddress"]]
    else:
        market = spec.markets[rng.randrange(len(spec.markets))]
        first, last, email = person(rng, f"guest-{index + 1}")
        shipping_address = billing_address = address(rng, market, first, last, email, "guest")
        customer = None

    tracks_inventory = bool(rng.random() < 0.4)
    totals = _Totals()
    lines, reservations = _line_items(
        rng,
        spec,
        market,
        totals,
        number=number,
        supply_channels=supply_channels if tracks_inventory else None,
    )
    custom_lines = []
    if rng.random() < 0.15:
        custom_lines.append(
            _custom_line_item(
                market,
                totals,
                key="gift-wrapping",
                name={"en": "Gift wrapping", "de": "Geschenkverpackung"},
                amount=retail_price(350, market.currency),
            )
        )
    if rng.random() < 0.1 and totals.price > 1:
        custom_lines.append(
            _custom_line_item(
                market,
                totals,
                key="voucher",
                name={"en": "Voucher", "de": "Gutschein"},
                amount=-max(1, percentage_of(totals.price, 5)),
            )
        )
    shipping = _shipping_info(rng, market, totals)
    currency = market.currency

    weights = [outcome[-1] for outcome in _OUTCOMES]
    payment_state, order_states, shipment_states, attempts, _ = rng.choices(_OUTCOMES, weights)[0]
    completed_at = spec.now - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 1439))
    charged = money(currency, totals.gross)
    payments = tuple(
        payment_draft(
            rng,
            key=payment_key(index, attempt),
            customer_key=customer_key,
            amount=charged,
            steps=steps,
            at=completed_at + timedelta(minutes=10 * attempt),
        )
        for attempt, steps in enumerate(attempts, start=1)
    )

    draft: dict[str, Any] = {
        "orderNumber": number,
        "customerEmail": email,
    }
    if customer is not None and "customerGroup" in customer:
        draft["customerGroup"] = customer["customerGroup"]
    draft |= {
        "lineItems": lines,
        "customLineItems": custom_lines,
        "totalPrice": money(currency, totals.price),
        "taxedPrice": {
            "totalNet": money(currency, totals.net),
            "totalGross": money(currency, totals.gross),
            "totalTax": money(currency, totals.gross - totals.net),
            "taxPortions": [
                {"name": name, "rate": rate_amount(points), "amount": money(currency, amount)}
                for (name, points), amount in sorted(totals.portions.items())
            ],
        },
        "shippingAddress": shipping_address,
        "billingAddress": billing_address,
        "shippingInfo": shipping,
        "country": market.country,
        "orderState": rng.choice(order_states),
        "paymentState": payment_state,
        "shipmentState": rng.choice(shipment_states),
        "taxRoundingMode": "HalfUp",
        "taxCalculationMode": "LineItemLevel",
        "inventoryMode": "TrackOnly" if tracks_inventory else "None",
        "origin": "Customer",
        "completedAt": timestamp(completed_at),
    }
    return GeneratedOrder(
        order=OrderSeed(draft, customer_key, tuple(p["key"] for p in payments)),
        payments=payments,
        reservations=tuple(reservations),
    )


def import_draft(
    seed: OrderSeed, customer_id: str | None, payment_ids: list[str], *, sandbox_fields: bool
) -> dict:
    """The OrderImportDraft to send once the customer and payments exist.

    `sandbox_fields=False` drops what only the sandbox emulator takes on import.
    """
    draft = dict(seed.draft)
    if customer_id is not None:
        draft = {"orderNumber": draft.pop("orderNumber"), "customerId": customer_id} | draft
    if payment_ids:
        draft["paymentInfo"] = {"payments": [{"typeId": "payment", "id": i} for i in payment_ids]}
    if not sandbox_fields:
        draft["lineItems"] = [
            {k: v for k, v in line.items() if k not in SANDBOX_ONLY_LINE_ITEM_FIELDS}
            for line in draft["lineItems"]
        ]
    return draft
