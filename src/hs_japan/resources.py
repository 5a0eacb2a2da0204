"""Canonical resource values shared by the blueprint compiler, the portal reader and diff.

A resource is identified by ``(kind, key)``. Keys are natural HubSpot keys:

- ``property_group``: ``<objectType>/<groupName>``
- ``property``: ``<objectType>/<propertyName>``
- ``pipeline``: ``<objectType>/<pipelineId>``
- ``stage``: ``<objectType>/<pipelineId>/<stageId>``
- ``list``: ``<objectType>/<blueprint list key>`` (found in the portal by its name)
- ``workflow``: ``<objectType>/<flow key>`` (found by its ``hsjapan_key`` marker)
- ``association_label``: ``<fromObject>/<toObject>/<name>`` (found by its label text)
- ``property_validation``: ``<objectType>/<propertyName>/<RULE_TYPE>``
- ``form``: ``forms/<blueprint form key>`` (found by its ``hsjapan-form-<key>`` CSS class)

``attrs`` hold HubSpot's own (camelCase) attribute names so that the plan reads like
the API it will call. A desired resource carries only the attributes the blueprint
manages; an actual one carries everything the reader normalised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class Kind(str):
    """A resource kind's name (``"property"``). Open, so that a kind is defined by its
    handler module (:meth:`define`) without an edit here; one object per name, so ``is``
    compares kinds. The built-in kinds are class attributes."""

    _known: ClassVar[dict[str, Kind]] = {}
    PROPERTY_GROUP: ClassVar[Kind]
    PROPERTY: ClassVar[Kind]
    PIPELINE: ClassVar[Kind]
    STAGE: ClassVar[Kind]
    LIST: ClassVar[Kind]
    WORKFLOW: ClassVar[Kind]
    ASSOCIATION_LABEL: ClassVar[Kind]
    PROPERTY_VALIDATION: ClassVar[Kind]

    def __new__(cls, value: str) -> Kind:
        try:
            return cls._known[value]
        except KeyError:
            raise ValueError(f"{value!r} is not a resource kind") from None

    @classmethod
    def define(cls, value: str) -> Kind:
        """The kind named ``value``, made on first use."""
        known = cls._known.get(value)
        if known is None:
            known = cls._known[value] = str.__new__(cls, value)
        return known

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Kind({self.value!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Kind.define, (self.value,))

    def __copy__(self) -> Kind:
        return self

    def __deepcopy__(self, memo: Any) -> Kind:
        return self


Kind.PROPERTY_GROUP = Kind.define("property_group")
Kind.PROPERTY = Kind.define("property")
Kind.PIPELINE = Kind.define("pipeline")
Kind.STAGE = Kind.define("stage")
Kind.LIST = Kind.define("list")
Kind.WORKFLOW = Kind.define("workflow")
Kind.ASSOCIATION_LABEL = Kind.define("association_label")
Kind.PROPERTY_VALIDATION = Kind.define("property_validation")


OBJECT_TYPES: tuple[str, ...] = ("contacts", "companies", "deals", "tickets")
# objects a portal has only with some subscriptions: leads need Sales Hub Professional or
# Enterprise and answer 403 below (docs/hubspot-api.md §15.7)
TIER_GATED_OBJECTS: tuple[str, ...] = ("leads",)
# what export reads by default: every object type, and leads where the portal has them
EXPORT_OBJECT_TYPES: tuple[str, ...] = (*OBJECT_TYPES, *TIER_GATED_OBJECTS)
PIPELINE_OBJECT_TYPES: tuple[str, ...] = ("deals", "tickets")

# Property fields HubSpot accepts only at creation (absent from PropertyUpdate,
# docs/hubspot-api.md §5.2).
CREATE_ONLY_PROPERTY_ATTRS: frozenset[str] = frozenset(
    {"hasUniqueValue", "dataSensitivity", "externalOptions", "referencedObjectType"}
)
# Fields fixed at creation, per kind: changing one is a replace (delete + create).
CREATE_ONLY_ATTRS: dict[Kind, frozenset[str]] = {
    Kind.PROPERTY: CREATE_ONLY_PROPERTY_ATTRS,
    Kind.LIST: frozenset({"processingType"}),  # lists v3 has no endpoint to change it
}

# Property groups HubSpot creates in every portal (docs/hubspot-api.md §12.3); never changed
# or deleted.
HUBSPOT_DEFAULT_GROUPS: frozenset[str] = frozenset(
    {
        "contactinformation",
        "companyinformation",
        "dealinformation",
        "ticketinformation",
        "leadinformation",  # [guess on the name, as the emulator's]
    }
)

ResourceId = tuple[Kind, str]


@dataclass(frozen=True)
class Resource:
    kind: Kind
    key: str
    attrs: Mapping[str, Any]
    hubspot_defined: bool = False
    # what the portal reported as last change (``updatedAt``); empty for desired state
    fingerprint: str = field(default="", compare=False)

    @property
    def id(self) -> ResourceId:
        return (self.kind, self.key)

    @property
    def object_type(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def name(self) -> str:
        """The last key segment: group/property name, pipeline id or stage id."""
        return self.key.rsplit("/", 1)[1]

    @property
    def pipeline_id(self) -> str:
        """For stages: the pipeline the stage belongs to."""
        return self.key.split("/")[1]


def make_key(*parts: str) -> str:
    return "/".join(parts)


@dataclass(frozen=True)
class PortalInfo:
    portal_id: int
    account_type: str
    name: str = ""
    time_zone: str = ""


@dataclass
class Snapshot:
    """A set of resources keyed by ``(kind, key)``: a portal as read, or a blueprint compiled."""

    resources: dict[ResourceId, Resource] = field(default_factory=dict)
    # what a kind observed that is no resource of its own but its writers rely on, by a
    # name the kind chooses (e.g. whether hs-japan's list-id record exists): never diffed
    observed: dict[str, Any] = field(default_factory=dict, compare=False)

    def add(self, resource: Resource) -> None:
        self.resources[resource.id] = resource

    def get(self, kind: Kind, key: str) -> Resource | None:
        return self.resources.get((kind, key))

    def of_kind(self, kind: Kind) -> Iterator[Resource]:
        return (r for r in self.resources.values() if r.kind == kind)

    def __len__(self) -> int:
        return len(self.resources)


@dataclass
class PortalState:
    """What the reader saw: account details plus the snapshot of the kinds it read."""

    info: PortalInfo
    snapshot: Snapshot
    # property names found archived (recycle bin) per object type, when read
    archived_properties: dict[str, set[str]] = field(default_factory=dict)
    # hs-japan's workflows as read (full JSON with id and revisionId), by resource key
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)


def normalize_options(options: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Property options in one canonical shape and order (displayOrder, then value).

    ``displayOrder`` −1 sorts after every positive value, as HubSpot displays it.
    """
    norm = [
        {
            "value": str(o.get("value", "")),
            "label": str(o.get("label") or ""),
            "description": str(o.get("description") or ""),
            "displayOrder": int(o["displayOrder"]) if o.get("displayOrder") is not None else -1,
            "hidden": bool(o.get("hidden", False)),
        }
        for o in options
    ]
    return sorted(norm, key=lambda o: (o["displayOrder"] < 0, o["displayOrder"], o["value"]))


