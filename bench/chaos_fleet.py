"""The ctbridge processes of the chaos soak: a throwaway PostgreSQL database, intake and workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

# `ctbridge` through the interpreter running the bench, so SIGKILL hits the worker itself.
CTBRIDGE = [sys.executable, "-c", "from ctbridge.cli import app; app()"]


class ThrowawayDatabase:
    """`chaos_<random>` on the local PostgreSQL server, created at start and dropped at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url.rstrip("/")
        self.base, _, self.admin_database = self.server_url.rpartition("/")
        self.name = f"chaos_{uuid.uuid4().hex[:10]}"

    @property
    def url(self) -> str:
        return f"{self.base}/{self.name}"

    async def create(self) -> None:
        admin = await asyncpg.connect(self.server_url)
        try:
            await admin.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await admin.close()

    async def drop(self) -> None:
        admin = await asyncpg.connect(self.server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await admin.close()


@dataclass
class Fleet:
    """Starts, kills and stops ctbridge subprocesses; each writes its log to `log_dir`."""

    environment: Mapping[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *arguments: str) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [*CTBRIDGE, *arguments],
            env={**os.environ, **self.environment},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.log_dir,  # no stray .env file is read
        )
        log.close()
        self.processes[name] = process
        return process

    def run(self, name: str, *arguments: str, timeout: float = 60.0) -> str:
        """Runs a one-shot command (e.g. `deploy`) to completion and returns its output."""
        finished = subprocess.run(
            [*CTBRIDGE, *arguments],
            env={**os.environ, **self.environment},
            capture_output=True,
            cwd=self.log_dir,
            timeout=timeout,
        )
        output = (finished.stdout + finished.stderr).decode(errors="replace")
        if finished.returncode != 0:
            raise RuntimeError(f"ctbridge {' '.join(arguments)} failed: {output}")
        return output

    def kill(self, name: str) -> None:
        """SIGKILL: no graceful release, its claimed tasks wait for their lease to expire."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.processes.items()}

    def stop_all(self, timeout: float = 15.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def tail(self, name: str, lines: int = 20) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ctbridge serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"ctbridge serve at {url} not ready after {timeout} s")
