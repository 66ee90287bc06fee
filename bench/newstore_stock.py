"""NewStore ATP → commercetools inventory: N skus × M nodes reconciled by the stock-sync job.

Both emulators run in a child process (seeded there directly, before timing) so their CPU does
not compete with ctbridge's; the child counts the calls that reach commercetools. Every sku in
`--changed-every` differs in commercetools and is put back before each timed run, so each run
has the same work. The job runs without latency and with `--latency-ms` on every emulator call.
Up to `--reference-max` skus, the reference connector's strategy (reproduced from its facts in
shared/reference/newstore.md §2–§3: stocked products 100 a page, one inventory read 100 a page
sorted by id desc, then one update per changed sku, strictly in sequence) runs on the same
state for comparison. Each configuration runs `--repeat` times and the fastest run counts, for
both strategies alike (the medians are printed too); each ctbridge run opens a fresh engine
(`seconds`, a cold start, as `ctbridge run-job` does), and `warm_seconds` is the fastest of the
runs after the first on one engine (as `ctbridge serve`'s scheduler runs the job every few
minutes); the reference's `reference_warm_seconds` likewise is its steady state (one process,
its commercetools token cached; see `run_reference`). ctbridge logs as it does deployed (JSON
lines on stderr). `rss_mb` is this process's peak resident memory after ctbridge's runs.
The last line is `key=value` pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import statistics
import tempfile
import time
from collections import Counter
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

import httpx

from ctbridge import logs
from ctbridge.connectors.newstore.config import NewStoreSettings
from ctbridge.connectors.newstore.connector import NewStoreConnector
from ctbridge.host import Engine
from ctbridge.settings import CommercetoolsSettings, EngineSettings


def atp(n: int) -> int:
    return 3 + n % 47


def sku(n: int) -> str:
    return f"SKU-{n:07}"


class CallCounter:
    """ASGI wrapper that counts commercetools calls other than token requests."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: Counter[str] = Counter()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/oauth"):
            self.calls[scope["method"]] += 1
        await self.app(scope, receive, send)


def serve_emulators(skus: int, nodes: int, changed_every: int, channel: Connection) -> None:
    from ctbridge.sandbox.commercetools import CommercetoolsEmulator
    from ctbridge.sandbox.newstore import NewStoreEmulator
    from ctbridge.sandbox.server import BackgroundServer

    started = time.perf_counter()
    ct = CommercetoolsEmulator()
    newstore = NewStoreEmulator()
    drifted: list[tuple[str, int]] = []
    for n in range(skus):
        total = atp(n)
        for node in range(nodes):
            share = total // nodes + (1 if node < total % nodes else 0)
            newstore.set_stock(sku(n), f"DC{node}", share)
        drift = 1 if changed_every and n % changed_every == 0 else 0
        entry = ct.create("inventory", {"sku": sku(n), "quantityOnStock": total + drift})
        if drift:
            drifted.append((entry["id"], total + drift))
    seeded = time.perf_counter() - started
    counter = CallCounter(ct.app)
    with BackgroundServer(counter) as ct_server, BackgroundServer(newstore.app) as ns_server:
        channel.send(
            (
                ct_server.url,
                ns_server.url,
                newstore.client_id,
                newstore.client_secret,
                newstore.username,
                newstore.password,
                seeded,
            )
        )
        while (command := channel.recv()) != "stop":
            name, value = command
            if name == "latency":
                ct.faults.plan.latency_ms = value
                newstore.faults.plan.latency_ms = value
                channel.send(None)
            elif name == "drift":
                # Puts every drifted entry back to its drifted quantity (the same work each run).
                for entry_id, quantity in drifted:
                    current = ct.get("inventory", entry_id)
                    if current["quantityOnStock"] != quantity:
                        ct.update(
                            "inventory",
                            entry_id,
                            [{"action": "changeQuantity", "quantity": quantity}],
                        )
                counter.calls.clear()
                channel.send(None)
            elif name == "calls":
                channel.send(dict(counter.calls))


