"""The plan vocabulary shared by the differ, the renderers, the plan file and apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hs_japan.resources import RECORD_VALUE_KINDS, Kind, PortalInfo


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"

    @property
    def glyph(self) -> str:
        return {"create": "+", "update": "~", "delete": "-", "replace": "-/+"}[self.value]


class Risk(StrEnum):
    SAFE = "safe"
    DESTRUCTIVE = "destructive"  # may lose a definition or record values: needs --allow-destroy


@dataclass(frozen=True)
class Change:
    action: Action
    kind: Kind
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    risk: Risk = Risk.SAFE
    # why the change is risky, for people; never steers apply
    reasons: tuple[str, ...] = ()
    # records the change touches (values lost, or records sitting in a stage); None: not
    # counted (the change cannot lose record data, or the count was not possible)
    records: int | None = None
    # why apply must refuse this change whatever the flags (e.g. a stage holding deals)
    blocked: str | None = None
    # the change told in words where attribute JSON would not read well (workflows)
    details: tuple[str, ...] = ()

    @property
    def object_type(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[1]

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "kind": self.kind.value,
            "key": self.key,
            "objectType": self.object_type,
            "before": self.before,
            "after": self.after,
            "risk": self.risk.value,
            "reasons": list(self.reasons),
            "records": self.records,
            "blocked": self.blocked,
            "details": list(self.details),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(
            action=Action(data["action"]),
            kind=Kind(data["kind"]),
            key=str(data["key"]),
            before=data.get("before"),
            after=data.get("after"),
            risk=Risk(data.get("risk", "safe")),
            reasons=tuple(data.get("reasons", ())),
            records=data.get("records"),
            blocked=data.get("blocked"),
            details=tuple(data.get("details", ())),
        )


@dataclass(frozen=True)
class Plan:
    portal: PortalInfo
    blueprint_root: str
    blueprint_digest: str
    language: str
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def summary(self) -> dict[str, int]:
        counts = {a.value: 0 for a in Action}
        for c in self.changes:
            counts[c.action.value] += 1
        return counts

    @property
    def destructive(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.risk is Risk.DESTRUCTIVE)

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def blocked(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.blocked)

    @property
    def data_loss(self) -> tuple[Change, ...]:
        """Destructive changes that would drop values records hold (or could not be
        counted): apply needs --allow-data-loss on top of --allow-destroy."""
        return tuple(
            c
            for c in self.changes
            if c.risk is Risk.DESTRUCTIVE
            and c.kind in RECORD_VALUE_KINDS
            and not c.blocked
            and (c.records is None or c.records > 0)
        )
