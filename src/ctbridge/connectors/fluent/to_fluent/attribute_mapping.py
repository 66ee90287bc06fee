"""commercetools product attributes as Fluent attributes, typed by their commercetools type."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ctbridge.commercetools.money import amount, currency

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def localized(value: Any, locale: str) -> str | None:
    """The text of a LocalizedString in `locale` (then its language), or a plain string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if value.get(locale):
            return str(value[locale])
        language = locale.split("-")[0]
        if value.get(language):
            return str(value[language])
    return None


def map_attribute(
    attribute: dict[str, Any], locale: str, ct_type: str | None = None
) -> dict[str, Any] | None:
    """`{name, type, value}` for Fluent, or None for an attribute without a value.

    `ct_type` is the attribute definition's type name (`text`, `ltext`, `number`, `boolean`,
    `enum`, `lenum`, `money`, `date`, `datetime`, `time`, `set`, `reference`, `nested`); without
    it the type is read from the value's shape.
    """
    value = attribute.get("value")
    if value is None:
        return None
    kind = ct_type or _shape(value)
    fluent_type, fluent_value = _convert(kind, value, locale)
    if fluent_value is None:
        return None
    return {"name": attribute["name"], "type": fluent_type, "value": fluent_value}


def _shape(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, list):
        return "set"
    if isinstance(value, dict):
        if "centAmount" in value:
            return "money"
        if "typeId" in value and "id" in value:
            return "reference"
        if "key" in value and "label" in value:
            return "lenum" if isinstance(value["label"], dict) else "enum"
        return "ltext"
    if isinstance(value, str):
        if DATE.match(value):
            return "date"
        if DATETIME.match(value):
            return "datetime"
    return "text"


def _convert(kind: str, value: Any, locale: str) -> tuple[str, Any]:
    if kind in ("text", "time"):
        return "STRING", str(value)
    if kind == "ltext":
        return "STRING", localized(value, locale)
    if kind == "boolean":
        return "BOOLEAN", bool(value)
    if kind == "number":
        number = Decimal(str(value))
        return (
            ("INTEGER", int(number)) if number == number.to_integral_value() else ("FLOAT", number)
        )
    if kind == "enum":
        return "STRING", value.get("label") if isinstance(value, dict) else str(value)
    if kind == "lenum":
        return "STRING", localized(value.get("label"), locale) if isinstance(value, dict) else str(
            value
        )
    if kind == "money":
        return "JSON", {"currency": currency(value), "value": amount(value)}
    if kind == "date":
        return "DATE", str(value)
    if kind == "datetime":
        return "TIMESTAMP", str(value)
    if kind == "reference":
        return "STRING", _reference_key(value)
    if kind == "set":
        items = [_convert(_shape(item), item, locale)[1] for item in value]
        return "JSON", [item for item in items if item is not None]
    return "JSON", value


def _reference_key(value: dict[str, Any]) -> str:
    expanded = value.get("obj") or {}
    return str(expanded.get("key") or value.get("key") or value.get("id"))
