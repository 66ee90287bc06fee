"""Compares the targets' final state with commercetools': lost, duplicated and stale findings."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from chaos_expectations import Scope, expected_products

from ctbridge.engine.inbox import DeadLetter

Expectation = Callable[[Mapping[str, Any], Scope, datetime], Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class Finding:
    kind: str  # lost | duplicated | stale
    target: str
    key: str
    detail: str


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, target: str, key: str, detail: str) -> None:
        self.findings.append(Finding(kind, target, key, detail))

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)


class OrdergrooveWrites:
    """Every item the Ordergroove emulator accepted, with when: the history a stale check needs.

    Wraps the emulator's per-item apply step on this one instance (the bench owns it).
    """

    def __init__(self, emulator: Any) -> None:
        self.history: dict[str, list[tuple[float, dict[str, Any]]]] = defaultdict(list)
        apply = emulator._apply

        def recording(endpoint: str, item: Any) -> dict[str, Any]:
            result = apply(endpoint, item)
            if result.get("status") == 200 and isinstance(item, dict):
                self.history[result["product_id"]].append((time.monotonic(), dict(item)))
            return result

        emulator._apply = recording

    def values(self, sku: str, name: str) -> list[tuple[float, Any]]:
        return [(at, item[name]) for at, item in self.history.get(sku, []) if name in item]


def _same(left: Any, right: Any) -> bool:
    numbers = (int, float, Decimal)
    if (
        isinstance(left, numbers)
        and isinstance(right, numbers)
        and not isinstance(left, bool)
        and not isinstance(right, bool)
    ):
        return Decimal(str(left)) == Decimal(str(right))
    return bool(left == right)


def classify(
    expected: Any, actual: Any, written: list[tuple[float, Any]], since: float
) -> str | None:
    """None when the target holds the current value; `stale` when the current value reached the
    target after commercetools changed and something older overwrote it; else `lost`."""
    if _same(expected, actual):
        return None
    if any(at >= since and _same(value, expected) for at, value in written):
        return "stale"
    return "lost"


def check_ordergroove(
    verdict: Verdict,
    projections: Iterable[Mapping[str, Any]],
    products: Mapping[str, Mapping[str, Any]],
    writes: OrdergrooveWrites,
    scope: Scope,
    changed_at: Mapping[str, float],
    expect: Expectation = expected_products,
) -> None:
    """Every sendable variant of every product, dead-lettered or not: a dead letter that left a
    variant behind shows here as lost (the soak counts the dead letter itself as well)."""
    now = datetime.now(UTC)
    for projection in projections:
        for wanted in expect(projection, scope, now):
            sku = wanted["product_id"]
            verdict.checked["ordergroove variants"] += 1
            actual = products.get(sku)
            if actual is None:
                verdict.add("lost", "ordergroove", sku, "published variant missing")
                continue
            for name in ("name", "price", "live"):
                # Names and prices are unique per publish; `live` flips back and forth, so only
                # a write after the sku's last change in commercetools counts as having arrived.
                since = changed_at.get(sku, 0.0) if name == "live" else 0.0
                kind = classify(wanted[name], actual.get(name), writes.values(sku, name), since)
                if kind:
                    verdict.add(
                        kind,
                        "ordergroove",
                        sku,
                        f"{name} is {actual.get(name)!r}, commercetools has {wanted[name]!r}",
                    )


def _localized(value: Mapping[str, str] | None, locale: str) -> str | None:
    """The locale's text, else its language's (`en` for `en-US`), as commercetools falls back."""
    if not value:
        return None
    return value.get(locale) or value.get(locale.split("-")[0])


def fluent_name_history(events: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Product ref → names applied by completed UPSERT_PRODUCT events, in order."""
    history: dict[str, list[str]] = defaultdict(list)
    for event in events:
        if event.get("name") == "UPSERT_PRODUCT" and event.get("eventStatus") == "COMPLETE":
            attributes = event.get("attributes") or {}
            history[attributes.get("ref", "")].append(attributes.get("name"))
    return history


