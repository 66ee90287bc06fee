"""Query parameters: sort by any path, limit/offset bounds, withTotal, several where params ANDed."""

from __future__ import annotations

import pytest

from ctbridge.sandbox.commercetools.errors import ApiError
from ctbridge.sandbox.commercetools.querying import parse_query, run_query

ROWS = [
    {"id": "c", "key": "k3", "n": 2, "name": {"en": "Banana"}},
    {"id": "a", "key": "k1", "n": 10, "name": {"en": "Apple"}},
    {"id": "b", "key": "k2", "n": 2, "name": {"en": "Cherry"}},
    {"id": "d", "n": 1},
]


def ids(params: dict[str, list[str]]) -> list[str]:
    return [row["id"] for row in run_query(parse_query(params), ROWS)["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": ["id asc"]}, ["a", "b", "c", "d"]),
        ({"sort": ["id desc"]}, ["d", "c", "b", "a"]),
        ({"sort": ["n asc"]}, ["d", "c", "b", "a"]),
        ({"sort": ["n asc", "id desc"]}, ["d", "c", "b", "a"]),
        ({"sort": ["n asc", "id asc"]}, ["d", "b", "c", "a"]),
        ({"sort": ["name.en asc"]}, ["a", "c", "b", "d"]),
        ({"sort": ["name.en desc"]}, ["b", "c", "a", "d"]),
        ({"sort": ["id asc"], "where": ['id > "b"']}, ["c", "d"]),
        ({"sort": ["id asc"], "limit": ["2"], "offset": ["1"]}, ["b", "c"]),
        ({"where": ["n = 2", 'key = "k2"']}, ["b"]),
        ({"sort": ["id asc"], "where": ["key = :k"], "var.k": ["k3"]}, ["c"]),
    ],
)
def test_sort_where_and_paging_select_rows(params, expected) -> None:
    assert ids(params) == expected


def test_with_total_false_leaves_total_out() -> None:
    page = run_query(parse_query({"withTotal": ["false"], "limit": ["1"]}), ROWS)
    assert "total" not in page
    assert page["count"] == 1 and page["limit"] == 1 and page["offset"] == 0


def test_total_counts_all_matches_not_the_page() -> None:
    page = run_query(parse_query({"limit": ["1"], "where": ["n = 2"]}), ROWS)
    assert page["total"] == 2 and page["count"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"limit": ["501"]},
        {"limit": ["-1"]},
        {"offset": ["10001"]},
        {"limit": ["x"]},
        {"sort": ["id up"]},
        {"where": ["id ="]},
    ],
)
def test_out_of_range_or_malformed_parameters_are_invalid_input(params) -> None:
    with pytest.raises(ApiError) as raised:
        parse_query(params)
    assert raised.value.status == 400 and raised.value.code == "InvalidInput"
