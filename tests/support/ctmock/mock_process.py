"""Runs @labdigital/commercetools-mock (start.mjs) as a node process on 127.0.0.1 for tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from ctbridge.commercetools.client import CommercetoolsClient
from ctbridge.http.retry import ResendPolicy

FOLDER = Path(__file__).resolve().parent


class MockStartError(RuntimeError):
    """node, npm or the mock could not be started."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CommercetoolsMockProcess:
    """The npm mock with authentication enforced for `client_id` / `client_secret`."""

    project_key = "test-project"
    client_id = "ctbridge-tests"
    client_secret = "ctbridge-tests-secret"  # noqa: S105 - a test fixture's credential

    def __init__(self, folder: Path = FOLDER) -> None:
        self.folder = folder
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = Path(tempfile.gettempdir()) / f"ctmock-{os.getpid()}-{self.port}.log"
        self._http = httpx.Client(timeout=30.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> CommercetoolsMockProcess:
        node = shutil.which("node")
        if node is None:
            raise MockStartError("node is not installed: the commercetools mock needs Node.js")
        if not (self.folder / "node_modules" / "@labdigital" / "commercetools-mock").is_dir():
            self._npm_ci()
        env = {
            **os.environ,
            "PORT": str(self.port),
            "PROJECT_KEY": self.project_key,
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
        }
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv
                [node, "start.mjs"], cwd=self.folder, env=env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise MockStartError(f"the mock exited early:\n{self._log_tail()}")
            try:
                if self._http.get(f"{self.url}/__health", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise MockStartError(f"the mock did not answer within {timeout}s:\n{self._log_tail()}")

    def stop(self) -> None:
        self._http.close()
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None
        self._log_path.unlink(missing_ok=True)

    def reset(self) -> None:
        self._http.post(f"{self.url}/__reset").raise_for_status()

    def revoke_tokens(self) -> None:
        self._http.post(f"{self.url}/__revoke-tokens").raise_for_status()

    def seed(self, type_id: str, resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stores resources as given (no draft validation), e.g. thousands in one request."""
        response = self._http.post(
            f"{self.url}/__seed/{self.project_key}/{type_id}", json=resources
        )
        response.raise_for_status()
        return response.json()

    def client(self, **options: Any) -> CommercetoolsClient:
        settings: dict[str, Any] = {
            "project_key": self.project_key,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "api_url": self.url,
            "auth_url": self.url,
            "scopes": [f"manage_project:{self.project_key}"],
            "retry_policy": ResendPolicy(max_retries=2, base_delay=0.01, max_delay=0.05),
        }
        settings.update(options)
        return CommercetoolsClient(**settings)

    def _npm_ci(self) -> None:
        npm = shutil.which("npm")
        if npm is None:
            raise MockStartError("npm is not installed: cannot install the commercetools mock")
        result = subprocess.run(  # noqa: S603 - fixed argv
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=self.folder,
            capture_output=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise MockStartError(
                f"npm ci failed:\n{result.stderr.decode(errors='replace')[-2000:]}"
            )

    def _log_tail(self) -> str:
        try:
            return self._log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no output)"
