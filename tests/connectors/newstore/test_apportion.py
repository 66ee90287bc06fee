"""Largest-remainder apportioning: parts always sum to the total, deterministically."""

from hypothesis import given
from hypothesis import strategies as st

from ctbridge.connectors.newstore.apportion import apportion, split_evenly


def test_an_even_split_gives_the_remainder_to_the_first_parts():
    assert split_evenly(100, 3) == [34, 33, 33]
    assert split_evenly(319, 2) == [160, 159]


def test_parts_follow_the_weights():
    assert apportion(100, [1, 1, 2]) == [25, 25, 50]
    assert apportion(10, [3, 3, 3]) == [4, 3, 3]
    assert apportion(7, [0, 5, 0]) == [0, 7, 0]


def test_without_positive_weights_the_total_is_split_evenly():
    assert apportion(5, [0, 0]) == [3, 2]


def test_a_negative_total_is_split_like_its_absolute_value():
    assert apportion(-5, [1, 1]) == [-3, -2]


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=40))
def test_parts_always_sum_exactly_to_the_total(total, weights):
    parts = apportion(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)


@given(st.integers(0, 10**6), st.lists(st.integers(1, 10**5), min_size=1, max_size=40))
def test_no_part_strays_more_than_one_unit_from_its_exact_share(total, weights):
    whole = sum(weights)
    for part, weight in zip(apportion(total, weights), weights):
        assert abs(part * whole - total * weight) < whole
