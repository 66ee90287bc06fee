"""The import rules of the house (see ARCHITECTURE.md, "Layers"), read from the source with `ast`.

Every import counts: at module level, inside functions and under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SOURCE / "ctbridge"

# What the engine must not know: it is handed factories by the host (ctbridge.host) instead.
ENGINE_FORBIDDEN = (
    "ctbridge.settings",
    "ctbridge.notifications",
    "ctbridge.commercetools",
    "ctbridge.connectors",
    "ctbridge.web",
    "ctbridge.cli",
    "ctbridge.sandbox",
    "ctbridge.host",
)

# CLI modules behind the `demo` / `sandbox` commands: they may use the sandbox, inside functions.
SANDBOX_LAZY_USERS = {"ctbridge.cli.demo"}


def module_name(path: Path, root: Path = SOURCE) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = SOURCE) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    module_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from ctbridge import sandbox` imports ctbridge.sandbox.
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.extend((name, node.lineno, id(node) in module_level) for name in names)
    return found


def is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def product_modules() -> list[tuple[str, Path]]:
    return sorted((module_name(path), path) for path in PACKAGE.rglob("*.py"))


def violations(rule) -> list[str]:
    found = []
    for name, path in product_modules():
        for imported, line, top_level in imports(path):
            if rule(name, imported, top_level):
                found.append(f"{path.relative_to(SOURCE)}:{line} imports {imported}")
    return sorted(set(found))


def engine_rule(module: str, imported: str, top_level: bool) -> bool:
    return is_within(module, "ctbridge.engine") and any(
        is_within(imported, forbidden) for forbidden in ENGINE_FORBIDDEN
    )


def errors_rule(module: str, imported: str, top_level: bool) -> bool:
    return module == "ctbridge.errors" and is_within(imported, "ctbridge")


def sandbox_rule(module: str, imported: str, top_level: bool) -> bool:
    if not is_within(imported, "ctbridge.sandbox") or is_within(module, "ctbridge.sandbox"):
        return False
    return not (module in SANDBOX_LAZY_USERS and not top_level)


def test_the_engine_imports_no_settings_notifications_commercetools_connector_or_front_end():
    assert violations(engine_rule) == []


def test_errors_is_a_leaf():
    assert violations(errors_rule) == []


def test_only_the_demo_and_sandbox_commands_import_the_sandbox_and_only_when_they_run():
    assert violations(sandbox_rule) == []


def test_the_rules_see_every_kind_of_import(tmp_path):
    # The checker itself: lazy, TYPE_CHECKING and relative imports are all found.
    engine = tmp_path / "ctbridge" / "engine"
    engine.mkdir(parents=True)
    source = engine / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from ctbridge.commercetools.client import CommercetoolsClient\n"
        "def later():\n"
        "    import ctbridge.settings\n"
        "from .. import notifications\n",
        encoding="utf-8",
    )
    found = {(name, top) for name, _, top in imports(source, tmp_path)}
    assert ("ctbridge.commercetools.client", False) in found
    assert ("ctbridge.settings", False) in found
    assert ("ctbridge.notifications", True) in found
    assert engine_rule("ctbridge.engine.probe", "ctbridge.notifications", True)
    assert not engine_rule("ctbridge.engine.probe", "ctbridge.errors", True)
    assert sandbox_rule("ctbridge.cli.demo", "ctbridge.sandbox.stack", True)
    assert not sandbox_rule("ctbridge.cli.demo", "ctbridge.sandbox.stack", False)
    assert sandbox_rule("ctbridge.web.app", "ctbridge.sandbox.server", False)
