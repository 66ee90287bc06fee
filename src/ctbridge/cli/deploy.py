"""`ctbridge deploy` / `undeploy`: one commercetools subscription per enabled connector, in place."""

from __future__ import annotations

import asyncio

import typer

from ctbridge.cli.settings_loader import configuration_errors, err, open_engine, out


def deploy_command() -> None:
    """Creates or updates (never deletes and recreates) each enabled connector's subscription,
    for exactly the message types its handlers take, and runs the connectors' own set-up.
    Refuses destinations ctbridge cannot consume (Azure Service Bus, Confluent Cloud)."""
    from ctbridge.commercetools.destination_settings import (
        UNCONSUMABLE,
        UNCONSUMABLE_SENTENCE,
        load_destination,
    )
    from ctbridge.commercetools.message_resource_types import commercetools_message_types
    from ctbridge.commercetools.subscriptions import SubscriptionSpec, deploy, subscription_key

    with configuration_errors():
        destination, delivery_format = load_destination()
    if destination["type"] in UNCONSUMABLE:
        err.print(UNCONSUMABLE_SENTENCE, markup=False, highlight=False)
        raise typer.Exit(2)

    async def run() -> None:
        async with open_engine(need_commercetools=True) as engine:
            client = engine.runtime.commercetools
            for name, connector in sorted(engine.connectors.items()):
                types = commercetools_message_types(engine.registry.message_types(name))
                if types:
                    spec = SubscriptionSpec.for_message_types(
                        subscription_key(name), types, dict(destination), delivery_format
                    )
                    result = await deploy(client, spec)
                    out.print(f"{name}: subscription {spec.key} {result} ({', '.join(types)})")
                setup = getattr(connector, "deploy", None)
                if setup is not None:
                    for line in await setup():
                        out.print(f"{name}: {line}")

    asyncio.run(run())


def undeploy_command() -> None:
    """Deletes the subscriptions `deploy` created; running it again changes nothing."""
    from ctbridge.commercetools.subscriptions import subscription_key, undeploy

    async def run() -> None:
        async with open_engine(need_commercetools=True) as engine:
            for name in sorted(engine.connectors):
                removed = await undeploy(engine.runtime.commercetools, subscription_key(name))
                out.print(
                    f"{name}: subscription {subscription_key(name)} {'deleted' if removed else 'not present'}"
                )

    asyncio.run(run())
