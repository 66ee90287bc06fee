"""The product runs where `ctbridge.sandbox` is absent, as in the production image (the Dockerfile
removes it): every product module imports, the web app builds and answers with all three
connectors on, `ctbridge --help` works, and `ctbridge demo` / `ctbridge sandbox` answer one line.

Each check is a fresh interpreter whose import system refuses `ctbridge.sandbox*`, so an import
of the sandbox anywhere in the product fails here as it would in the image."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ctbridge.cli.demo import SANDBOX_MISSING

ROOT = Path(__file__).resolve().parents[2]

WITHOUT_SANDBOX = """
import importlib.abc
import sys


class NoSandbox(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname == "ctbridge.sandbox" or fullname.startswith("ctbridge.sandbox."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


sys.meta_path.insert(0, NoSandbox())
"""

IMPORT_EVERYTHING_AND_SERVE = """
import asyncio
import importlib
import json
import pathlib

import ctbridge

try:
    import ctbridge.sandbox  # noqa: F401
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("the import hook let ctbridge.sandbox through")


# Every module file under ctbridge (namespace packages such as ctbridge.connectors included,
# which pkgutil does not walk), except the sandbox and __main__ (which runs the command line
# when imported; the --help run covers it).
def product_modules():
    root = pathlib.Path(ctbridge.__file__).parent
    for path in sorted(root.rglob("*.py")):
        name = ".".join(["ctbridge", *path.relative_to(root).with_suffix("").parts])
        name = name.removesuffix(".__init__")
        if name == "ctbridge.__main__" or name.split(".")[:2] == ["ctbridge", "sandbox"]:
            continue
        yield name


imported = [importlib.import_module(name).__name__ for name in product_modules()]

from starlette.testclient import TestClient

from ctbridge.cli.settings_loader import open_engine
from ctbridge.web.app import create_app


async def build():
    async with open_engine() as engine:
        app = create_app(engine)
        with TestClient(app) as client:
            # The connectors' own endpoints answer (refusing the unsigned request), unlike a
            # path nobody serves.
            statuses = {
                "/healthz": client.get("/healthz").status_code,
                "/service": client.post("/service").status_code,
                "/webhooks/fluent": client.post("/webhooks/fluent", content=b"{}").status_code,
                "/nowhere": client.post("/nowhere").status_code,
            }
        return sorted(engine.connectors), statuses


connectors, statuses = asyncio.run(build())
loaded = sorted(name for name in sys.modules if name.startswith("ctbridge.sandbox"))
print(json.dumps({"imported": imported, "connectors": connectors, "statuses": statuses,
                  "sandbox_loaded": loaded}))
"""

RUN_CLI = """
import runpy

sys.argv = ["ctbridge", *sys.argv[1:]]
runpy.run_module("ctbridge", run_name="__main__")
"""

# The three connectors by module path (what their entry points name), so the check does not
# depend on ctbridge's metadata being installed; placeholders in the shape each connector's
# settings require; nothing is called over the network.
PLACEHOLDER_SETTINGS = {
    "CTBRIDGE_CONNECTORS": ",".join(
        f"ctbridge.connectors.{name}.connector:connector"
        for name in ("ordergroove", "fluent", "newstore")
    ),
    "CTP_PROJECT_KEY": "placeholder-project",
    "CTP_CLIENT_ID": "placeholder-client",
    "CTP_CLIENT_SECRET": "placeholder-secret",
    "CTP_API_URL": "http://127.0.0.1:9",
    "CTP_AUTH_URL": "http://127.0.0.1:9",
    "OG_API_URL": "http://127.0.0.1:9",
    "OG_API_KEY": "placeholder-og-key",
    "CTP_LANGUAGE_CODE": "en",
    "CTP_CURRENCY_CODE": "EUR",
    "CTP_COUNTRY_CODE": "DE",
    "PRODUCT_STORE_URL": "https://shop.example/products/[SLUG]",
    "FLUENT_CLIENT_ID": "placeholder-fluent-client",
    "FLUENT_CLIENT_SECRET": "placeholder-fluent-secret",
    "FLUENT_USERNAME": "placeholder-user",
    "FLUENT_PASSWORD": "placeholder-password",
    "FLUENT_HOST": "http://127.0.0.1:9",
    "FLUENT_CATALOGUE_REF": "PC:MASTER:1",
    "FLUENT_RETAILER_ID": "1",
    "BASIC_AUTH_SECRET": "placeholder-basic-auth-secret",
    "NEW_STORE_BASE_URL": "http://127.0.0.1:9",
    "NEW_STORE_SHOP": "placeholder-shop",
    "NEW_STORE_CLIENT_ID": "placeholder-newstore-client",
    "NEW_STORE_CLIENT_SECRET": "placeholder-newstore-secret",
    "NEW_STORE_TOKEN_URL": "http://127.0.0.1:9/token",
}


def run_without_sandbox(
    cwd: Path, script: str, *args: str, settings: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    prefixes = ("CTP_", "CTBRIDGE_", "OG_", "FLUENT_", "NEW_STORE_", "BASIC_AUTH_")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    environment.pop("PORT", None)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    environment["CTBRIDGE_DATABASE_URL"] = f"sqlite:///{cwd / 'ctbridge.db'}"
    environment.update(settings or {})
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_SANDBOX + script, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_product_module_imports_and_the_app_serves_all_connectors(tmp_path):
    result = run_without_sandbox(
        tmp_path, IMPORT_EVERYTHING_AND_SERVE, settings=PLACEHOLDER_SETTINGS
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    imported = set(report["imported"])
    for module in (
        "ctbridge.cli.demo",
        "ctbridge.web.app",
        "ctbridge.engine.host",
        "ctbridge.commercetools.client",
        "ctbridge.connectors.ordergroove.connector",
        "ctbridge.connectors.fluent.connector",
        "ctbridge.connectors.newstore.connector",
    ):
        assert module in imported
    assert not [name for name in imported if name.startswith("ctbridge.sandbox")]
    assert report["sandbox_loaded"] == []
    assert report["connectors"] == ["fluent", "newstore", "ordergroove"]
    statuses = report["statuses"]
    assert statuses["/healthz"] == 200
    assert statuses["/nowhere"] == 404
    assert statuses["/service"] == 401  # Ordergroove's load trigger, without credentials
    assert statuses["/webhooks/fluent"] not in (404, 405)  # Fluent's webhook, unsigned


def test_help_lists_the_commands(tmp_path):
    result = run_without_sandbox(tmp_path, RUN_CLI, "--help")
    assert result.returncode == 0, result.stderr
    for command in ("serve", "deploy", "demo", "sandbox"):
        assert command in result.stdout


def test_demo_and_sandbox_say_in_one_line_that_the_sandbox_is_absent(tmp_path):
    for command in ("demo", "sandbox"):
        result = run_without_sandbox(tmp_path, RUN_CLI, command)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == SANDBOX_MISSING
        assert "Traceback" not in result.stdout
