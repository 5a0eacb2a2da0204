"""Names hs-japan creates for itself in a portal, in one place (pure; any layer may import).

None starts with ``hs_``: HubSpot uses that prefix for its own properties and groups
(docs/hubspot-api.md, "Reserved names"). Releases before 0.2 used ``hs_japan_*``; the
``LEGACY_*`` names are still recognised when read, and replaced safely when written
(docs/time-invariance.md does not apply here; see docs/safety.md, "Renamed internals").
"""

from __future__ import annotations

# customProperties key that marks hs-japan's workflows (value: rule_<key> / criteria_<…>)
MARKER = "hsjapan_key"
LEGACY_MARKER = "hs_japan_key"
# property group whose existence is the apply lock (label: holder, time, expiry)
LOCK_GROUP = "hsjapan_apply_lock"
LEGACY_LOCK_GROUP = "hs_japan_apply_lock"
# deal property whose description records the migrations applied to the portal
MIGRATION_RECORD = "hsjapan_migrations"
MIGRATION_RECORD_OBJECT = "contacts"  # the record is a hidden property of this object
LEGACY_MIGRATION_RECORD = "hs_japan_migrations"

# hidden contact property whose description maps hs-japan's list keys to the ids of the
# lists it created or adopted (lists.encode_list_ids; docs/safety.md, "List identity")
LIST_IDS = "hsjapan_list_ids"
LIST_IDS_OBJECT = "contacts"
LIST_IDS_GROUP = "contactinformation"  # a HubSpot default group (docs/hubspot-api.md §12.3)

RESERVED_GROUPS = frozenset({LOCK_GROUP, LEGACY_LOCK_GROUP})
RESERVED_PROPERTIES = frozenset({MIGRATION_RECORD, LEGACY_MIGRATION_RECORD, LIST_IDS})
# what each reserved property is, in words (validate and doctor say why a name is refused)
RESERVED_PROPERTY_ROLES = {
    MIGRATION_RECORD: "hs-japan's migration record",
    LEGACY_MIGRATION_RECORD: "hs-japan's migration record",
    LIST_IDS: "hs-japan's record of the ids of its lists",
}


def marker_of(flow: dict[str, object]) -> str | None:
    """The hs-japan marker of a flow (new key first, then the legacy one), or None."""
    custom = flow.get("customProperties")
    if not isinstance(custom, dict):
        return None
    value = custom.get(MARKER) or custom.get(LEGACY_MARKER)
    return str(value) if value else None
