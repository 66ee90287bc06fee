"""`ctbridge dlq`: list, show, replay and purge dead letters."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from ctbridge.cli.settings_loader import err, open_engine, out

if TYPE_CHECKING:
    from ctbridge.engine.inbox import Inbox

# Task ids are 64-bit in the store; a larger number names no dead letter.
MAX_TASK_ID = 2**63 - 1

app = typer.Typer(
    help="Dead letters: messages that failed permanently or ran out of attempts.",
    no_args_is_help=True,
)


@app.command("list")
def list_dead_letters(
    connector: str = typer.Option(None, help="Only this connector"), limit: int = 100
) -> None:
    """Lists dead letters, oldest first."""
    from ctbridge.engine.inbox import Inbox

    async def run() -> None:
        async with open_engine() as engine:
            letters = await Inbox(engine.store).dead_letters(connector=connector, limit=limit)
        table = Table("task", "connector", "type", "message id", "attempts", "when", "last error")
        for letter in letters:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(letter.finished_at or 0))
            table.add_row(
                str(letter.task_id),
                letter.connector,
                letter.type,
                letter.message_id,
                str(letter.attempts),
                when,
                (letter.last_error or "")[:80],
            )
        out.print(table)
        out.print(f"{len(letters)} dead letter(s)")

    asyncio.run(run())


@app.command()
def show(task_id: int) -> None:
    """Shows one dead letter with its message payload."""
    from ctbridge.engine.inbox import Inbox

    async def run() -> None:
        async with open_engine() as engine:
            inbox = Inbox(engine.store)
            await refuse_unknown(inbox, [task_id])
            letter = await inbox.dead_letter(task_id)
        assert letter is not None
        out.print_json(
            json.dumps(
                {
                    "task_id": letter.task_id,
                    "connector": letter.connector,
                    "type": letter.type,
                    "message_id": letter.message_id,
                    "attempts": letter.attempts,
                    "last_error": letter.last_error,
                    "payload": letter.payload,
                }
            )
        )

    asyncio.run(run())


@app.command()
def replay(
    task_ids: list[int] = typer.Argument(None, help="Task ids; none means all (with --all)"),
    all_letters: bool = typer.Option(False, "--all", help="Replay every dead letter"),
    connector: str = typer.Option(None, help="Only this connector"),
) -> None:
    """Puts dead letters back in the queue with a fresh attempt budget."""
    _change("replay", task_ids, all_letters, connector)


@app.command()
def purge(
    task_ids: list[int] = typer.Argument(None, help="Task ids; none means all (with --all)"),
    all_letters: bool = typer.Option(False, "--all", help="Purge every dead letter"),
    connector: str = typer.Option(None, help="Only this connector"),
) -> None:
    """Deletes dead letters for good."""
    _change("purge", task_ids, all_letters, connector)


def _change(
    verb: str, task_ids: list[int] | None, all_letters: bool, connector: str | None
) -> None:
    if not task_ids and not all_letters:
        err.print(f"name task ids to {verb}, or pass --all")
        raise typer.Exit(2)
    from ctbridge.engine.inbox import Inbox

    async def run() -> int:
        async with open_engine() as engine:
            inbox = Inbox(engine.store)
            await refuse_unknown(inbox, task_ids or [])
            action = inbox.replay if verb == "replay" else inbox.purge
            return await action(task_ids or None, connector=connector)

    count = asyncio.run(run())
    out.print(
        f"{verb}d {count} dead letter(s)" if verb == "purge" else f"replayed {count} dead letter(s)"
    )


async def refuse_unknown(inbox: Inbox, task_ids: list[int]) -> None:
    """Exits 1 with one line naming every id that is not a dead letter."""
    unknown = [
        task_id
        for task_id in task_ids
        if not 1 <= task_id <= MAX_TASK_ID or await inbox.dead_letter(task_id) is None
    ]
    if unknown:
        names = ", ".join(str(task_id) for task_id in unknown)
        err.print(f"unknown dead letter id(s): {names} (ctbridge dlq list shows them)")
        raise typer.Exit(1)
