"""What every new portal starts with (docs/hubspot-api.md §4.6, §12.3): default groups, a handful of
HubSpot-defined properties, the ``default`` deals pipeline and ticket pipeline ``0``, and
one owner (the portal's first user).

Built-in pipelines report ``createdAt`` as the epoch (docs/hubspot-api.md §1).
"""

from __future__ import annotations

from typing import Any

from hubspot_emulator.catalogue import CATALOGUE, DEFAULT_GROUPS, EPOCH, catalogue_docs
from hubspot_emulator.owners import add_owner
from hubspot_emulator.store import Store

SEED_OWNER = {
    "email": "owner@example.com",
    "firstName": "Taro",
    "lastName": "Yamada",
    "teams": [{"name": "Sales", "primary": True}],
}

DEFAULT_DEAL_STAGES = [
    ("appointmentscheduled", "Appointment Scheduled", "0.2"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4"),
    ("presentationscheduled", "Presentation Scheduled", "0.6"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
    ("contractsent", "Contract Sent", "0.9"),
    ("closedwon", "Closed Won", "1.0"),
    ("closedlost", "Closed Lost", "0.0"),
]
DEFAULT_TICKET_STAGES = [
    ("1", "New", "OPEN"),
    ("2", "Waiting on contact", "OPEN"),
    ("3", "Waiting on us", "OPEN"),
    ("4", "Closed", "CLOSED"),
]


def _stage(stage_id: str, label: str, order: int, metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": metadata,
        "archived": False,
        "createdAt": EPOCH,
        "updatedAt": EPOCH,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def seed_portal(store: Store, portal_id: int) -> None:
    now = store.now_iso()
    with store.transaction():
        for obj, groups in DEFAULT_GROUPS.items():
            for order, (name, label) in enumerate(groups):
                store.put(
                    portal_id,
                    f"group:{obj}",
                    name,
                    {
                        "name": name,
                        "label": label,
                        "displayOrder": order,
                        "archived": False,
                        "_builtin": True,
                    },
                )
        for obj in CATALOGUE:
            for doc in catalogue_docs(obj, now):
                store.put(portal_id, f"prop:{obj}", doc["name"], doc)
        deal_stages = [
            _stage(sid, label, i, {"probability": p, "isClosed": str(p in ("0.0", "1.0")).lower()})
            for i, (sid, label, p) in enumerate(DEFAULT_DEAL_STAGES)
        ]
        store.put(
            portal_id,
            "pipeline:deals",
            "default",
            {
                "id": "default",
                "label": "Sales Pipeline",
                "displayOrder": 0,
                "stages": deal_stages,
                "archived": False,
                "createdAt": EPOCH,
                "updatedAt": EPOCH,
            },
        )
        ticket_stages = [
            _stage(sid, label, i, {"ticketState": st, "isClosed": str(st == "CLOSED").lower()})
            for i, (sid, label, st) in enumerate(DEFAULT_TICKET_STAGES)
        ]
        store.put(
            portal_id,
            "pipeline:tickets",
            "0",
            {
                "id": "0",
                "label": "Support Pipeline",
                "displayOrder": 0,
                "stages": ticket_stages,
                "archived": False,
                "createdAt": EPOCH,
                "updatedAt": EPOCH,
            },
        )
        add_owner(store, portal_id, dict(SEED_OWNER))
