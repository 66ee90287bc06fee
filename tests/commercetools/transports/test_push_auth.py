"""`/events` with credentials configured: the events token and Pub/Sub OIDC tokens, over real HTTP."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from tests.commercetools.transports.keys import SigningKey, certificates_app
from tests.engine.recording import open_engine

from ctbridge.cli.serve import open_events_warning
from ctbridge.commercetools.transports.push_auth import PushAuthenticator
from ctbridge.commercetools.transports.settings import TransportSettings
from ctbridge.engine.inbox import Inbox
from ctbridge.errors import ConfigurationError
from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app

AUDIENCE = "https://ctbridge.example.com/events"
ACCOUNT = "pusher@demo.iam.gserviceaccount.com"


def message(message_id: str = "m-1") -> dict:
    return {
        "notificationType": "Message",
        "id": message_id,
        "version": 1,
        "sequenceNumber": 1,
        "resource": {"typeId": "product", "id": f"p-{message_id}"},
        "resourceVersion": 1,
        "type": "ProductPublished",
    }


@pytest.fixture
async def google_certs():
    key = SigningKey.generate("google-key")
    app = certificates_app(key)
    async with serve_in_loop(app) as url:
        yield key, f"{url}/certs", app.state.fetches


@pytest.fixture
async def token_app(sqlite_url):
    engine, made = await open_engine(sqlite_url)
    app = create_app(engine, transports=TransportSettings(events_token="s3cret-token"))
    async with serve_in_loop(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield engine, made["recorder"], client
    await engine.close()


async def test_the_events_token_is_accepted_as_query_parameter_or_bearer(token_app):
    engine, recorder, client = token_app
    by_query = await client.post("/events?token=s3cret-token", json=message("q"))
    by_bearer = await client.post(
        "/events", json=message("b"), headers={"Authorization": "Bearer s3cret-token"}
    )
    assert by_query.status_code == 202 and by_bearer.status_code == 202
    await engine.run_until_idle()
    assert sorted(m.id for m in recorder.applied) == ["b", "q"]


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/events", {}),
        ("/events?token=wrong", {}),
        ("/events?token=s3cret-toke", {}),
        ("/events", {"Authorization": "Bearer wrong"}),
        ("/events", {"Authorization": "Basic s3cret-token"}),
    ],
)
async def test_a_delivery_without_the_events_token_is_refused_and_not_stored(
    token_app, path, headers
):
    engine, recorder, client = token_app
    response = await client.post(path, json=message(), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    await engine.run_until_idle()
    assert recorder.applied == []
    assert await Inbox(engine.store).task_counts() == {}
    assert await Inbox(engine.store).rejections() == []


@pytest.fixture
async def oidc_app(sqlite_url, google_certs):
    key, certs_url, fetches = google_certs
    engine, made = await open_engine(sqlite_url)
    settings = TransportSettings(
        push_audience=AUDIENCE, push_service_account=ACCOUNT, push_certs_url=certs_url
    )
    app = create_app(engine, transports=settings)
    async with serve_in_loop(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield engine, made["recorder"], client, key, fetches
    await engine.close()


def claims(**overrides) -> dict:
    now = int(time.time())
    return {
        "iss": "https://accounts.google.com",
        "aud": AUDIENCE,
        "email": ACCOUNT,
        "email_verified": True,
        "sub": "1234567890",
        "iat": now,
        "exp": now + 3600,
        **overrides,
    }


async def test_a_pubsub_push_with_a_valid_oidc_token_is_stored(oidc_app):
    engine, recorder, client, key, fetches = oidc_app
    for i in range(3):
        response = await client.post(
            "/events",
            json=message(f"m-{i}"),
            headers={"Authorization": f"Bearer {key.id_token(**claims())}"},
        )
        assert response.status_code == 202, response.text
    await engine.run_until_idle()
    assert len(recorder.applied) == 3
    assert fetches["count"] == 1  # the certificates are cached for their max-age


def forged(**overrides):
    return lambda key: key.id_token(**claims(**overrides))


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(forged(exp=int(time.time()) - 120, iat=int(time.time()) - 4000), id="expired"),
        pytest.param(forged(aud="https://someone-else.example.com"), id="other audience"),
        pytest.param(forged(email="intruder@evil.iam.gserviceaccount.com"), id="other account"),
        pytest.param(forged(email_verified=False), id="email not verified"),
        pytest.param(forged(iss="https://evil.example.com"), id="other issuer"),
        pytest.param(
            lambda key: SigningKey.generate("google-key").id_token(**claims()),
            id="signed by another key with the same kid",
        ),
        pytest.param(
            lambda key: SigningKey.generate("unknown-kid").id_token(**claims()), id="unknown kid"
        ),
        pytest.param(lambda key: "not.a.jwt", id="garbage"),
    ],
)
async def test_a_push_with_an_invalid_oidc_token_is_refused_and_not_stored(oidc_app, make_token):
    engine, recorder, client, key, _ = oidc_app
    response = await client.post(
        "/events", json=message(), headers={"Authorization": f"Bearer {make_token(key)}"}
    )
    assert response.status_code == 401
    await engine.run_until_idle()
    assert await Inbox(engine.store).task_counts() == {}


async def test_without_credentials_configured_events_stays_open(sqlite_url):
    engine, made = await open_engine(sqlite_url)
    app = create_app(engine, transports=TransportSettings())
    async with serve_in_loop(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.post("/events", content=json.dumps(message()))).status_code == 202
    await engine.close()


def test_an_audience_without_a_service_account_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="CTBRIDGE_PUSH_SERVICE_ACCOUNT"):
        PushAuthenticator(TransportSettings(push_audience=AUDIENCE))


def test_serve_warns_in_one_line_when_events_is_open_on_a_public_interface():
    open_settings = TransportSettings()
    warning = open_events_warning("0.0.0.0", open_settings)
    assert warning is not None and "\n" not in warning and "/events" in warning
    assert open_events_warning("127.0.0.1", open_settings) is None
    assert open_events_warning("0.0.0.0", TransportSettings(events_token="t")) is None
    assert (
        open_events_warning(
            "0.0.0.0", TransportSettings(push_audience=AUDIENCE, push_service_account=ACCOUNT)
        )
        is None
    )
