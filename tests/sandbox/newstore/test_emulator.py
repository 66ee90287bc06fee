"""The NewStore emulator behaves as the documented API: auth, paging, validation, idempotency."""

import json
import time
from decimal import Decimal

import httpx
import pytest

from ctbridge.sandbox.newstore import NewStoreEmulator
from ctbridge.sandbox.newstore.order_validation import validate_order
from ctbridge.sandbox.server import BackgroundServer


@pytest.fixture
def emulator():
    emu = NewStoreEmulator()
    with BackgroundServer(emu.app) as server:
        emu.url = server.url
        yield emu


def token(emu, http):
    response = http.post(
        f"{emu.url}/v0/token",
        json={"grant_type": "password", "username": emu.username, "password": emu.password},
    )
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def parsed(payload):
    return json.loads(json.dumps(payload), parse_float=Decimal)


def order_payload(external_id="1001", product="SKU-1", **changes):
    payload = {
        "external_id": external_id,
        "shop": "storefront",
        "channel_type": "web",
        "channel_name": "commercetools",
        "shop_locale": "en-US",
        "currency": "EUR",
        "shipments": [
            {
                "items": [
                    {
                        "external_item_id": "l1",
                        "product_id": product,
                        "price": {
                            "item_price": 10.00,
                            "item_list_price": 10.00,
                            "item_tax_lines": [{"amount": 1.60, "rate": 0.19, "name": "VAT"}],
                        },
                    }
                ],
                "shipping_option": {"service_level_identifier": "GROUND", "price": 0, "tax": 0},
            }
        ],
        "shipping_address": {"country": "DE", "address_line_1": "Main Street 12"},
    }
    payload.update(changes)
    return payload


def test_the_password_grant_issues_an_expiring_bearer_token(emulator):
    with httpx.Client() as http:
        body = http.post(
            f"{emulator.url}/v0/token",
            data={
                "grant_type": "password",
                "username": emulator.username,
                "password": emulator.password,
            },
        ).json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        wrong = http.post(
            f"{emulator.url}/v0/token",
            json={"grant_type": "password", "username": emulator.username, "password": "nope"},
        )
        assert wrong.status_code == 401
        in_query = http.post(f"{emulator.url}/v0/token", params={"password": "x"}, json={})
        assert in_query.status_code == 400


def test_client_credentials_are_checked_per_realm(emulator):
    url = f"{emulator.url}/auth/realms/sandbox/protocol/openid-connect/token"
    with httpx.Client() as http:
        ok = http.post(
            url,
            data={"grant_type": "client_credentials"},
            auth=(emulator.client_id, emulator.client_secret),
        )
        assert ok.status_code == 200 and "refresh_token" not in ok.json()
        bad = http.post(
            url, data={"grant_type": "client_credentials"}, auth=(emulator.client_id, "x")
        )
        assert bad.status_code == 401
        realm = http.post(
            url.replace("/sandbox/", "/other/"),
            data={"grant_type": "client_credentials"},
            auth=(emulator.client_id, emulator.client_secret),
        )
        assert realm.status_code == 404


def test_a_missing_token_is_401_and_an_expired_one_403(emulator):
    with httpx.Client() as http:
        assert http.get(f"{emulator.url}/_/v0/hq/stocked_products").status_code == 401
        headers = token(emulator, http)
        assert (
            http.get(f"{emulator.url}/_/v0/hq/stocked_products", headers=headers).status_code == 200
        )
        emulator.expire_tokens()
        assert (
            http.get(f"{emulator.url}/_/v0/hq/stocked_products", headers=headers).status_code == 403
        )


def test_stocked_products_are_paged_by_offset_with_the_total(emulator):
    for n in range(250):
        emulator.set_stock(f"P{n:03}", "DC1", n)
    with httpx.Client() as http:
        headers = token(emulator, http)
        page = http.get(
            f"{emulator.url}/_/v0/hq/stocked_products",
            params={"limit": 100, "offset": 200},
            headers=headers,
        ).json()
        assert page["pagination_info"] == {"count": 50, "total": 250, "offset": 200}
        assert page["items"][0]["product_id"] == "P200"
        assert set(page["items"][0]) >= {
            "sku",
            "fulfillment_node_id",
            "atp",
            "present_atp",
            "future_atp",
            "on_hand",
        }
        too_big = http.get(
            f"{emulator.url}/_/v0/hq/stocked_products", params={"limit": 501}, headers=headers
        )
        assert too_big.status_code == 400


