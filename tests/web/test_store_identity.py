"""/readyz and /events when the store is no longer the one the process opened, or is read-only."""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg
import httpx
import pytest

from ctbridge.sandbox.server import serve_in_loop
from ctbridge.web.app import create_app
from tests.conftest import POSTGRES_URL
from tests.engine.recording import open_engine
from tests.web.test_events import ct_message


def delete_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def replace_database_file(path: Path) -> None:
    other = path.with_name("other.db")
    other.write_bytes(path.read_bytes())
    os.replace(other, path)


@pytest.mark.parametrize("change", [delete_database_files, replace_database_file])
async def test_a_deleted_or_replaced_sqlite_file_makes_events_and_readyz_answer_503(
    tmp_path, capsys, change
):
    path = tmp_path / "ctbridge.db"
    engine, _ = await open_engine(f"sqlite:///{path}")
    try:
        async with (
            serve_in_loop(create_app(engine)) as url,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            assert (await client.post("/events", json=ct_message("m1"))).status_code == 202
            assert (await client.get("/readyz")).status_code == 200
            change(path)
            for number in range(2, 5):
                refused = await client.post("/events", json=ct_message(f"m{number}"))
                assert refused.status_code == 503, refused.text
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert str(path) in ready.json()["store"]
    finally:
        await engine.close()
    said = [line for line in capsys.readouterr().out.splitlines() if "store lost" in line]
    assert len(said) == 1, said


async def test_readyz_fails_when_the_store_no_longer_takes_writes(postgres_url):
    engine, _ = await open_engine(postgres_url)
    name = postgres_url.rsplit("/", 1)[1]
    try:
        async with (
            serve_in_loop(create_app(engine)) as url,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            assert (await client.get("/readyz")).status_code == 200
            admin = await asyncpg.connect(POSTGRES_URL)
            try:
                await admin.execute(
                    f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'
                )
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    name,
                )
            finally:
                await admin.close()
            ready = await client.get("/readyz")
            assert ready.status_code == 503, ready.text
    finally:
        await engine.close()
