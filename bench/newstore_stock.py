"""NewStore ATP → commercetools inventory at scale: N skus × 3 nodes reconciled by the stock-sync job.

Both emulators run in a child process (seeded there directly, before timing) so their CPU does
not compete with ctbridge's. Only entries whose availableQuantity differs from the ATP are
written; the last line is `key=value` pairs including `seconds=`, `changed=` and `written=`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from functools import partial
from multiprocessing.connection import Connection

from ctbridge.connectors.newstore.config import NewStoreSettings
from ctbridge.connectors.newstore.connector import NewStoreConnector
from ctbridge.engine.host import Engine
from ctbridge.settings import CommercetoolsSettings, EngineSettings


def atp(n: int) -> int:
    return 3 + n % 47


def serve_emulators(skus: int, nodes: int, changed_every: int, channel: Connection) -> None:
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator
    from ctbridge.sandbox.newstore import NewStoreEmulator
    from ctbridge.sandbox.server import BackgroundServer

    started = time.perf_counter()
    ct = CommercetoolsEmulator()
    newstore = NewStoreEmulator()
    for n in range(skus):
        sku = f"SKU-{n:07}"
        total = atp(n)
        for node in range(nodes):
            share = total // nodes + (1 if node < total % nodes else 0)
            newstore.set_stock(sku, f"DC{node}", share)
        drift = 1 if changed_every and n % changed_every == 0 else 0
        ct.create("inventory", {"sku": sku, "quantityOnStock": total + drift})
    seeded = time.perf_counter() - started
    with BackgroundServer(ct.app) as ct_server, BackgroundServer(newstore.app) as ns_server:
        channel.send(
            (ct_server.url, ns_server.url, newstore.client_id, newstore.client_secret, seeded)
        )
        channel.recv()


async def reconcile(
    args: argparse.Namespace, ct_url: str, ns_url: str, client: tuple[str, str]
) -> dict:
    with tempfile.TemporaryDirectory(prefix="ctbridge-bench-") as folder:
        settings = NewStoreSettings(
            base_url=ns_url,
            shop="bench",
            client_id=client[0],
            client_secret=client[1],
            token_url=f"{ns_url}/auth/realms/sandbox/protocol/openid-connect/token",
            stock_source="stocked_products",
            stock_concurrency=args.concurrency,
            create_missing="never",
            _env_file=None,
        )
        engine = await Engine.open(
            EngineSettings(database_url=f"sqlite:///{folder}/bench.db", _env_file=None),
            commercetools_settings=CommercetoolsSettings(
                project_key="sandbox",
                client_id="sandbox-client",
                client_secret="sandbox-secret",
                api_url=ct_url,
                auth_url=ct_url,
                _env_file=None,
            ),
            factories={"newstore": partial(NewStoreConnector, settings=settings)},
        )
        try:
            started = time.perf_counter()
            run = await engine.run_job("newstore.stock-sync")
            seconds = time.perf_counter() - started
            phases = engine.connectors["newstore"].stock.phase_seconds
        finally:
            await engine.close()
    counts = run.report.counts
    return {
        "status": run.status,
        "error": run.error,
        "seconds": round(seconds, 2),
        "rows": counts["rows_read"],
        "changed": counts["updated"] + counts["created"] + counts["zeroed"],
        "written": counts["written"],
        "unchanged": counts["unchanged"],
        "failed": counts["failed"],
        **{f"{name}_seconds": round(value, 2) for name, value in phases.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument(
        "--changed-every", type=int, default=10, help="every Nth sku differs in commercetools"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(
        target=serve_emulators, args=(args.skus, args.nodes, args.changed_every, theirs)
    )
    child.start()
    try:
        ct_url, ns_url, client_id, client_secret, seeded = ours.recv()
        print(
            f"seeded {args.skus} inventory entries and {args.skus * args.nodes} stock rows "
            f"in {seeded:.1f} s"
        )
        result = asyncio.run(reconcile(args, ct_url, ns_url, (client_id, client_secret)))
    finally:
        ours.send("stop")
        child.join(30)
        if child.is_alive():
            child.terminate()
    if result["status"] != "succeeded":
        print(f"the run failed: {result['error']}")
    expected = len(range(0, args.skus, args.changed_every)) if args.changed_every else 0
    print(
        f"{result['rows']} NewStore rows, {args.skus} commercetools entries: "
        f"{result['changed']} changed (expected {expected}), {result['written']} written, "
        f"{result['unchanged']} unchanged in {result['seconds']} s ({result['status']})"
    )
    print(
        " ".join(
            f"{key}={value}"
            for key, value in {
                "skus": args.skus,
                "nodes": args.nodes,
                **{k: v for k, v in result.items() if k != "error"},
                "expected_changed": expected,
            }.items()
        )
    )


if __name__ == "__main__":
    main()