def test_fulfill_order_is_idempotent_on_external_id_for_the_same_payload(emulator):
    emulator.set_stock("SKU-1", "DC1", 5)
    with httpx.Client() as http:
        headers = token(emulator, http)
        first = http.post(
            f"{emulator.url}/v0/d/fulfill_order", json=order_payload(), headers=headers
        )
        again = http.post(
            f"{emulator.url}/v0/d/fulfill_order", json=order_payload(), headers=headers
        )
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        changed = http.post(
            f"{emulator.url}/v0/d/fulfill_order",
            json=order_payload(customer_name="Other"),
            headers=headers,
        )
        assert changed.status_code == 409
    assert list(emulator.orders) == ["1001"]
    assert emulator.orders["1001"].requests == 2


def test_an_injected_order_allocates_atp_and_moves_the_watermark(emulator):
    emulator.set_stock("SKU-1", "DC1", 0)
    emulator.set_stock("SKU-1", "DC2", 5)
    before = emulator.watermark
    with httpx.Client() as http:
        response = http.post(
            f"{emulator.url}/v0/d/fulfill_order",
            json=order_payload(),
            headers=token(emulator, http),
        )
        assert response.status_code == 200
    assert emulator.stock("SKU-1", "DC2")["atp"] == 4
    assert emulator.stock("SKU-1", "DC2")["allocations"] == 1
    assert emulator.watermark > before


def test_unknown_products_are_refused(emulator):
    with httpx.Client() as http:
        response = http.post(
            f"{emulator.url}/v0/d/fulfill_order",
            json=order_payload(product="NOPE"),
            headers=token(emulator, http),
        )
    assert response.status_code == 400
    assert response.json()["error_code"] == "product_not_found"
    assert emulator.orders == {}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"external_id": "x" * 65}, "order.external_id"),
        ({"channel_type": "kiosk"}, "order.channel_type"),
        ({"currency": "euro"}, "currency"),
        ({"customer_email": "not-an-email"}, "order.customer_email"),
        ({"shipments": []}, "order.shipments"),
        ({"price_method": "gross"}, "order.price_method"),
        ({"placed_at": "yesterday"}, "order.placed_at"),
        (
            {"shipping_address": {"country": "DEU", "address_line_1": "x"}},
            "shipping_address.country",
        ),
        (
            {
                "payments": [
                    {
                        "type": "captured",
                        "amount": 0,
                        "method": "card",
                        "processor": "",
                        "correlation_ref": "r",
                        "processed_at": "2026-01-01T00:00:00Z",
                    }
                ]
            },
            "payments[0]",
        ),
    ],
)
def test_documented_constraints_are_enforced(changes, problem):
    errors = validate_order(json.loads(json.dumps(order_payload(**changes)), parse_float=Decimal))
    assert any(problem in error for error in errors), errors


def test_amounts_with_more_places_than_the_currency_allows_are_refused():
    euro = json.loads(json.dumps(order_payload()), parse_float=Decimal)
    assert validate_order(euro) == []
    yen = json.loads(json.dumps(order_payload(currency="JPY")), parse_float=Decimal)
    yen["shipments"][0]["items"][0]["price"]["item_price"] = Decimal("10.50")
    errors = validate_order(yen)
    assert any("item_price" in e and "more than 0 decimal places" in e for e in errors)
    assert any("item_tax_lines[0].amount" in e for e in errors)


def test_more_than_one_shipment_needs_shipping_offer_tokens_and_at_most_five():
    shipment = order_payload()["shipments"][0]
    two = order_payload(shipments=[shipment, shipment])
    assert any("only one shipment" in e for e in validate_order(parsed(two)))
    tokened = {**shipment, "shipping_option": {"shipping_offer_token": "t", "price": 0, "tax": 0}}
    assert validate_order(parsed(order_payload(shipments=[tokened] * 5))) == []
    assert any(
        "at most 5" in e for e in validate_order(parsed(order_payload(shipments=[tokened] * 6)))
    )
    big = {**tokened, "items": tokened["items"] * 101}
    assert any("at most 100" in e for e in validate_order(parsed(order_payload(shipments=[big]))))


def with_item(payload, **price_changes):
    payload["shipments"][0]["items"][0]["price"].update(price_changes)
    return payload


def discount(ref, amount, **extra):
    return {
        "discount_ref": ref,
        "type": "fixed",
        "original_value": amount,
        "price_adjustment": amount,
        **extra,
    }


