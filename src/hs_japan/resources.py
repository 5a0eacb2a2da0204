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
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    PROPERTY_GROUP = "property_group"
    PROPERTY = "property"
    PIPELINE = "pipeline"
    STAGE = "stage"
    LIST = "list"
    WORKFLOW = "workflow"
    ASSOCIATION_LABEL = "association_label"
    PROPERTY_VALIDATION = "property_validation"
    FORM = "form"


OBJECT_TYPES: tuple[str, ...] = ("contacts", "companies", "deals", "tickets")
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
    {"contactinformation", "companyinformation", "dealinformation", "ticketinformation"}
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
