"""Deep copies of JSON documents (dicts, lists, scalars), much cheaper than `copy.deepcopy`."""

from __future__ import annotations

from typing import TypeVar

Document = TypeVar("Document")


def clone(document: Document) -> Document:
    if isinstance(document, dict):
        return {key: clone(value) for key, value in document.items()}  # type: ignore[return-value]
    if isinstance(document, list):
        return [clone(value) for value in document]  # type: ignore[return-value]
    return document
