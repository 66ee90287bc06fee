"""Counts and reasons a job or bulk load ends with: sent, skipped with reason, failed with reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_DETAILS = 1000


@dataclass
class RunReport:
    """Tallies outcomes by name and keeps the first `MAX_DETAILS` itemised reasons."""

    counts: Counter[str] = field(default_factory=Counter)
    details: list[dict[str, str]] = field(default_factory=list)
    dropped_details: int = 0

    def count(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n

    def item(self, outcome: str, item_id: str, reason: str = "") -> None:
        """Counts one item's outcome and records why (skipped, failed, not_found...)."""
        self.counts[outcome] += 1
        if len(self.details) < MAX_DETAILS:
            self.details.append({"outcome": outcome, "id": item_id, "reason": reason})
        else:
            self.dropped_details += 1

    def merge(self, other: RunReport) -> None:
        self.counts.update(other.counts)
        room = MAX_DETAILS - len(self.details)
        self.details.extend(other.details[:room])
        self.dropped_details += other.dropped_details + max(0, len(other.details) - room)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "details": list(self.details),
            "dropped_details": self.dropped_details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RunReport:
        report = cls()
        if data:
            report.counts.update(data.get("counts", {}))
            report.details.extend(data.get("details", []))
            report.dropped_details = int(data.get("dropped_details", 0))
        return report
