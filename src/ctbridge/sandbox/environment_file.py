"""Writes the sandbox's environment as a `.env` file or as shell `export` lines, values intact."""

from __future__ import annotations

import shlex
from collections.abc import Mapping


def dotenv_text(environment: Mapping[str, str]) -> str:
    """`NAME="value"` lines that python-dotenv (pydantic-settings' `.env`) reads back exactly:
    double quotes, with backslash, quote and newline escaped (a PEM key stays one line)."""
    lines = ["# written by `ctbridge sandbox`; valid while it runs"]
    for name, value in sorted(environment.items()):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        lines.append(f'{name}="{escaped}"')
    return "\n".join(lines) + "\n"


def shell_text(environment: Mapping[str, str]) -> str:
    """`export NAME='value'` lines for a POSIX shell (single-quoted, newlines kept)."""
    return "".join(
        f"export {name}={shlex.quote(value)}\n" for name, value in sorted(environment.items())
    )
