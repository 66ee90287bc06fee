"""Chaos soak: mixed commercetools traffic through failing targets, two workers, one SIGKILLed.

    python bench/chaos.py [--messages 10000] [--postgres postgresql://127.0.0.1:5432/test]

The commercetools emulator delivers with duplicates and shuffling to `ctbridge serve --no-worker`
(PostgreSQL in a throwaway database); two `ctbridge worker` processes feed the Ordergroove,
NewStore and Fluent emulators, which fail about 20 % of calls (5xx, 429 with Retry-After,
timeouts). One worker is SIGKILLed mid-run and replaced. Once everything is delivered and the
inbox is idle, the targets are compared with commercetools. Dead letters are then replayed with
the faults off, to tell which would fail permanently again. Expected target values come from the
soak's own minimal rules (chaos_expectations.py), never from the connector's mapping.

Last line: `lost= duplicated= stale= dead_letters= permanent_dead_letters= messages= seconds=`;
the exit status is 1 when any of lost, duplicated, stale or dead letters is not 0: the fault plan
makes nothing permanent on purpose, so a dead-lettered resource is a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chaos_expectations import Scope  # noqa: E402
from chaos_faults import Chaos, FaultConductor  # noqa: E402
from chaos_fleet import Fleet, ThrowawayDatabase, wait_healthy  # noqa: E402
from chaos_traffic import Traffic, catalog_for, count_messages, subscribed_types  # noqa: E402
from chaos_verdict import (  # noqa: E402
    OrdergrooveWrites,
    Verdict,
    check_fluent_catalog,
    check_ordergroove,
    check_orders,
    fluent_name_history,
    reason_summary,
    resource_id,
)
from sqlalchemy import func, select  # noqa: E402

from ctbridge.engine.inbox import DeadLetter, Inbox, Status  # noqa: E402
from ctbridge.engine.store import Store  # noqa: E402
from ctbridge.engine.tables import tasks  # noqa: E402
from ctbridge.sandbox.commercetools.delivery import DeliverySettings  # noqa: E402
from ctbridge.sandbox.server import free_port  # noqa: E402
from ctbridge.sandbox.stack import SandboxStack  # noqa: E402

TOPIC = "ctbridge-chaos"
CONNECTORS = "ordergroove,newstore,fluent"
CATALOGUE = "PC:MASTER:1"
CLIENT_TIMEOUT_SECONDS = 2.0


def say(line: str) -> None:
    print(line, flush=True)


def engine_environment(database_url: str, args: argparse.Namespace) -> dict[str, str]:
    timeout = str(CLIENT_TIMEOUT_SECONDS)
    return {
        "CTBRIDGE_DATABASE_URL": database_url,
        "CTBRIDGE_CONNECTORS": CONNECTORS,
        "CTBRIDGE_LEASE_SECONDS": str(args.lease_seconds),
        "CTBRIDGE_RETRY_BASE_SECONDS": "0.2",
        "CTBRIDGE_RETRY_MAX_SECONDS": "2",
        # Transient chaos must never exhaust the budget: 0.2^40 makes that impossible in practice.
        "CTBRIDGE_MAX_ATTEMPTS": "40",
        "CTBRIDGE_POLL_SECONDS": "0.2",
        "CTBRIDGE_LOG_LEVEL": "WARNING",
        "CTBRIDGE_LOG_FORMAT": "json",
        "CTBRIDGE_DESTINATION_TYPE": "GoogleCloudPubSub",
        "CTBRIDGE_DESTINATION_PROJECT_ID": "chaos",
        "CTBRIDGE_DESTINATION_TOPIC": TOPIC,
        "OG_TIMEOUT_SECONDS": timeout,
        "OG_MAX_RETRIES": "2",
        "NEW_STORE_TIMEOUT_SECONDS": timeout,
        "NEW_STORE_MAX_RETRIES": "2",
        "FLUENT_TIMEOUT_SECONDS": timeout,
    }


class Observer:
    """Reads the inbox of the throwaway database (the engine's own store API)."""

    def __init__(self, database_url: str) -> None:
        self.store = Store(database_url)
        self.inbox = Inbox(self.store)

    async def statuses(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (_, status), count in (await self.inbox.task_counts()).items():
            counts[status] += count
        return counts

    async def running_owned_by(self, pid: int) -> int:
        async with self.store.begin() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count()).where(
                            tasks.c.status == Status.RUNNING,
                            tasks.c.owner.like(f"%:{pid}:%"),
                        )
                    )
                ).scalar()
                or 0
            )

    async def dead_letters(self) -> list[DeadLetter]:
        return await self.inbox.dead_letters(limit=1_000_000)

    async def close(self) -> None:
        await self.store.dispose()