PAYMENT = {
    "type": "captured",
    "method": "credit_card",
    "processor": "stripe",
    "correlation_ref": "ch_1",
    "processed_at": "2026-11-20T10:00:00Z",
}


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (
            order_payload(
                shipping_address={"country": "DE", "address_line_1": "x", "province": "BE"}
            ),
            "shipping_address.province: is not a field",
        ),
        (order_payload(customer_id="c-1"), "order.customer_id: is not a field"),
        (
            with_item(order_payload(), item_discount_infos=[discount("a", 1)]),
            "price.item_discount_infos: is not a field",
        ),
        (
            with_item(order_payload(), item_discount_info=[discount("a", 1), discount("b", 1)]),
            "item_discount_info: at most 1 entries",
        ),
        (
            with_item(order_payload(), item_order_discount_info=[discount("a", 1)] * 2),
            "item_order_discount_info: at most 1 entries",
        ),
        (
            with_item(order_payload(), item_discount_info=[{"discount_ref": "a"}]),
            "item_discount_info[0].original_value: is required",
        ),
        (
            with_item(order_payload(), item_discount_info=[discount("a", 1, kind="x")]),
            "item_discount_info[0].kind: is not a field",
        ),
        (
            with_item(order_payload(), item_discount_info=[discount("a", 101, type="percentage")]),
            "item_discount_info[0].original_value: is out of range",
        ),
        (
            order_payload(
                shipments=[
                    {
                        **order_payload()["shipments"][0],
                        "shipping_option": {"service_level_identifier": "GROUND", "price": 0},
                    }
                ]
            ),
            "shipping_option.tax: is required",
        ),
    ],
)
def test_unknown_fields_extra_discount_entries_and_missing_required_fields_are_refused(
    payload, problem
):
    """Order Injection OpenAPI: field names per definition, discount infos maxItems 1,
    discount info and shipping option required fields."""
    errors = validate_order(parsed(payload))
    assert any(problem in error for error in errors), errors


@pytest.mark.parametrize(
    ("price_method", "payments", "accepted"),
    [
        ("tax_included", ["8.00"], True),
        ("tax_included", ["10.00"], False),  # the item's discount is missing from the sum
        ("tax_included", ["5.00", "3.00"], True),
        ("tax_excluded", ["9.60"], True),  # 8.00 + 1.60 tax
        ("tax_excluded", ["8.00"], False),
    ],
)
def test_payments_must_equal_the_items_and_shipping_less_their_discounts(
    price_method, payments, accepted
):
    """createInjectedOrder's 400: payments differ from the sum of each item and shipping amount,
    e.g. when item_discount_info is missing or price_method is wrong."""
    payload = with_item(
        order_payload(price_method=price_method), item_discount_info=[discount("SALE", 2.00)]
    )
    payload["payments"] = [
        {**PAYMENT, "amount": float(amount), "correlation_ref": f"ch_{n}"}
        for n, amount in enumerate(payments)
    ]
    errors = validate_order(parsed(payload))
    assert (errors == []) == accepted, errors
    if not accepted:
        assert any("payments total" in e for e in errors)


def test_the_atp_export_returns_everything_then_only_what_changed_after_the_watermark(emulator):
    emulator.set_stock("A", "DC1", 2)
    emulator.set_stock("A", "DC2", 3)
    emulator.set_stock("B", "DC1", 1)
    with httpx.Client() as http:
        headers = token(emulator, http)

        def export(since=None):
            body = {} if since is None else {"last_updated_at": since}
            started = http.post(
                f"{emulator.url}/v0/d/availabilities/export", json=body, headers=headers
            )
            assert started.status_code == 202
            export_id = started.json()["id"]
            states = [
                http.get(
                    f"{emulator.url}/v0/d/availabilities/export/{export_id}", headers=headers
                ).json()
                for _ in range(2)
            ]
            assert [s["state"] for s in states] == ["running", "finished"]
            items = http.get(
                f"{emulator.url}/v0/d/availabilities/export/{export_id}/items", headers=headers
            ).json()["items"]
            return states[-1]["last_updated_at"], items

        watermark, items = export()
        assert sorted((i["external_identifiers"]["sku"], i["atp"]) for i in items) == [
            ("A", 5),
            ("B", 1),
        ]
        emulator.set_stock("A", "DC1", 0)
        _, changed = export(watermark)
        assert [(i["product_id"], i["atp"]) for i in changed] == [("A", 3)]
        emulator.export_enabled = False
        assert (
            http.post(
                f"{emulator.url}/v0/d/availabilities/export", json={}, headers=headers
            ).status_code
            == 404
        )


def test_faults_can_be_injected(emulator):
    emulator.faults.configure(fail_next=1, error_status=503)
    with httpx.Client() as http:
        assert http.get(f"{emulator.url}/_/v0/hq/stocked_products").status_code == 503
        assert http.get(f"{emulator.url}/_/v0/hq/stocked_products").status_code == 401


def test_per_call_latency_delays_every_answer():
    slow = NewStoreEmulator(latency_ms=200)
    with BackgroundServer(slow.app) as server, httpx.Client() as http:
        started = time.perf_counter()
        assert http.get(f"{server.url}/_/v0/hq/stocked_products").status_code == 401
        assert time.perf_counter() - started >= 0.2
