"""`ctbridge deploy` / `undeploy` against the independent npm commercetools mock: one subscription
per enabled connector, updated in place, both commands idempotent."""

from __future__ import annotations

import httpx
from tests.cli.test_cli import ctbridge


def subscriptions(ctmock) -> list[dict]:
    token = httpx.post(
        f"{ctmock.url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": f"manage_project:{ctmock.project_key}"},
        auth=(ctmock.client_id, ctmock.client_secret),
    ).json()["access_token"]
    body = httpx.get(
        f"{ctmock.url}/{ctmock.project_key}/subscriptions",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    return body["results"]


def test_deploy_creates_then_leaves_unchanged_and_undeploy_removes_once(ctmock, tmp_path):
    ctmock.reset()
    env = {
        "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
        "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
        "CTP_PROJECT_KEY": ctmock.project_key,
        "CTP_CLIENT_ID": ctmock.client_id,
        "CTP_CLIENT_SECRET": ctmock.client_secret,
        "CTP_API_URL": ctmock.url,
        "CTP_AUTH_URL": ctmock.url,
        "CTBRIDGE_DESTINATION_TYPE": "GoogleCloudPubSub",
        "CTBRIDGE_DESTINATION_PROJECT_ID": "my-gcp-project",
        "CTBRIDGE_DESTINATION_TOPIC": "commercetools",
    }
    first = ctbridge("deploy", env=env)
    assert first.returncode == 0, first.stderr
    assert "effects: subscription ctbridge-effects created (ProductPublished)" in first.stdout
    [created] = subscriptions(ctmock)
    assert created["key"] == "ctbridge-effects"
    assert created["messages"] == [{"resourceTypeId": "product", "types": ["ProductPublished"]}]
    assert created["destination"]["topic"] == "commercetools"

    again = ctbridge("deploy", env=env)
    assert "ctbridge-effects unchanged" in again.stdout

    moved = ctbridge("deploy", env={**env, "CTBRIDGE_DESTINATION_TOPIC": "commercetools-v2"})
    assert "ctbridge-effects updated" in moved.stdout
    [updated] = subscriptions(ctmock)
    assert updated["id"] == created["id"] and updated["version"] > created["version"]
    assert updated["destination"]["topic"] == "commercetools-v2"

    assert "ctbridge-effects deleted" in ctbridge("undeploy", env=env).stdout
    assert subscriptions(ctmock) == []
    assert "ctbridge-effects not present" in ctbridge("undeploy", env=env).stdout


def test_deploy_without_a_destination_names_the_missing_variables(ctmock, tmp_path):
    result = ctbridge(
        "deploy",
        env={
            "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
            "CTBRIDGE_DESTINATION_TYPE": "SQS",
        },
    )
    assert result.returncode == 2
    assert (
        "CTBRIDGE_DESTINATION_QUEUE_URL: is required when CTBRIDGE_DESTINATION_TYPE=SQS"
        in result.stderr
    )


def test_deploy_refuses_destinations_ctbridge_cannot_consume(ctmock, tmp_path):
    ctmock.reset()
    base = {
        "CTBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
        "CTBRIDGE_CONNECTORS": "tests.engine.effects_worker:EffectsConnector",
        "CTP_PROJECT_KEY": ctmock.project_key,
        "CTP_CLIENT_ID": ctmock.client_id,
        "CTP_CLIENT_SECRET": ctmock.client_secret,
        "CTP_API_URL": ctmock.url,
        "CTP_AUTH_URL": ctmock.url,
    }
    for destination in (
        {
            "CTBRIDGE_DESTINATION_TYPE": "AzureServiceBus",
            "CTBRIDGE_DESTINATION_CONNECTION_STRING": "Endpoint=sb://x/;SharedAccessKey=k",
        },
        {
            "CTBRIDGE_DESTINATION_TYPE": "ConfluentCloud",
            "CTBRIDGE_DESTINATION_BOOTSTRAP_SERVER": "b:9092",
            "CTBRIDGE_DESTINATION_API_KEY": "k",
            "CTBRIDGE_DESTINATION_API_SECRET": "s",
            "CTBRIDGE_DESTINATION_TOPIC": "t",
        },
    ):
        result = ctbridge("deploy", env={**base, **destination})
        assert result.returncode == 2
        assert "Azure Service Bus and Confluent Cloud (Kafka) destinations cannot be consumed" in (
            result.stderr
        )
        assert subscriptions(ctmock) == []
