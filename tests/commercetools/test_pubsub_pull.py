"""The Pub/Sub pull consumer against Google's Pub/Sub emulator (shipped with gcloud)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
from tests.engine.recording import open_engine

from ctbridge.commercetools.delivery_intake import DeliveryIntake
from ctbridge.commercetools.pubsub_pull import PubSubPullConsumer
from ctbridge.engine.inbox import Inbox
from ctbridge.engine.intake import IntakeWriter
from ctbridge.sandbox.server import free_port

PROJECT = "ctbridge-test"


@pytest.fixture(scope="module")
def pubsub_emulator(tmp_path_factory) -> Iterator[str]:
    """Starts `gcloud beta emulators pubsub start` on 127.0.0.1; fails when it cannot."""
    gcloud = shutil.which("gcloud")
    assert gcloud, "gcloud (with the Pub/Sub emulator) is required for this test"
    port = free_port()
    log_path = tmp_path_factory.mktemp("pubsub") / "emulator.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            gcloud,
            "beta",
            "emulators",
            "pubsub",
            "start",
            f"--host-port=127.0.0.1:{port}",
            f"--project={PROJECT}",
            f"--data-dir={log_path.parent}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if httpx.get(url, timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (
                "the Pub/Sub emulator exited: " + log_path.read_text(errors="replace")[-2000:]
            )
            assert time.monotonic() < deadline, "the Pub/Sub emulator did not start in 90 s"
            time.sleep(0.5)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        log.close()


def message(i: int) -> dict:
    return {
        "notificationType": "Message",
        "id": f"pull-{i}",
        "version": 1,
        "sequenceNumber": 1,
        "resource": {"typeId": "product", "id": f"p{i}"},
        "resourceVersion": 1,
        "type": "ProductPublished",
    }


async def test_pulled_messages_are_stored_acknowledged_and_handled_once(
    pubsub_emulator, sqlite_url
):
    topic = f"projects/{PROJECT}/topics/ct-{time.monotonic_ns()}"
    subscription = f"projects/{PROJECT}/subscriptions/ct-{time.monotonic_ns()}"
    async with httpx.AsyncClient(base_url=pubsub_emulator, timeout=10) as api:
        assert (await api.put(f"/v1/{topic}")).status_code == 200
        assert (
            await api.put(f"/v1/{subscription}", json={"topic": topic, "ackDeadlineSeconds": 10})
        ).status_code == 200
        bodies = [json.dumps(message(i)).encode() for i in range(30)]
        bodies.append(json.dumps(message(0)).encode())  # a duplicate
        bodies.append(b"{not json")  # unusable: recorded and acknowledged, never redelivered
        published = await api.post(
            f"/v1/{topic}:publish",
            json={"messages": [{"data": base64.b64encode(b).decode()} for b in bodies]},
        )
        assert published.status_code == 200

    engine, made = await open_engine(sqlite_url)
    inbox = Inbox(engine.store)
    writer = IntakeWriter(inbox)
    consumer = PubSubPullConsumer(
        subscription, DeliveryIntake(engine.registry, inbox, writer), endpoint=pubsub_emulator
    )
    try:
        deadline = time.monotonic() + 30
        while consumer.acknowledged < len(bodies) and time.monotonic() < deadline:
            await consumer.pull_once()
        assert consumer.acknowledged == len(bodies)
        await engine.run_until_idle()
        assert sorted(m.id for m in made["recorder"].applied) == sorted(
            f"pull-{i}" for i in range(30)
        )
        assert [r["reason"] for r in await inbox.rejections()] == ["body is not JSON"]
    finally:
        await writer.close()
        await consumer.aclose()
        await engine.close()


def test_a_subscription_name_must_be_fully_qualified():
    with pytest.raises(ValueError, match="projects/"):
        PubSubPullConsumer("ctbridge", intake=None)  # type: ignore[arg-type]


async def test_commercetools_to_pubsub_to_ctbridge_end_to_end(pubsub_emulator, sqlite_url):
    """The emulator publishes a subscription's messages to the real Pub/Sub emulator's topic;
    the pull consumer takes them into the inbox: the whole pull path with no stand-ins."""
    from ctbridge.commercetools.client import CommercetoolsClient
    from ctbridge.commercetools.subscriptions import SubscriptionSpec, deploy
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator
    from ctbridge.sandbox.server import BackgroundServer

    suffix = time.monotonic_ns()
    topic_name = f"commercetools-{suffix}"
    subscription = f"projects/{PROJECT}/subscriptions/ctbridge-{suffix}"
    async with httpx.AsyncClient(base_url=pubsub_emulator, timeout=10) as api:
        assert (await api.put(f"/v1/projects/{PROJECT}/topics/{topic_name}")).status_code == 200
        created = await api.put(
            f"/v1/{subscription}", json={"topic": f"projects/{PROJECT}/topics/{topic_name}"}
        )
        assert created.status_code == 200

    emulator = CommercetoolsEmulator(
        "shop", "client", "secret", pubsub_emulator_url=pubsub_emulator
    )
    engine, made = await open_engine(sqlite_url)
    inbox = Inbox(engine.store)
    writer = IntakeWriter(inbox)
    consumer = PubSubPullConsumer(
        subscription, DeliveryIntake(engine.registry, inbox, writer), endpoint=pubsub_emulator
    )
    try:
        with BackgroundServer(emulator.app) as server:
            client = CommercetoolsClient(
                project_key="shop",
                client_id="client",
                client_secret="secret",
                api_url=server.url,
                auth_url=server.url,
                scopes=["manage_project:shop"],
            )
            destination = {"type": "GoogleCloudPubSub", "projectId": PROJECT, "topic": topic_name}
            spec = SubscriptionSpec.for_message_types(
                "ctbridge-recorder", ["ProductPublished"], destination
            )
            assert await deploy(client, spec) == "created"
            await client.create(
                "product-types", {"key": "default", "name": "Default", "description": "plain"}
            )
            product = await client.create(
                "products",
                {
                    "productType": {"typeId": "product-type", "key": "default"},
                    "name": {"en": "Mug"},
                    "slug": {"en": f"mug-{suffix}"},
                    "masterVariant": {"sku": f"MUG-{suffix}"},
                },
            )
            await client.update("products", product["id"], lambda current: [{"action": "publish"}])
            await client.aclose()
            assert emulator.wait_for_deliveries(20)
        deadline = time.monotonic() + 30
        while not made["recorder"].applied and time.monotonic() < deadline:
            await consumer.pull_once()
            await engine.run_until_idle()
        [applied] = made["recorder"].applied
        assert applied.type == "ProductPublished" and applied.resource_id == product["id"]
        assert applied.payload["productProjection"]["masterVariant"]["sku"] == f"MUG-{suffix}"
    finally:
        await writer.close()
        await consumer.aclose()
        await engine.close()