async def settle(
    stack: SandboxStack, observer: Observer, fluent: Any, timeout: float
) -> dict[str, Any]:
    """Waits until commercetools delivered everything, Fluent ran its queued events and no task
    is pending or running — twice in a row, half a second apart."""
    deadline = time.monotonic() + timeout
    calm_checks = 0
    counts: Counter[str] = Counter()
    while time.monotonic() < deadline:
        delivered = await asyncio.to_thread(stack.commercetools.wait_for_deliveries, 0.2)
        counts = await observer.statuses()
        busy = counts[Status.PENDING] + counts[Status.RUNNING]
        if delivered and busy == 0 and fluent.pending_events() == 0:
            calm_checks += 1
            if calm_checks >= 2:
                return {"settled": True, "counts": counts}
        else:
            calm_checks = 0
        await asyncio.sleep(0.5)
    return {"settled": False, "counts": counts}


def progress_line(
    started: float,
    traffic: Traffic,
    stack: SandboxStack,
    counts: Counter[str],
    faults: dict[str, int],
) -> str:
    delivery = stack.commercetools.delivery.snapshot()
    done = sum(counts[s] for s in (Status.DONE, Status.SKIPPED, Status.STALE))
    return (
        f"[{time.monotonic() - started:6.1f}s] changes {sum(traffic.operations.values())} "
        f"| deliveries {delivery['counters']['succeeded']} ok, {delivery['pending']} queued "
        f"| tasks {done} finished, {counts[Status.PENDING]} pending, {counts[Status.RUNNING]} running, "
        f"{counts[Status.DEAD]} dead | injected {faults}"
    )


