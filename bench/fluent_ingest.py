"""Catalog ingestion throughput: N products x 3 variants through the HTTP trigger to the Fluent emulator."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from functools import partial

import httpx

from ctbridge.connectors.fluent.config import FluentSettings
from ctbridge.connectors.fluent.connector import FluentConnector
from ctbridge.engine.host import Engine
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.fluent import FluentEmulator
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.settings import CommercetoolsSettings, EngineSettings
from ctbridge.web.app import create_app

REFERENCE_CALLS_PER_S = 1 / 0.3  # one Fluent call every 300 ms, one at a time
SECRET = "bench-secret"


def seed(ct: CommercetoolsEmulator, products: int) -> None:
    product_type = ct.create(
        "product-types", {"name": "bench", "description": "bench", "attributes": []}
    )
    category = ct.create(
        "categories", {"key": "all", "name": {"en-US": "All"}, "slug": {"en-US": "all"}}
    )
    for n in range(products):
        ct.create(
            "products",
            {
                "key": f"p-{n}",
                "productType": {"typeId": "product-type", "id": product_type["id"]},
                "name": {"en-US": f"Product {n}"},
                "slug": {"en-US": f"p-{n}"},
                "categories": [{"typeId": "category", "id": category["id"]}],
                "masterVariant": {
                    "sku": f"p-{n}-a",
                    "prices": [{"value": {"currencyCode": "EUR", "centAmount": 1999}}],
                },
                "variants": [{"sku": f"p-{n}-b"}, {"sku": f"p-{n}-c"}],
                "publish": True,
            },
        )


async def ingest(
    ct_url: str, fluent: FluentEmulator, fluent_url: str, concurrency: int, timeout: float
) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        engine = await Engine.open(
            EngineSettings(database_url=f"sqlite:///{folder}/bench.db"),
            commercetools_settings=CommercetoolsSettings(
                project_key="sandbox",
                client_id="sandbox-client",
                client_secret="sandbox-secret",
                api_url=ct_url,
                auth_url=ct_url,
            ),
            factories={
                "fluent": partial(
                    FluentConnector,
                    settings=FluentSettings(
                        fluent_client_id=fluent.client_id,
                        fluent_client_secret=fluent.client_secret,
                        fluent_username=fluent.username,
                        fluent_password=fluent.password,
                        fluent_host=fluent_url,
                        fluent_catalogue_ref="PC:MASTER:1",
                        fluent_retailer_id="1",
                        basic_auth_secret=SECRET,
                        fluent_max_concurrency=concurrency,
                        fluent_page_size=500,
                    ),
                )
            },
        )
        try:
            transport = httpx.ASGITransport(app=create_app(engine))
            async with httpx.AsyncClient(transport=transport, base_url="http://ctbridge") as http:
                started = time.perf_counter()
                answer = await http.get(
                    "/service/fluent-catalog-ingestion", auth=("sandbox", SECRET)
                )
                run_id = answer.json()["runId"]
                deadline = time.monotonic() + timeout
                while True:
                    run = await engine.jobs.get(run_id)
                    if run.status != "running" or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.2)
                elapsed = time.perf_counter() - started
            return {
                "status": run.status,
                "elapsed": elapsed,
                "report": run.report.as_dict()["counts"],
            }
        finally:
            await engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    ct = CommercetoolsEmulator()
    fluent = FluentEmulator()
    with BackgroundServer(ct.app) as ct_server, BackgroundServer(fluent.app) as fluent_server:
        seeding = time.perf_counter()
        seed(ct, args.products)
        print(
            f"seeded {args.products} products x 3 variants in {time.perf_counter() - seeding:.1f}s"
        )
        result = asyncio.run(
            ingest(ct_server.url, fluent, fluent_server.url, args.concurrency, args.timeout)
        )
        fluent.wait_for_events(60)
    calls = fluent.requests["event/sync"] + fluent.requests["event/async"]
    rate = calls / result["elapsed"]
    products = sum(1 for p in fluent.entities("PRODUCT") if p["type"] == "STANDARD")
    print(f"job {result['status']}: {result['report']}")
    print(
        f"{calls} Fluent calls in {result['elapsed']:.1f}s; {products} standard products in Fluent"
    )
    print(
        f"products={args.products} calls={calls} seconds={result['elapsed']:.2f} "
        f"calls_per_s={rate:.1f} ratio_vs_reference={rate / REFERENCE_CALLS_PER_S:.1f} "
        f"status={result['status']}"
    )


if __name__ == "__main__":
    main()