# workflow fields HubSpot sets or keeps (docs/hubspot-api.md §6.3); never sent back and
# never diffed
FLOW_SERVER_FIELDS = frozenset(
    {
        "id",
        "uuid",
        "revisionId",
        "createdAt",
        "updatedAt",
        "nextAvailableActionId",
        "crmObjectCreationStatus",
        "createdBy",
        "updatedBy",
    }
)


# -- what one kind asks of another (the shared vocabulary, so that a handler never names
# another handler's kind) ----------------------------------------------------------------

# kinds whose destructive changes lose values records hold (apply: --allow-data-loss)
RECORD_VALUE_KINDS: set[Kind] = {Kind.PROPERTY}


def find_property(snapshots: Iterable[Snapshot | None], key: str) -> Resource | None:
    """Property ``key`` from the first snapshot that holds it."""
    for snap in snapshots:
        res = None if snap is None else snap.get(Kind.PROPERTY, key)
        if res is not None:
            return res
    return None


def property_type(snapshots: Iterable[Snapshot | None], obj: str, name: str) -> str | None:
    """The ``type`` of property ``obj/name`` as the first snapshot holding it states it
    (desired before actual: a blueprint property without ``type`` has none here)."""
    res = find_property(snapshots, make_key(obj, name))
    return None if res is None else res.attrs.get("type")


def property_exists(snapshots: Iterable[Snapshot], tombstones: set[ResourceId], key: str) -> bool:
    """Whether property ``key`` is in a snapshot and not being removed."""
    if (Kind.PROPERTY, key) in tombstones:
        return False
    return any(snap.get(Kind.PROPERTY, key) is not None for snap in snapshots)


def stage_ids(snapshots: Iterable[Snapshot], obj: str) -> dict[str, set[str]]:
    """Pipeline id -> its stage ids, for the pipelines of ``obj`` in any snapshot."""
    out: dict[str, set[str]] = {}
    for snap in snapshots:
        for res in snap.of_kind(Kind.STAGE):
            if res.object_type == obj:
                out.setdefault(res.pipeline_id, set()).add(res.name)
    return out
