"""JSON bodies: exact Decimal amounts, and what orjson refuses still read as the stdlib would."""

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctbridge.http import json_body
from ctbridge.http.tls import shared_tls_context


def test_decimal_amounts_are_written_exactly():
    assert json_body.encode({"price": Decimal("0.05"), "jpy": Decimal("1234"), "ok": True}) == (
        b'{"price":0.05,"jpy":1234,"ok":true}'
    )


def test_a_decimal_that_is_not_a_number_is_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="NaN cannot be written"):
        json_body.encode({"price": Decimal("NaN")})


def test_sorted_keys_give_one_text_per_value():
    assert json_body.encode({"b": 1, "a": 2}, sort_keys=True) == b'{"a":2,"b":1}'


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_every_finite_decimal_reads_back_as_the_same_number(amount):
    assert json.loads(json_body.encode({"v": amount}), parse_float=Decimal)["v"] == amount


def test_every_client_shares_one_tls_context():
    assert shared_tls_context() is shared_tls_context()