def reclaimed_from_logs(log_dir: Path) -> int:
    """Tasks the workers took back from expired leases, from their warning lines."""
    total = 0
    for path in log_dir.glob("worker-*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if "reclaimed tasks from expired leases" in line:
                match = re.search(r'"count":\s*(\d+)', line)
                total += int(match.group(1)) if match else 0
    return total


def describe_reclaims(reclaimed: int, held_by_victim: int) -> str:
    line = f"tasks reclaimed from expired leases: {reclaimed} (the killed worker held {held_by_victim})"
    if reclaimed > held_by_victim:
        line += (
            f"; {reclaimed - held_by_victim} belonged to a live worker whose batch outlived "
            "CTBRIDGE_LEASE_SECONDS (the engine does not renew a lease while handlers run), "
            "so they ran twice at once"
        )
    return line


async def soak(args: argparse.Namespace) -> int:
    started = time.monotonic()
    database = ThrowawayDatabase(args.postgres)
    await database.create()
    say(f"database {database.name} created")
    stack = SandboxStack.start(
        delivery=DeliverySettings(
            duplicate_rate=args.duplicate_rate,
            shuffle_window=args.shuffle_window,
            max_attempts=100_000,  # commercetools keeps redelivering; nothing is dropped
            max_backoff_seconds=1.0,
            concurrency=8,
            seed=args.seed,
        )
    )
    og = stack.chapters["ordergroove"].emulator
    newstore = stack.chapters["newstore"].emulator
    fluent = stack.chapters["fluent"].fluent
    writes = OrdergrooveWrites(og)
    conductor = FaultConductor(
        [og.faults, newstore.faults, fluent.faults],
        Chaos(failure_rate=args.failure_rate, timeout_seconds=CLIENT_TIMEOUT_SECONDS + 0.5),
        args.seed,
    )
    environment = {**stack.environment, **engine_environment(database.url, args)}
    os.environ.update(environment)
    log_dir = Path(tempfile.mkdtemp(prefix="ctbridge-chaos-"))
    fleet = Fleet(environment, log_dir)
    observer = Observer(database.url)
    try:
        return await _run(
            args, started, stack, og, newstore, fluent, writes, conductor, fleet, observer, log_dir
        )
    finally:
        conductor.calm()
        fleet.stop_all()
        await observer.close()
        stack.stop()
        await database.drop()


async def _run(
    args: argparse.Namespace,
    started: float,
    stack: SandboxStack,
    og: Any,
    newstore: Any,
    fluent: Any,
    writes: OrdergrooveWrites,
    conductor: FaultConductor,
    fleet: Fleet,
    observer: Observer,
    log_dir: Path,
) -> int:
    emulator = stack.commercetools
    port = free_port()
    serve_url = f"http://127.0.0.1:{port}"
    wait_healthy(serve_url, fleet.start("serve", "serve", "--no-worker", "--port", str(port)))
    for line in (await asyncio.to_thread(fleet.run, "deploy", "deploy")).splitlines():
        say(f"deploy: {line.strip()}")
    emulator.route_topic(TOPIC, f"{serve_url}/events")
    # The scheduler stays off: jobs (stock syncs) would change commercetools behind the traffic.
    fleet.start("worker-1", "worker", "--no-scheduler")
    fleet.start("worker-2", "worker", "--no-scheduler")
    say(f"ctbridge serve on {serve_url} (intake only), 2 workers; logs in {log_dir}")

    conductor.start()
    traffic = Traffic(emulator, catalog_for(args.messages, args.seed), args.seed)
    types = subscribed_types(emulator)
    await asyncio.to_thread(traffic.seed_catalog)
    await asyncio.to_thread(traffic.publish_everything)
    base = sum(count_messages(emulator, types).values())
    remaining = max(0, args.messages - base)
    if args.warmup:
        # As in any deployment, the catalogue is in the targets before orders refer to it.
        warm = await settle(stack, observer, fluent, args.timeout)
        say(
            f"catalogue in the targets after {time.monotonic() - started:.1f}s "
            f"(warm-up {'done' if warm['settled'] else 'timed out'})"
        )
    say(
        f"seeded {len(traffic.product_ids)} products, {len(traffic.inventory)} inventory entries "
        f"and published each: {base} messages; now {remaining} more changes "
        f"(publish/stock/order), targets failing ~{args.failure_rate:.0%} of calls"
    )
    generation = asyncio.create_task(
        asyncio.to_thread(traffic.run, remaining, per_second=args.rate or None)
    )
    killed = False
    held = 0
    kill_after = max(1, int(args.messages * args.kill_at))
    last_print = 0.0
    try:
        while not generation.done() or not killed:
            counts = await observer.statuses()
            finished = sum(counts[s] for s in (Status.DONE, Status.SKIPPED, Status.STALE))
            drained = generation.done() and counts[Status.PENDING] + counts[Status.RUNNING] == 0
            if not killed and (finished >= kill_after or drained):
                victim = fleet.processes["worker-1"]
                for _ in range(100):  # wait (bounded) until it holds claimed tasks
                    held = await observer.running_owned_by(victim.pid)
                    if held:
                        break
                    await asyncio.sleep(0.05)
                fleet.kill("worker-1")
                killed = True
                say(
                    f"SIGKILLed worker-1 (pid {victim.pid}) holding {held} claimed task(s) after {finished} finished"
                )
                await asyncio.sleep(1.0)
                fleet.start("worker-3", "worker", "--no-scheduler")
                say("started worker-3 in its place")
            if time.monotonic() - last_print > args.progress_seconds:
                last_print = time.monotonic()
                say(progress_line(started, traffic, stack, counts, conductor.injected()))
            if time.monotonic() - started > args.timeout:
                raise TimeoutError("the run took longer than --timeout")
            await asyncio.sleep(0.5)
        await generation
    finally:
        traffic.stopped.set()
    messages = sum(count_messages(emulator, types).values())
    say(
        f"generated {messages} subscribed messages ({dict(count_messages(emulator, types))}); waiting for the inbox to drain"
    )

    outcome = await _settle_with_progress(
        args, started, stack, observer, fluent, traffic, conductor
    )
    injected = conductor.injected()
    delivery = emulator.delivery.snapshot()["counters"]
    say(f"deliveries: {delivery}")
    say(f"faults injected: {injected}")
    say(describe_reclaims(reclaimed_from_logs(log_dir), held))
    say(f"task statuses: {dict(outcome['counts'])}")
    alive = fleet.alive()
    if not outcome["settled"]:
        say("the inbox did not drain in time; comparing anyway")

    letters = await observer.dead_letters()
    verdict = compare(emulator, og, newstore, fluent, writes, traffic)
    for kind in ("lost", "duplicated", "stale"):
        found = [f for f in verdict.findings if f.kind == kind]
        for finding in found[:10]:
            say(f"{kind}: {finding.target} {finding.key}: {finding.detail}")
        if len(found) > 10:
            say(f"{kind}: … and {len(found) - 10} more")
    say(f"checked: {dict(verdict.checked)}")

    conductor.calm()
    permanent, transient = await probe_dead_letters(observer, letters, stack, fluent)
    for label, group in (("permanent", permanent), ("not permanent", transient)):
        for reason, count in reason_summary(group).most_common(15):
            say(f"dead letter ({label}) ×{count}: {reason}")
    crashed = [name for name, up in alive.items() if not up and name != "worker-1"]
    if crashed:
        say(f"processes that died on their own: {crashed}")
        for name in crashed:
            say(fleet.tail(name))

    # The fault plan makes nothing fail permanently on purpose, so every dead-lettered resource
    # is a failure; the replay above only says whether it would have recovered.
    dead_resources = {(letter.connector, resource_id(letter)) for letter in letters}
    failed = (
        verdict.count("lost")
        + verdict.count("duplicated")
        + verdict.count("stale")
        + len(dead_resources)
        + (0 if outcome["settled"] else 1)
        + len(crashed)
    )
    say(
        f"lost={verdict.count('lost')} duplicated={verdict.count('duplicated')} "
        f"stale={verdict.count('stale')} dead_letters={len(letters)} "
        f"permanent_dead_letters={len(permanent)} messages={messages} "
        f"seconds={time.monotonic() - started:.1f}"
    )
    return 1 if failed else 0


async def _settle_with_progress(
    args: argparse.Namespace,
    started: float,
    stack: SandboxStack,
    observer: Observer,
    fluent: Any,
    traffic: Traffic,
    conductor: FaultConductor,
) -> dict[str, Any]:
    deadline = started + args.timeout
    while True:
        outcome = await settle(
            stack,
            observer,
            fluent,
            min(args.progress_seconds, max(1.0, deadline - time.monotonic())),
        )
        if outcome["settled"] or time.monotonic() >= deadline:
            return outcome
        say(progress_line(started, traffic, stack, outcome["counts"], conductor.injected()))


def compare(
    emulator: Any,
    og: Any,
    newstore: Any,
    fluent: Any,
    writes: OrdergrooveWrites,
    traffic: Traffic,
) -> Verdict:
    verdict = Verdict()
    projections = [emulator.projection(pid, staged=False) for pid in traffic.product_ids]
    og_products = {sku: dict(product) for sku, product in list(og.products.items())}
    check_ordergroove(
        verdict, projections, og_products, writes, Scope.from_environment(), traffic.changed_at
    )
    fluent_products = {
        p["ref"]: p for p in fluent.entities("PRODUCT") if p.get("catalogueRef") == CATALOGUE
    }
    check_fluent_catalog(
        verdict,
        projections,
        fluent_products,
        fluent_name_history(fluent.events()),
        os.environ.get("FLUENT_CATALOG_LOCALE", "en-US"),
    )
    payments = {p["id"]: p for p in emulator.all("payments")}
    check_orders(
        verdict,
        traffic.orders,
        payments,
        dict(newstore.orders),
        fluent.entities("ORDER"),
        fluent.entities("FINANCIAL_TRANSACTION"),
    )
    return verdict


async def probe_dead_letters(
    observer: Observer, letters: list[DeadLetter], stack: SandboxStack, fluent: Any
) -> tuple[list[DeadLetter], list[DeadLetter]]:
    """Replays every dead letter with the faults off: one that fails permanently again is
    genuinely permanent; one that now succeeds (or ran out of attempts) was caused by chaos."""
    if not letters:
        return [], []
    await observer.inbox.replay([letter.task_id for letter in letters])
    await settle(stack, observer, fluent, 60.0)
    permanent, transient = [], []
    for letter in letters:
        again = await observer.inbox.dead_letter(letter.task_id)
        is_permanent = (
            again is not None
            and (again.last_error or "").startswith("permanent:")
            and (letter.last_error or "").startswith("permanent:")
        )
        (permanent if is_permanent else transient).append(letter)
    return permanent, transient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--postgres",
        default="postgresql://127.0.0.1:5432/test",
        help="server and an existing database to connect to for CREATE DATABASE",
    )
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--failure-rate", type=float, default=0.2)
    parser.add_argument("--duplicate-rate", type=float, default=0.1)
    parser.add_argument("--shuffle-window", type=int, default=20)
    parser.add_argument("--lease-seconds", type=float, default=5.0)
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.4,
        help="SIGKILL worker-1 once this share of --messages worth of tasks finished",
    )
    parser.add_argument(
        "--rate", type=float, default=0.0, help="changes per second (0: as fast as possible)"
    )
    parser.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="start the traffic before the first publish of every product reached the targets",
    )
    parser.add_argument("--progress-seconds", type=float, default=5.0)
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="give up after this many seconds"
    )
    args = parser.parse_args()
    try:
        code = asyncio.run(soak(args))
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