def check_fluent_catalog(
    verdict: Verdict,
    projections: Iterable[Mapping[str, Any]],
    products: Mapping[str, Mapping[str, Any]],
    names_written: Mapping[str, list[str]],
    locale: str,
) -> None:
    for projection in projections:
        key = projection.get("key")
        name = _localized(projection.get("name"), locale)
        if not key or not name:
            continue
        variants = [projection.get("masterVariant") or {}, *(projection.get("variants") or [])]
        refs = [key] + [v["sku"] for v in variants if v.get("sku") and v["sku"] != key]
        for ref in refs:
            verdict.checked["fluent products"] += 1
            actual = products.get(ref)
            if actual is None:
                verdict.add("lost", "fluent", ref, "published product or variant missing")
                continue
            if actual.get("status") != "ACTIVE":
                verdict.add("lost", "fluent", ref, f"status {actual.get('status')}, not ACTIVE")
            if actual.get("name") != name:
                # Names are unique per publish: having held the current one means it was overwritten.
                kind = "stale" if name in names_written.get(ref, []) else "lost"
                verdict.add(kind, "fluent", ref, f"name {actual.get('name')!r}, ct has {name!r}")


def check_orders(
    verdict: Verdict,
    orders: Iterable[Mapping[str, Any]],
    payments: Mapping[str, Mapping[str, Any]],
    newstore_orders: Mapping[str, Any],
    fluent_orders: Iterable[Mapping[str, Any]],
    fluent_transactions: Iterable[Mapping[str, Any]],
) -> None:
    """One NewStore order per commercetools order, one Fluent order per ref, one Fluent financial
    transaction per successful commercetools payment transaction; dead-lettered orders included."""
    by_ct_id: dict[str, list[str]] = defaultdict(list)
    for external_id, injected in newstore_orders.items():
        for attribute in injected.payload.get("extended_attributes") or []:
            if attribute.get("name") == "ct_order_id":
                by_ct_id[attribute.get("value")].append(external_id)
    fluent_by_ct: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for order in fluent_orders:
        fluent_by_ct[str(order.get("ref", "")).rpartition("_")[2]].append(order)
    transactions: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for transaction in fluent_transactions:
        transactions[str(transaction.get("orderId"))].append(transaction)
    for order in orders:
        order_id = order["id"]
        verdict.checked["orders"] += 1
        found = by_ct_id.get(order_id, [])
        if not found:
            verdict.add("lost", "newstore", order_id, "no NewStore order")
        elif len(found) > 1:
            verdict.add("duplicated", "newstore", order_id, f"{len(found)} NewStore orders")
        in_fluent = fluent_by_ct.get(order_id, [])
        if not in_fluent:
            verdict.add("lost", "fluent", order_id, "no Fluent order")
            continue
        if len(in_fluent) > 1:
            verdict.add("duplicated", "fluent", order_id, f"{len(in_fluent)} Fluent orders")
        wanted = {
            t["id"]
            for reference in (order.get("paymentInfo") or {}).get("payments") or []
            for t in (payments.get(reference["id"]) or {}).get("transactions") or []
            if t.get("state") == "Success"
        }
        have = Counter(t.get("ref") for f in in_fluent for t in transactions[str(f["id"])])
        for ref, count in have.items():
            if count > 1:
                verdict.add("duplicated", "fluent", order_id, f"transaction {ref} {count} times")
        missing = wanted - set(have)
        if missing:
            verdict.add("lost", "fluent", order_id, f"{len(missing)} financial transaction(s)")


_VARIABLE = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27,}|\b[\w.-]*\d[\w.-]*\b")


def reason_summary(letters: Iterable[DeadLetter]) -> Counter[str]:
    """Dead letters grouped by connector, type and their error with ids and numbers blanked."""
    return Counter(
        f"{letter.connector} {letter.type}: {_VARIABLE.sub('#', (letter.last_error or '')[:160])}"
        for letter in letters
    )


def resource_id(letter: DeadLetter) -> str:
    return (letter.resource_key or "").rpartition("/")[2]
