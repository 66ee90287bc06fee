"""`ctbridge doctor`: runs every check, prints a verdict per check, exits 1 if any failed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from ctbridge.cli.settings_loader import out
from ctbridge.errors import ConfigurationError

if TYPE_CHECKING:
    from ctbridge.cli.doctor_checks import Check, Findings

COLOURS = {"ok": "green", "FAIL": "red", "skip": "yellow"}


@dataclass(frozen=True, slots=True)
class Verdict:
    name: str
    outcome: str  # ok, FAIL or skip
    detail: str


async def run_check(name: str, check: Check, found: Findings) -> Verdict:
    from ctbridge.cli.doctor_checks import NotApplicable

    try:
        return Verdict(name, "ok", await check(found))
    except NotApplicable as reason:
        return Verdict(name, "skip", str(reason))
    except ConfigurationError as error:
        return Verdict(name, "FAIL", "; ".join(error.problems))
    except Exception as error:
        return Verdict(name, "FAIL", f"{type(error).__name__}: {error}")


async def examine() -> list[Verdict]:
    # The checks import settings, the engine and the clients: only when the command runs.
    from ctbridge.cli.doctor_checks import CHECKS, Findings, target_checks

    found = Findings()
    try:
        verdicts = [await run_check(name, check, found) for name, check in CHECKS]
        verdicts += [await run_check(name, check, found) for name, check in target_checks(found)]
    finally:
        for cleanup in reversed(found.cleanups):
            await cleanup()
    return verdicts


def doctor() -> None:
    """Settings, database, commercetools (token, project, subscriptions) and each enabled
    connector's target (a token or a harmless read). Creates nothing, changes nothing."""
    verdicts = asyncio.run(examine())
    for verdict in verdicts:
        colour = COLOURS[verdict.outcome]
        out.print(f"[{colour}]{verdict.outcome:>4}[/]  {verdict.name}: ", end="")
        out.print(verdict.detail, markup=False, highlight=False)
    failed = [verdict for verdict in verdicts if verdict.outcome == "FAIL"]
    if failed:
        out.print(f"[bold red]{len(failed)} check(s) failed[/]")
        raise typer.Exit(1)
    out.print("[bold green]all checks passed[/]")
