"""The Fluent client: password-grant token cached and refreshed, GraphQL errors always raised."""

import pytest

from ctbridge.connectors.fluent.client import operations
from ctbridge.connectors.fluent.client.auth import FluentCredentials
from ctbridge.connectors.fluent.client.errors import (
    FluentAuthError,
    FluentDuplicateRef,
    FluentGraphQLPermanent,
    FluentGraphQLRetryable,
    FluentNoMatch,
    FluentRateLimited,
    FluentServerError,
    FluentWorkflowFailed,
)
from ctbridge.connectors.fluent.client.fluent_client import FluentClient, graphql_error
from ctbridge.errors import Permanent, Retryable


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_client(fluent, **options) -> FluentClient:
    credentials = FluentCredentials(
        fluent.client_id, fluent.client_secret, fluent.username, fluent.password
    )
    return FluentClient(
        host=fluent.url, credentials=credentials, timeout=3.0, max_retries=2, **options
    )


CUSTOMER = {
    "username": "c@x.io",
    "primaryEmail": "c@x.io",
    "promotionOptIn": False,
    "retailer": {"id": 1},
}


async def test_one_token_is_fetched_and_reused(fluent):
    client = make_client(fluent)
    for _ in range(3):
        await client.graphql(operations.FIND_CUSTOMER, {"ref": "nobody"})
    assert fluent.requests["token"] == 1
    await client.aclose()


async def test_a_24_hour_token_is_refreshed_once_fluent_says_it_expired(fluent):
    client = make_client(fluent)
    await client.graphql(operations.FIND_CUSTOMER, {"ref": "nobody"})
    fluent.advance_clock(86_400)  # the reference connector would now fail every call with 401
    assert await client.graphql(operations.FIND_CUSTOMER, {"ref": "nobody"}) == {"customer": None}
    assert fluent.requests["token"] == 2
    await client.aclose()


async def test_the_token_is_refreshed_before_it_expires_by_our_own_clock(fluent):
    clock = Clock()
    client = make_client(fluent, clock=clock)
    await client.graphql(operations.FIND_CUSTOMER, {"ref": "nobody"})
    clock.now = 86_386 - 60  # within the refresh margin
    await client.graphql(operations.FIND_CUSTOMER, {"ref": "nobody"})
    assert fluent.requests["token"] == 2
    await client.aclose()


async def test_refused_credentials_are_permanent(fluent):
    credentials = FluentCredentials(
        fluent.client_id, fluent.client_secret, fluent.username, "wrong"
    )
    client = FluentClient(host=fluent.url, credentials=credentials, timeout=3.0)
    with pytest.raises(FluentAuthError) as raised:
        await client.graphql(operations.FIND_CUSTOMER, {"ref": "x"})
    assert isinstance(raised.value, Permanent)
    await client.aclose()


async def test_graphql_errors_in_an_http_200_are_raised_and_duplicates_told_apart(fluent):
    client = make_client(fluent)
    with pytest.raises(FluentGraphQLPermanent):
        await client.graphql(
            operations.CREATE_CUSTOMER, {"input": {**CUSTOMER, "primaryEmail": None}}
        )
    await client.graphql(operations.CREATE_CUSTOMER, {"input": CUSTOMER})
    with pytest.raises(FluentDuplicateRef):
        await client.graphql(operations.CREATE_CUSTOMER, {"input": CUSTOMER})
    await client.aclose()


@pytest.mark.parametrize(
    ("errors", "kind"),
    [
        ([{"message": "boom", "extensions": {"code": "S0001E"}}], FluentGraphQLRetryable),
        ([{"message": "no", "extensions": {"code": "C0020E"}}], FluentGraphQLPermanent),
        (
            [{"message": "bad", "extensions": {"classification": "ValidationError"}}],
            FluentGraphQLPermanent,
        ),
        ([{"message": "Exception while fetching data"}], FluentGraphQLRetryable),
        ([{"message": "Order with ref 'HD_1' already exists"}], FluentDuplicateRef),
    ],
)
def test_graphql_errors_are_classified_retryable_or_permanent(errors, kind):
    error = graphql_error(errors, None)
    assert type(error) is kind
    assert isinstance(error, Retryable) != isinstance(error, Permanent)


async def test_server_errors_on_reads_are_retried_then_raised(fluent):
    client = make_client(fluent)
    await client.graphql(operations.FIND_CUSTOMER, {"ref": "warm-up"})
    fluent.faults.configure(fail_next=1, error_status=503, paths=["/graphql"])
    assert await client.graphql(operations.FIND_CUSTOMER, {"ref": "x"}) == {"customer": None}
    fluent.faults.configure(fail_next=10, error_status=503, paths=["/graphql"])
    with pytest.raises(FluentServerError):
        await client.graphql(operations.FIND_CUSTOMER, {"ref": "x"})
    await client.aclose()


async def test_a_mutation_answered_503_is_not_blindly_repeated(fluent):
    client = make_client(fluent)
    await client.graphql(operations.FIND_CUSTOMER, {"ref": "warm-up"})
    fluent.faults.configure(fail_next=1, error_status=503, paths=["/graphql"])
    with pytest.raises(FluentServerError):
        await client.graphql(operations.CREATE_CUSTOMER, {"input": CUSTOMER}, idempotent=False)
    await client.aclose()


async def test_sync_events_that_fail_are_retryable_and_unmatched_ones_permanent(fluent):
    client = make_client(fluent)
    event = {
        "name": "UPSERT_PRODUCT",
        "retailerId": "1",
        "entityType": "PRODUCT_CATALOGUE",
        "entitySubtype": "MASTER",
        "entityRef": "PC:MASTER:1",
        "attributes": {
            "ref": "v",
            "type": "VARIANT",
            "name": "v",
            "gtin": "1",
            "standardProductRef": "missing",
        },
    }
    with pytest.raises(FluentWorkflowFailed):
        await client.send_event(event, sync=True)
    with pytest.raises(FluentNoMatch):
        await client.send_event({**event, "name": "SOMETHING_ELSE"}, sync=True)
    await client.aclose()


async def test_a_long_retry_after_is_handed_to_the_worker_not_slept(fluent):
    # Before the shared HTTP layer this client slept min(Retry-After, 30 s) per retry.
    client = make_client(fluent)
    await client.graphql(operations.FIND_CUSTOMER, {"ref": "warm-up"})
    fluent.faults.configure(throttle_next=5, retry_after=120, paths=["/graphql"])
    with pytest.raises(FluentRateLimited) as raised:
        await client.graphql(operations.FIND_CUSTOMER, {"ref": "x"})
    assert raised.value.retry_after == 120
    assert fluent.faults.injected["throttled"] == 1
    await client.aclose()
