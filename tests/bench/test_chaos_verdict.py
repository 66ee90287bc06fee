"""How the chaos soak judges a target value: current, stale (overwritten by an older one) or lost."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from chaos_verdict import (  # noqa: E402
    Verdict,
    check_fluent_catalog,
    check_orders,
    classify,
    fluent_name_history,
)


@pytest.mark.parametrize(
    ("expected", "actual", "written", "since", "kind"),
    [
        (Decimal("10.01"), Decimal("10.01"), [], 0.0, None),
        (Decimal("10.01"), 10.01, [], 0.0, None),
        (
            Decimal("10.02"),
            Decimal("10.01"),
            [(1.0, Decimal("10.02")), (2.0, Decimal("10.01"))],
            0.0,
            "stale",
        ),
        (Decimal("10.02"), Decimal("10.01"), [(1.0, Decimal("10.01"))], 0.0, "lost"),
        (False, True, [(5.0, False), (6.0, True)], 4.0, "stale"),
        (False, True, [(1.0, False), (6.0, True)], 4.0, "lost"),
        (True, 1, [], 0.0, None),
        ("Shirt r2", "Shirt r1", [(1.0, "Shirt r1")], 0.0, "lost"),
    ],
)
def test_a_value_is_stale_only_if_the_current_one_reached_the_target_and_was_overwritten(
    expected: Any, actual: Any, written: list[tuple[float, Any]], since: float, kind: str | None
) -> None:
    assert classify(expected, actual, written, since) == kind


def _projection(key: str, name: str, skus: list[str]) -> dict[str, Any]:
    return {
        "id": f"id-{key}",
        "key": key,
        "name": {"en": name},
        "masterVariant": {"sku": skus[0]},
        "variants": [{"sku": s} for s in skus[1:]],
    }


def test_fluent_names_from_an_older_publish_are_stale_and_missing_variants_lost() -> None:
    verdict = Verdict()
    events = [
        {
            "name": "UPSERT_PRODUCT",
            "eventStatus": "COMPLETE",
            "attributes": {"ref": "P1", "name": "A r2"},
        },
        {
            "name": "UPSERT_PRODUCT",
            "eventStatus": "COMPLETE",
            "attributes": {"ref": "P1", "name": "A r1"},
        },
    ]
    products = {
        "P1": {"ref": "P1", "name": "A r1", "status": "ACTIVE"},
        "P1-a": {"ref": "P1-a", "name": "A r2", "status": "ACTIVE"},
    }
    check_fluent_catalog(
        verdict,
        [_projection("P1", "A r2", ["P1-a", "P1-b"])],
        products,
        fluent_name_history(events),
        "en-US",
    )
    assert sorted((f.kind, f.key) for f in verdict.findings) == [("lost", "P1-b"), ("stale", "P1")]


@dataclass
class Injected:
    payload: dict[str, Any] = field(default_factory=dict)


def test_orders_count_lost_and_duplicated_side_effects_dead_lettered_ones_included() -> None:
    verdict = Verdict()
    orders = [
        {"id": "o1", "paymentInfo": {"payments": [{"id": "pay1"}]}},
        {"id": "o2"},
        {"id": "o3"},
    ]
    payments = {
        "pay1": {
            "transactions": [{"id": "t1", "state": "Success"}, {"id": "t2", "state": "Failure"}]
        }
    }
    newstore = {
        "N1": Injected({"extended_attributes": [{"name": "ct_order_id", "value": "o1"}]}),
        "N1b": Injected({"extended_attributes": [{"name": "ct_order_id", "value": "o1"}]}),
    }
    fluent_orders = [{"id": "10", "ref": "HD_o1"}, {"id": "11", "ref": "HD_o2"}]
    check_orders(
        verdict,
        orders,
        payments,
        newstore,
        fluent_orders,
        [],
    )
    assert sorted((f.kind, f.target, f.key) for f in verdict.findings) == [
        ("duplicated", "newstore", "o1"),
        ("lost", "fluent", "o1"),
        ("lost", "fluent", "o3"),
        ("lost", "newstore", "o2"),
        ("lost", "newstore", "o3"),
    ]
