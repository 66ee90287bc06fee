"""Delta windows start at the stored previousEndDate; a manual range never moves it."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ctbridge.connectors.fluent.to_commercetools.order_lookup import OrderKey, order_key
from ctbridge.connectors.fluent.to_commercetools.sync_window import (
    SyncWindow,
    WindowInvalid,
    finished_checkpoint,
    sync_window,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_the_first_run_reads_from_the_beginning_or_from_fluents_own_watermark():
    assert sync_window(None, {}, NOW).start is None
    fallback = datetime(2024, 4, 1, tzinfo=UTC)
    assert sync_window(None, {}, NOW, fallback_start=fallback).start == fallback


def test_fluent_reads_the_window_as_a_utc_date_range_open_at_the_start_on_a_first_run():
    assert SyncWindow(None, NOW, manual=False).date_range() == {
        "from": None,
        "to": "2024-05-01T12:00:00.000Z",
    }
    start = datetime(2024, 5, 1, 13, 30, tzinfo=timezone(timedelta(hours=2)))
    assert SyncWindow(start, NOW, manual=True).date_range()["from"] == "2024-05-01T11:30:00.000Z"


def test_a_delta_starts_at_previous_end_less_the_overlap_and_ends_now():
    window = sync_window(
        {"previousEndDate": "2024-05-01T11:50:00.000Z"}, {}, NOW, overlap=timedelta(seconds=60)
    )
    assert (window.start, window.end, window.manual) == (
        datetime(2024, 5, 1, 11, 49, tzinfo=UTC),
        NOW,
        False,
    )


def test_a_manual_range_is_used_as_given_and_a_naive_time_is_utc():
    window = sync_window(
        {"previousEndDate": "2024-05-01T11:50:00Z"},
        {"from": "2024-01-01T00:00:00", "to": "2024-02-01T00:00:00Z"},
        NOW,
    )
    assert window.start == datetime(2024, 1, 1, tzinfo=UTC)
    assert window.end == datetime(2024, 2, 1, tzinfo=UTC) and window.manual


@pytest.mark.parametrize(
    "params",
    [{"from": "yesterday"}, {"from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"}],
)
def test_unreadable_or_backwards_ranges_are_refused(params):
    with pytest.raises(WindowInvalid):
        sync_window(None, params, NOW)


def test_a_finished_delta_advances_previous_end_date_and_a_manual_run_keeps_it():
    delta = sync_window({"previousEndDate": "2024-05-01T11:00:00.000Z"}, {}, NOW)
    saved = finished_checkpoint(delta, {"previousEndDate": "2024-05-01T11:00:00.000Z"}, NOW, NOW)
    assert saved["previousEndDate"] == "2024-05-01T12:00:00.000Z"
    assert saved["lastRun"]["status"] == "SUCCESSFUL"
    manual = sync_window(saved, {"full": "true"}, NOW + timedelta(hours=1))
    kept = finished_checkpoint(manual, saved, NOW, NOW)
    assert kept["previousEndDate"] == "2024-05-01T12:00:00.000Z"
    assert kept["lastRun"]["manual"] is True and kept["lastRun"]["param"]["start"] is None


@pytest.mark.parametrize(
    ("fluent_order", "expected"),
    [
        ({"ref": "HD_abc-1", "attributes": []}, OrderKey(order_id="abc-1")),
        ({"ref": "CC_abc-2"}, OrderKey(order_id="abc-2")),
        ({"ref": "WEB-1001", "attributes": []}, OrderKey(order_number="1001")),
        (
            {"ref": "anything", "attributes": [{"name": "commercetoolsOrderId", "value": "xyz"}]},
            OrderKey(order_id="xyz"),
        ),
        ({"ref": "O_123", "attributes": []}, None),
    ],
)
def test_the_ct_order_is_named_by_the_attribute_ctbridge_sets_else_by_the_ref_format(
    fluent_order, expected
):
    assert order_key(fluent_order, ["HD_{id}", "CC_{id}", "WEB-{orderNumber}"]) == expected