async def run_ctbridge(
    args: argparse.Namespace, urls: dict[str, str], between_runs: Any = None, runs: int = 1
) -> list[dict[str, Any]]:
    """`runs` runs of the job on one engine (as `ctbridge serve`'s scheduler runs it), each
    after `between_runs()`; the first is the cold run of a freshly opened engine."""
    results = []
    with tempfile.TemporaryDirectory(prefix="ctbridge-bench-") as folder:
        settings = NewStoreSettings(
            base_url=urls["newstore"],
            shop="bench",
            client_id=urls["client_id"],
            client_secret=urls["client_secret"],
            token_url=f"{urls['newstore']}/auth/realms/sandbox/protocol/openid-connect/token",
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
                api_url=urls["ct"],
                auth_url=urls["ct"],
                _env_file=None,
            ),
            factories={"newstore": partial(NewStoreConnector, settings=settings)},
        )
        try:
            for _ in range(runs):
                if between_runs is not None:
                    between_runs()
                started = time.perf_counter()
                run = await engine.run_job("newstore.stock-sync")
                seconds = time.perf_counter() - started
                counts = run.report.counts
                if run.status != "succeeded":
                    print(f"the ctbridge run failed: {run.error}")
                results.append(
                    {
                        "seconds": round(seconds, 3),
                        "changed": counts["updated"] + counts["created"] + counts["zeroed"],
                        "written": counts["written"],
                        "failed": counts["failed"],
                    }
                )
        finally:
            await engine.close()
    return results


async def run_reference(
    urls: dict[str, str], between_runs: Any = None, runs: int = 1
) -> list[dict[str, Any]]:
    """`runs` runs of the reference connector's calls, in its order: nothing in parallel, 100 a
    page. As its job app does (shared/reference/newstore.md §2, §6), one process serves every
    run: its HTTP client and its commercetools client (the SDK's middleware, which caches the
    token for the process) are made once, and each run fetches a new NewStore token. The client
    is built before the clock starts, as ctbridge's are built when the engine opens; the first
    run fetches the commercetools token too (a cold start)."""
    results = []
    async with httpx.AsyncClient(timeout=60) as http:
        ct_token: list[str] = []  # the SDK's token cache
        for _ in range(runs):
            if between_runs is not None:
                between_runs()
            results.append(await _reference_run(http, urls, ct_token))
    return results


