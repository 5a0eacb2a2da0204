"""What every new portal starts with (NOTES §4.6, §12.3): default groups, a handful of
HubSpot-defined properties, the ``default`` deals pipeline and ticket pipeline ``0``, and
one owner (the portal's first user).

Built-in pipelines report ``createdAt`` as the epoch (NOTES §1).
"""

from __future__ import annotations

from typing import Any

from hs_japan.emulator.owners import add_owner
from hs_japan.emulator.store import Store

EPOCH = "1970-01-01T00:00:00Z"
SEED_OWNER = {
    "email": "owner@example.com",
    "firstName": "Taro",
    "lastName": "Yamada",
    "teams": [{"name": "Sales", "primary": True}],
}

DEFAULT_GROUPS = {
    "contacts": [("contactinformation", "Contact information")],
    "companies": [("companyinformation", "Company information")],
    "deals": [("dealinformation", "Deal information")],
    "tickets": [("ticketinformation", "Ticket information")],
}

LIFECYCLE = [
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
]

# (name, label, type, fieldType, options)
_Prop = tuple[str, str, str, str, list[tuple[str, str]]]
DEFAULT_PROPERTIES: dict[str, list[_Prop]] = {
    "contacts": [
        ("email", "Email", "string", "text", []),
        ("firstname", "First Name", "string", "text", []),
        ("lastname", "Last Name", "string", "text", []),
        ("phone", "Phone Number", "string", "phonenumber", []),
        ("jobtitle", "Job Title", "string", "text", []),
        ("company", "Company Name", "string", "text", []),
        ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", LIFECYCLE),
        ("hubspot_owner_id", "Contact owner", "enumeration", "select", []),
    ],
    "companies": [
        ("name", "Name", "string", "text", []),
        ("domain", "Company Domain Name", "string", "text", []),
        ("industry", "Industry", "string", "text", []),
        ("numberofemployees", "Number of Employees", "number", "number", []),
        ("annualrevenue", "Annual Revenue", "number", "number", []),
        ("city", "City", "string", "text", []),
        ("hubspot_owner_id", "Company owner", "enumeration", "select", []),
    ],
    "deals": [
        ("dealname", "Deal Name", "string", "text", []),
        ("amount", "Amount", "number", "number", []),
        ("dealstage", "Deal Stage", "enumeration", "radio", []),
        ("pipeline", "Pipeline", "enumeration", "select", []),
        ("closedate", "Close Date", "datetime", "date", []),
        (
            "dealtype",
            "Deal Type",
            "enumeration",
            "radio",
            [
                ("newbusiness", "New Business"),
                ("existingbusiness", "Existing Business"),
            ],
        ),
        ("hubspot_owner_id", "Deal owner", "enumeration", "select", []),
        ("description", "Deal Description", "string", "textarea", []),
    ],
    "tickets": [
        ("subject", "Ticket name", "string", "text", []),
        ("content", "Ticket description", "string", "textarea", []),
        ("hs_pipeline", "Pipeline", "enumeration", "select", []),
        ("hs_pipeline_stage", "Ticket status", "enumeration", "select", []),
        (
            "hs_ticket_priority",
            "Priority",
            "enumeration",
            "select",
            [
                ("LOW", "Low"),
                ("MEDIUM", "Medium"),
                ("HIGH", "High"),
            ],
        ),
        ("hubspot_owner_id", "Ticket owner", "enumeration", "select", []),
    ],
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
        for obj, props in DEFAULT_PROPERTIES.items():
            group = DEFAULT_GROUPS[obj][0][0]
            for order, (name, label, ptype, field_type, options) in enumerate(props):
                store.put(
                    portal_id,
                    f"prop:{obj}",
                    name,
                    {
                        "name": name,
                        "label": label,
                        "type": ptype,
                        "fieldType": field_type,
                        "groupName": group,
                        "description": "",
                        "options": [
                            {"label": lab, "value": val, "displayOrder": i, "hidden": False}
                            for i, (val, lab) in enumerate(options)
                        ],
                        "displayOrder": order,
                        "hidden": False,
                        "formField": name in ("email", "firstname", "lastname", "phone"),
                        "hasUniqueValue": False,
                        "calculated": False,
                        "externalOptions": name
                        in (
                            "dealstage",
                            "pipeline",
                            "hubspot_owner_id",
                            "hs_pipeline",
                            "hs_pipeline_stage",
                        ),
                        "hubspotDefined": True,
                        "archived": False,
                        "dataSensitivity": "non_sensitive",
                        "modificationMetadata": {
                            "archivable": False,
                            "readOnlyDefinition": True,
                            "readOnlyValue": False,
                            "readOnlyOptions": name != "lifecyclestage",
                        },
                        "createdAt": EPOCH,
                        "updatedAt": now,
                    },
                )
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
