"""Catalog ingestion: ctbridge vs the reference connector's strategy, same emulators, same run.

N products x 3 variants go through ctbridge's HTTP trigger to the Fluent emulator; then the
reference connector's strategy (bench/fluent_reference.py: one call at a time, 300 ms apart)
sends a sample of the same catalogue to the same emulator. Both rates are measured; the ratio
is ctbridge's products per second over the reference's. Each scenario runs without latency and
with `--latency-ms` per Fluent call (a realistic round trip), since concurrency that looks free
at 0 ms is what wins at 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from functools import partial

import httpx

from ctbridge.connectors.fluent.config import FluentSettings
from ctbridge.connectors.fluent.connector import FluentConnector
from ctbridge.host import Engine
from ctbridge.sandbox.commercetools import CommercetoolsEmulator
from ctbridge.sandbox.fluent import FluentEmulator
from ctbridge.sandbox.server import BackgroundServer
from ctbridge.settings import CommercetoolsSettings, EngineSettings
from ctbridge.web.app import create_app

try:
    from bench.fluent_reference import reference_ingest
except ModuleNotFoundError:  # run as a script: bench/ is on sys.path
    from fluent_reference import reference_ingest

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


def scenario(args: argparse.Namespace, latency_ms: float) -> dict[str, float]:
    """Both strategies against fresh emulators whose every Fluent call takes `latency_ms`."""
    ct = CommercetoolsEmulator()
    fluent = FluentEmulator(latency_ms=latency_ms)
    with BackgroundServer(ct.app) as ct_server, BackgroundServer(fluent.app) as fluent_server:
        seed(ct, args.products)
        result = asyncio.run(
            ingest(ct_server.url, fluent, fluent_server.url, args.concurrency, args.timeout)
        )
        fluent.wait_for_events(120)
        calls = fluent.requests["event/sync"] + fluent.requests["event/async"]
        products = sum(1 for p in fluent.entities("PRODUCT") if p["type"] == "STANDARD")
        reference = asyncio.run(
            reference_ingest(
                ct_url=ct_server.url,
                ct_project=ct.project_key,
                ct_credentials=(ct.client_id, ct.client_secret),
                fluent_url=fluent_server.url,
                fluent_form={
                    "client_id": fluent.client_id,
                    "client_secret": fluent.client_secret,
                    "username": fluent.username,
                    "password": fluent.password,
                    "grant_type": "password",
                    "scope": "api",
                },
                catalogue_ref="PC:MASTER:1",
                retailer_id="1",
                max_products=args.reference_products,
            )
        )
    ours = products / result["elapsed"]
    theirs = reference["products"] / reference["seconds"]
    print(
        f"[latency {latency_ms:g} ms] ctbridge: job {result['status']}, {products} products "
        f"({calls} Fluent event calls) in {result['elapsed']:.2f} s = {ours:.1f} products/s"
    )
    print(
        f"[latency {latency_ms:g} ms] reference strategy: {reference['products']} products "
        f"({reference['fluent_calls']} Fluent calls, {reference['ct_calls']} ct calls) in "
        f"{reference['seconds']:.2f} s = {theirs:.2f} products/s; "
        f"{args.products} products would take {args.products / theirs:.0f} s"
    )
    print(f"[latency {latency_ms:g} ms] measured ratio ctbridge/reference = {ours / theirs:.1f}x")
    return {
        "seconds": result["elapsed"],
        "calls": calls,
        "products_per_s": ours,
        "reference_products_per_s": theirs,
        "ratio": ours / theirs,
        "ok": float(result["status"] == "succeeded" and products == args.products),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--reference-products",
        type=int,
        default=10,
        help="products the reference strategy sends (4 calls each, 300 ms apart)",
    )
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per Fluent call")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    figures = {}
    for latency in dict.fromkeys((0.0, args.latency_ms)):
        figures[latency] = scenario(args, latency)
    pairs = [f"products={args.products}", f"reference_products={args.reference_products}"]
    for latency, f in figures.items():
        tag = f"{latency:g}ms"
        pairs += [
            f"seconds_{tag}={f['seconds']:.2f}",
            f"calls_{tag}={f['calls']}",
            f"products_per_s_{tag}={f['products_per_s']:.1f}",
            f"reference_products_per_s_{tag}={f['reference_products_per_s']:.2f}",
            f"ratio_vs_reference_{tag}={f['ratio']:.1f}",
            f"complete_{tag}={int(f['ok'])}",
        ]
    print(" ".join(pairs))


if __name__ == "__main__":
    main()
