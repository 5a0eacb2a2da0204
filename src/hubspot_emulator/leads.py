"""Leads (object type ``0-136``): what a portal with leads starts with, and the tier gate
(crm-leads-v3.json; docs/hubspot-api.md §15.5).

Leads are served through the generic endpoints (records, properties, groups, pipelines,
flows, lists); this module adds what is particular to them:

- **Tier.** The leads spec's tier block requires Sales Hub Professional
  (``info.x-hubspot-product-tier-requirements``), and lead pipelines are for Sales Hub
  Professional and Enterprise (HubSpot pipelines guide). Below that, every call naming the
  leads object answers 403 ``FEATURE_NOT_AVAILABLE`` [guess: the shape HubSpot uses is not
  in the material reached; the flows gate answers the same way].
- **The lead pipeline.** A portal with leads has one lead pipeline, ``lead-pipeline-id``,
  with the stages ``new-stage-id`` (New), ``attempting-stage-id`` (Attempting),
  ``connected-stage-id`` (Connected), ``qualified-stage-id`` (Qualified) and
  ``unqualified-stage-id`` (Disqualified) [obs: integrations quoting
  ``GET /crm/v3/pipelines/0-136``]. Lead stage metadata is kept as given (no key is
  documented as required).
- **A lead needs its contact.** "Your new lead must be associated with an existing
  contact" [docs: developers.hubspot.com/docs/api-reference/crm-leads-v3/guide]: a create
  (single or batch) without an association to a live contact is a 400
  ``VALIDATION_ERROR`` naming ``associations`` [guess: HubSpot's message and code are not
  in the material reached] (:func:`require_contact`, called by ``records.create_record``).
"""

from __future__ import annotations

from typing import Any

from hubspot_emulator.api import ApiError, Request, validation
from hubspot_emulator.catalogue import EPOCH
from hubspot_emulator.common import ALIASES
from hubspot_emulator.limits_tracking import at_least, hub_tier
from hubspot_emulator.store import Store

LEADS = "leads"
LEADS_TYPE_ID = "0-136"
DEFAULT_LEAD_PIPELINE = "lead-pipeline-id"
DEFAULT_LEAD_STAGES = (
    ("new-stage-id", "New"),
    ("attempting-stage-id", "Attempting"),
    ("connected-stage-id", "Connected"),
    ("qualified-stage-id", "Qualified"),
    ("unqualified-stage-id", "Disqualified"),
)
# HubSpot-defined association type ids for lead → contact (primary) and lead → company
# (the leads guide's create example uses 578) [docs: leads guide; 580 obs]
LEAD_TO_CONTACT = 578
LEAD_TO_COMPANY = 580
_PARAMS = ("objectType", "objectTypeId", "fromObjectType", "toObjectType")


def has_leads(portal: dict[str, Any]) -> bool:
    """Whether the portal's Sales Hub subscription includes leads (Professional and up)."""
    return at_least(hub_tier(portal, "sales"), "professional")


def names_leads(request: Request) -> bool:
    """Whether the request's path names the leads object (by name or type id)."""
    return any(ALIASES.get(str(request.params.get(p, "")).lower()) == LEADS for p in _PARAMS)


def check_tier(request: Request) -> None:
    """Refuse a call about leads on a portal without them (called by the server for every
    HubSpot API request, after the scope check)."""
    if not names_leads(request) or has_leads(request.portal):
        return
    level = hub_tier(request.portal, "sales") or "none"
    raise ApiError(
        403,
        "FORBIDDEN",
        f"Leads need Sales Hub Professional or Enterprise; this portal's Sales Hub is {level}.",
        sub_category="FEATURE_NOT_AVAILABLE",
        context={"requiredTier": ["sales:professional", "sales:enterprise"], "tier": [level]},
    )


def seed_leads(store: Store, portal_id: int) -> None:
    """The lead pipeline every portal with leads starts with (stored for every portal; the
    tier gate hides it below Sales Hub Professional)."""
    stages = [
        {
            "id": sid,
            "label": label,
            "displayOrder": i,
            "metadata": {},
            "archived": False,
            "createdAt": EPOCH,
            "updatedAt": EPOCH,
            "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
        }
        for i, (sid, label) in enumerate(DEFAULT_LEAD_STAGES)
    ]
    store.put(
        portal_id,
        f"pipeline:{LEADS}",
        DEFAULT_LEAD_PIPELINE,
        {
            "id": DEFAULT_LEAD_PIPELINE,
            "label": "Lead pipeline",
            "displayOrder": 0,
            "stages": stages,
            "archived": False,
            "createdAt": EPOCH,
            "updatedAt": EPOCH,
        },
    )


def require_contact(links: list[tuple[str, str, int]], where: str) -> None:
    """Refuse a lead created without an association to a contact (``links`` are the
    create body's validated associations: (toObject, toId, typeId); a missing contact was
    already refused as ``INVALID_ASSOCIATION``)."""
    if any(to_obj == "contacts" for to_obj, _id, _type in links):
        return
    raise validation(
        f"{where}associations: a lead must be created with an association to an existing "
        f"contact (associations[].to.id = the contact's id, types "
        f"[{{associationCategory: HUBSPOT_DEFINED, associationTypeId: {LEAD_TO_CONTACT}}}])",
        field_name=f"{where}associations",
        code="REQUIRED_ASSOCIATION",
    )