async def _reference_run(
    http: httpx.AsyncClient, urls: dict[str, str], ct_token: list[str]
) -> dict[str, Any]:
    started = time.perf_counter()
    token = (
        await http.post(
            f"{urls['newstore']}/v0/token",
            json={
                "grant_type": "password",
                "username": urls["username"],
                "password": urls["password"],
            },
        )
    ).json()
    ns_headers = {"Authorization": f"{token['token_type']} {token['access_token']}"}
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = (
            await http.get(
                f"{urls['newstore']}/_/v0/hq/stocked_products",
                params={"limit": 100, "offset": offset},
                headers=ns_headers,
            )
        ).json()
        rows += page["items"]
        offset += len(page["items"])
        if not page["items"] or offset >= page["pagination_info"]["total"]:
            break
    if not ct_token:
        response = await http.post(
            f"{urls['ct']}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("sandbox-client", "sandbox-secret"),
        )
        ct_token.append(response.json()["access_token"])
    ct_headers = {"Authorization": f"Bearer {ct_token[0]}"}
    entries: list[dict[str, Any]] = []
    where = "supplyChannel is not defined"
    while True:
        page = (
            await http.get(
                f"{urls['ct']}/sandbox/inventory",
                params={"where": where, "sort": "id desc", "limit": 100},
                headers=ct_headers,
            )
        ).json()
        entries += page["results"]
        if not page["results"] or page["count"] == page["total"]:
            break
        where = f'id < "{page["results"][-1]["id"]}" and (supplyChannel is not defined)'
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["sku"]] = totals.get(row["sku"], 0) + row["atp"]
    updated = 0
    for code, quantity in totals.items():
        entry = next((e for e in entries if e["sku"] == code), None)
        if entry is not None and entry["availableQuantity"] != quantity:
            response = await http.post(
                f"{urls['ct']}/sandbox/inventory/{entry['id']}",
                json={
                    "version": entry["version"],
                    "actions": [{"action": "changeQuantity", "quantity": quantity}],
                },
                headers=ct_headers,
            )
            response.raise_for_status()
            updated += 1

    return {"seconds": round(time.perf_counter() - started, 3), "changed": updated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument(
        "--changed-every", type=int, default=10, help="every Nth sku differs in commercetools"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="NEW_STORE_STOCK_CONCURRENCY")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--reference-max", type=int, default=2000)
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs per configuration; the fastest counts"
    )
    args = parser.parse_args()
    logs.configure("INFO", "json")  # as ctbridge runs deployed: JSON lines on stderr

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(
        target=serve_emulators, args=(args.skus, args.nodes, args.changed_every, theirs)
    )
    child.start()

    def ask(command: Any) -> Any:
        ours.send(command)
        return ours.recv()

    figures: dict[str, Any] = {"skus": args.skus, "nodes": args.nodes}
    try:
        ct_url, ns_url, client_id, client_secret, username, password, seeded = ours.recv()
        urls = {
            "ct": ct_url,
            "newstore": ns_url,
            "client_id": client_id,
            "client_secret": client_secret,
            "username": username,
            "password": password,
        }
        print(
            f"seeded {args.skus} inventory entries and {args.skus * args.nodes} stock rows "
            f"in {seeded:.1f} s"
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for label, latency in (("", 0.0), ("_latency", args.latency_ms)):
            ask(("latency", latency))
            runs = []
            for _ in range(args.repeat):
                ask(("drift", None))
                (cold,) = asyncio.run(run_ctbridge(args, urls))
                runs.append((cold, ask(("calls", None))))
            result, calls = min(runs, key=lambda run: run[0]["seconds"])
            figures[f"seconds{label}"] = result["seconds"]
            figures[f"median_seconds{label}"] = statistics.median(r["seconds"] for r, _ in runs)
            if args.repeat > 1:  # the scheduler's steady state: one engine, run after run
                warm = asyncio.run(
                    run_ctbridge(
                        args, urls, between_runs=lambda: ask(("drift", None)), runs=args.repeat
                    )
                )
                figures[f"warm_seconds{label}"] = min(run["seconds"] for run in warm[1:])
                ask(("calls", None))
            figures[f"ct_calls{label}"] = sum(calls.values())
            figures[f"changed{label}"] = result["changed"]
            figures[f"failed{label}"] = result["failed"]
            print(
                f"ctbridge at {latency:g} ms: {result['changed']} changed, {result['written']} "
                f"written in {result['seconds']} s with {sum(calls.values())} commercetools "
                f"calls {calls}"
            )
        figures["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        figures["rss_start_mb"] = round(rss_before, 1)
        if args.skus <= args.reference_max:
            for label, latency in (("", 0.0), ("_latency", args.latency_ms)):
                ask(("latency", latency))
                runs = []
                for _ in range(args.repeat):
                    ask(("drift", None))
                    (cold,) = asyncio.run(run_reference(urls))
                    runs.append((cold, ask(("calls", None))))
                reference, calls = min(runs, key=lambda run: run[0]["seconds"])
                figures[f"reference_seconds{label}"] = reference["seconds"]
                figures[f"reference_median_seconds{label}"] = statistics.median(
                    r["seconds"] for r, _ in runs
                )
                figures[f"reference_ct_calls{label}"] = sum(calls.values())
                figures[f"speedup{label}"] = round(
                    reference["seconds"] / figures[f"seconds{label}"], 2
                )
                if args.repeat > 1:  # its steady state: one process, run after run
                    warm = asyncio.run(
                        run_reference(
                            urls, between_runs=lambda: ask(("drift", None)), runs=args.repeat
                        )
                    )
                    ask(("calls", None))
                    best = min(run["seconds"] for run in warm[1:])
                    figures[f"reference_warm_seconds{label}"] = best
                    figures[f"speedup_warm{label}"] = round(
                        best / figures[f"warm_seconds{label}"], 2
                    )
                print(
                    f"reference strategy at {latency:g} ms: {reference['changed']} changed in "
                    f"{reference['seconds']} s with {sum(calls.values())} commercetools calls"
                )
    finally:
        ours.send("stop")
        child.join(30)
        if child.is_alive():
            child.terminate()
    expected = len(range(0, args.skus, args.changed_every)) if args.changed_every else 0
    figures["expected_changed"] = expected
    figures["latency_ms"] = args.latency_ms
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
