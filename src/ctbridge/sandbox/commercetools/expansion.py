"""Reference expansion (`expand=...`): embed the referenced resource as `obj` beside the reference.

Documented rules followed here (commercetools-api-reference, api-specs/api/types/common/Reference.raml
and Expansion.raml → docs.commercetools.com/api/general-concepts#reference-expansion):
- a Reference `{typeId, id}` gets an additional `obj` field holding the referenced resource;
- a path names fields with dots; `[*]` expands every element of an array, `[n]` one element;
- paths can go through an expanded reference into the referenced resource
  (`discountCodes[*].discountCode.cartDiscounts[*]`).
Not documented, decided here: a path that names no reference, or a reference whose resource no
longer exists, is left as it is (no error), as the npm mock does; a path that is not
`name[index].name...` is answered 400 InvalidInput.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ctbridge.sandbox.commercetools.documents import clone
from ctbridge.sandbox.commercetools.errors import invalid_input

Resolver = Callable[[str, str], dict[str, Any] | None]

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<index>\*|\d+)\])?$")


def expand(document: dict[str, Any], paths: Sequence[str], resolve: Resolver) -> dict[str, Any]:
    """A copy of `document` with every reference named by `paths` expanded."""
    if not paths:
        return document
    expanded = clone(document)
    for path in paths:
        _expand_into(expanded, _parse(path), resolve)
    return expanded


def check_paths(paths: Sequence[str]) -> None:
    """Raise InvalidInput for a malformed path, even when there is nothing to expand."""
    for path in paths:
        _parse(path)


def _parse(path: str) -> list[tuple[str, str | None]]:
    segments = []
    for part in path.split("."):
        match = _SEGMENT.match(part.strip())
        if match is None:
            raise invalid_input(f"Malformed parameter: expand: {path!r}")
        segments.append((match["name"], match["index"]))
    return segments


def _expand_into(node: Any, segments: list[tuple[str, str | None]], resolve: Resolver) -> None:
    if not segments or not isinstance(node, dict):
        return
    (name, index), rest = segments[0], segments[1:]
    value = node.get(name)
    if index is None:
        targets = [value]
    elif not isinstance(value, list):
        return
    elif index == "*":
        targets = value
    else:
        position = int(index)
        targets = [value[position]] if position < len(value) else []
    for target in targets:
        if _is_reference(target):
            if "obj" not in target:
                found = resolve(target["typeId"], target["id"])
                if found is None:
                    continue
                target["obj"] = clone(found)
            _expand_into(target["obj"], rest, resolve)
        else:
            _expand_into(target, rest, resolve)


def _is_reference(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("typeId"), str)
        and isinstance(value.get("id"), str)
    )
