"""Fluent locations → commercetools channels: name, address, geo location and store details."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ctbridge.connectors.fluent.client.graphql_pages import edges
from ctbridge.connectors.fluent.to_commercetools.custom_types import CHANNEL_TYPE

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class LocationNotMappable(ValueError):
    """The location lacks what a channel needs (a ref usable as a key, an ISO country)."""


def channel_key(location: Mapping[str, Any]) -> str:
    ref = str(location.get("ref") or "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{2,256}", ref):
        raise LocationNotMappable(
            f"location ref {ref!r} cannot be a channel key ([A-Za-z0-9_-]{{2,256}})"
        )
    return ref


def address(location: Mapping[str, Any]) -> dict[str, Any] | None:
    primary = location.get("primaryAddress") or {}
    if not primary:
        return None
    country = str(primary.get("country") or "").strip()
    if not re.fullmatch(r"[A-Za-z]{2}", country):
        raise LocationNotMappable(
            f"location {location.get('ref')} has country {country!r}, not a two-letter ISO code"
        )
    fields = {
        "streetName": primary.get("street"),
        "city": primary.get("city"),
        "state": primary.get("state"),
        "region": primary.get("region"),
        "postalCode": primary.get("postcode"),
        "country": country.upper(),
        "phone": location.get("supportPhoneNumber"),
    }
    return {k: v for k, v in fields.items() if v not in (None, "")}


def _coordinate(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def geo_location(location: Mapping[str, Any]) -> dict[str, Any] | None:
    """GeoJSON point, longitude first; none for a missing or impossible coordinate."""
    primary = location.get("primaryAddress") or {}
    latitude, longitude = (
        _coordinate(primary.get("latitude")),
        _coordinate(primary.get("longitude")),
    )
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if latitude == 0 and longitude == 0:  # Fluent's default for "not geocoded"
        return None
    return {"type": "Point", "coordinates": [float(longitude), float(latitude)]}


def opening_schedule(location: Mapping[str, Any]) -> str | None:
    """{"allHours": bool, "mon": [start, end], ...} with Fluent's hhmm integers, as JSON text."""
    schedule = location.get("openingSchedule") or {}
    if not schedule:
        return None
    days = {day: [schedule.get(f"{day}Start"), schedule.get(f"{day}End")] for day in DAYS}
    value = {"allHours": bool(schedule.get("allHours")), **days}
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def store_details(location: Mapping[str, Any]) -> dict[str, str]:
    primary = location.get("primaryAddress") or {}
    attributes = location.get("attributes") or []
    fields = {
        "flType": location.get("type"),
        "flStatus": location.get("status"),
        "flPhone": location.get("supportPhoneNumber"),
        "flLatitude": None if primary.get("latitude") is None else str(primary["latitude"]),
        "flLongitude": None if primary.get("longitude") is None else str(primary["longitude"]),
        "flTimezone": primary.get("timeZone"),
        "flOpeningSchedule": opening_schedule(location),
        "flAttributes": json.dumps(attributes, separators=(",", ":"), sort_keys=True)
        if attributes
        else None,
    }
    return {k: str(v) for k, v in fields.items() if v not in (None, "")}


def in_network(location: Mapping[str, Any], network_ref: str | None) -> bool:
    if not network_ref:
        return True
    return any(node.get("ref") == network_ref for node in edges(location.get("networks")))


def channel_draft(location: Mapping[str, Any], *, locale: str, roles: list[str]) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "key": channel_key(location),
        "roles": list(roles),
        "name": {locale: location.get("name") or location["ref"]},
        "custom": {
            "type": {"typeId": "type", "key": CHANNEL_TYPE},
            "fields": store_details(location),
        },
    }
    found_address = address(location)
    if found_address:
        draft["address"] = found_address
    point = geo_location(location)
    if point:
        draft["geoLocation"] = point
    return draft


def channel_actions(
    channel: Mapping[str, Any], location: Mapping[str, Any], *, locale: str
) -> list[dict[str, Any]]:
    """What differs between the channel and the location; roles are left as the project set
    them. Store details go into the Fluent type unless the channel has another type, in which
    case only fields are set (ct refuses them if that type lacks them)."""
    actions: list[dict[str, Any]] = []
    name = location.get("name") or location["ref"]
    if (channel.get("name") or {}).get(locale) != name:
        actions.append(
            {"action": "changeName", "name": {**(channel.get("name") or {}), locale: name}}
        )
    wanted_address = address(location)
    if _address_key(channel.get("address")) != _address_key(wanted_address):
        actions.append({"action": "setAddress", "address": wanted_address})
    point = geo_location(location)
    if (channel.get("geoLocation") or None) != point:
        actions.append({"action": "setGeoLocation", "geoLocation": point})
    details = store_details(location)
    custom = channel.get("custom")
    if not custom:
        actions.append(
            {
                "action": "setCustomType",
                "type": {"typeId": "type", "key": CHANNEL_TYPE},
                "fields": details,
            }
        )
        return actions
    current = custom.get("fields") or {}
    for field_name in sorted({*details, *(k for k in current if k.startswith("fl"))}):
        if current.get(field_name) != details.get(field_name):
            actions.append(
                {"action": "setCustomField", "name": field_name, "value": details.get(field_name)}
            )
    return actions


def _address_key(value: Mapping[str, Any] | None) -> tuple[Any, ...]:
    value = {k: v for k, v in (value or {}).items() if k not in ("id", "key")}
    return tuple(sorted(value.items()))
