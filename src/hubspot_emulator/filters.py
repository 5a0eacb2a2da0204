"""Filter branches as used by Lists v3 and flow enrollment criteria (docs/hubspot-api.md §6.5, §10).

Validation/normalisation: branch and filter types from the specs' enums, each variant's
required fields, known operators per operation type (enumeration filters reject
``IS_NOT_EQUAL_TO``, docs/hubspot-api.md §6.5), unified-event branches not nested, the list
convention (root ``OR`` without filters whose children are ``AND`` branches) where asked. Output is
normalised the way HubSpot returns it: ``filterBranchOperator``, ``filterBranches`` and
``filters`` always present, ``includeObjectsWithNoValueSet`` defaulted to false.

Evaluation (DYNAMIC/SNAPSHOT list membership): ``PROPERTY`` filters of the operation types
in :data:`EVALUATED_OPERATIONS`, ``IN_LIST`` and ``CONSTANT`` filters, and ``OR``/``AND``/
``NOT_ALL``/``NOT_ANY``/``RESTRICTED``/``ASSOCIATION`` branches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from hubspot_emulator.api import js, show, validation
from hubspot_emulator.common import parse_timestamp

BRANCH_TYPES = ("OR", "AND", "NOT_ALL", "NOT_ANY", "RESTRICTED", "UNIFIED_EVENTS", "ASSOCIATION")
DEFAULT_BRANCH_OPERATOR = {
    "OR": "OR",
    "AND": "AND",
    "NOT_ALL": "AND",
    "NOT_ANY": "OR",
    "RESTRICTED": "AND",
    "UNIFIED_EVENTS": "AND",
    "ASSOCIATION": "AND",
}
# filterType -> required fields besides filterType (the specs' Public*Filter schemas)
FILTER_REQUIRED: dict[str, tuple[str, ...]] = {
    "PROPERTY": ("property", "operation"),
    "ASSOCIATION": (
        "associationCategory",
        "associationTypeId",
        "coalescingRefineBy",
        "listId",
        "operator",
    ),
    "PAGE_VIEW": ("operator", "pageUrl"),
    "CTA": ("ctaName", "operator"),
    "EVENT": ("eventId", "operator"),
    "FORM_SUBMISSION": ("operator",),
    "FORM_SUBMISSION_ON_PAGE": ("operator", "pageId"),
    "INTEGRATION_EVENT": ("eventTypeId", "filterLines"),
    "EMAIL_SUBSCRIPTION": ("acceptedStatuses", "subscriptionIds"),
    "COMMUNICATION_SUBSCRIPTION": (
        "acceptedOptStates",
        "channel",
        "subscriptionIds",
        "subscriptionType",
    ),
    "SURVEY_MONKEY": ("operator", "surveyId"),
    "SURVEY_MONKEY_VALUE": ("operator", "surveyId", "surveyQuestion", "valueComparison"),
    "WEBINAR": ("operator",),
    "EMAIL_EVENT": ("appId", "emailId", "level", "operator"),
    "PRIVACY": ("operator", "privacyName"),
    "ADS_SEARCH": ("adNetwork", "entityType", "operator", "searchTermType", "searchTerms"),
    "ADS_TIME": ("pruningRefineBy",),
    "IN_LIST": ("listId", "operator"),
    "UNIFIED_EVENTS": ("filterLines",),
    "CONSTANT": ("shouldAccept",),
}
# operationType -> required fields besides operationType/operator/includeObjectsWithNoValueSet
OPERATION_REQUIRED: dict[str, tuple[str, ...]] = {
    "BOOL": ("value",),
    "NUMBER": ("value",),
    "STRING": ("value",),
    "DATETIME": ("timestamp",),
    "RANGED_DATE": ("lowerBound", "upperBound"),
    "COMPARATIVE_PROPERTY_UPDATED": ("comparisonPropertyName",),
    "COMPARATIVE_DATE": ("comparisonPropertyName",),
    "ROLLING_DATE_RANGE": ("numberOfDays",),
    "ROLLING_PROPERTY_UPDATED": ("numberOfDays",),
    "ENUMERATION": ("values",),
    "ALL_PROPERTY": (),
    "NUMBER_RANGED": ("lowerBound", "upperBound"),
    "MULTISTRING": ("values",),
    "DATE": ("day", "month", "year"),
    "CALENDAR_DATE": ("timeUnit",),
    "TIME_POINT": ("timePoint", "type"),
    "TIME_RANGED": ("lowerBoundTimePoint", "upperBoundTimePoint", "type"),
    "COMPARATIVE_STRING": ("comparisonPropertyName",),
}
_STRING_OPS = {
    "IS_EQUAL_TO",
    "IS_NOT_EQUAL_TO",
    "CONTAINS",
    "DOES_NOT_CONTAIN",
    "STARTS_WITH",
    "ENDS_WITH",
}
_NUMBER_OPS = {
    "IS_EQUAL_TO",
    "IS_NOT_EQUAL_TO",
    "IS_GREATER_THAN",
    "IS_GREATER_THAN_OR_EQUAL_TO",
    "IS_LESS_THAN",
    "IS_LESS_THAN_OR_EQUAL_TO",
}
_ROLLING_OPS = {
    "IS_LESS_THAN_X_DAYS_AGO",
    "IS_MORE_THAN_X_DAYS_AGO",
    "IS_LESS_THAN_X_DAYS_FROM_NOW",
    "IS_MORE_THAN_X_DAYS_FROM_NOW",
}
# operators we know per operation type; types not listed accept any operator string
OPERATORS: dict[str, set[str]] = {
    "STRING": _STRING_OPS,
    "MULTISTRING": _STRING_OPS,
    "NUMBER": _NUMBER_OPS,
    "NUMBER_RANGED": {"IS_BETWEEN", "IS_NOT_BETWEEN"},
    "BOOL": {"IS_EQUAL_TO", "IS_NOT_EQUAL_TO"},
    "ENUMERATION": {
        "IS_ANY_OF",
        "IS_NONE_OF",
        "IS_EXACTLY",
        "IS_NOT_EXACTLY",
        "CONTAINS_ALL",
        "DOES_NOT_CONTAIN_ALL",
    },
    "ALL_PROPERTY": {"IS_KNOWN", "IS_UNKNOWN"},
    "DATETIME": {"IS_EQUAL_TO", "IS_BEFORE", "IS_AFTER"},
    "RANGED_DATE": {"IS_BETWEEN", "IS_NOT_BETWEEN"},
    "ROLLING_DATE_RANGE": _ROLLING_OPS,
}
EVALUATED_OPERATIONS = set(OPERATORS)
EVALUATED_FILTERS = {"PROPERTY", "IN_LIST", "CONSTANT"}
EVALUATED_BRANCHES = {"OR", "AND", "NOT_ALL", "NOT_ANY", "RESTRICTED", "ASSOCIATION"}

# objectTypeId -> the property names known for it (None: do not check)
PropsFor = Callable[[str], set[str] | None]


def _missing(obj: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    return [f for f in fields if obj.get(f) is None]


def _required_error(where: str, missing: list[str]) -> Exception:
    return validation(
        f"{where}: required fields were not set: [{', '.join(missing)}]",
        field_name=f"{where}.{missing[0]}",
        code="REQUIRED_FIELD",
    )


def normalize_branch(
    raw: Any,
    where: str,
    object_type_id: str,
    props_for: PropsFor | None = None,
    *,
    list_root: bool = False,
    in_events: bool = False,
) -> dict[str, Any]:
    """Validate one filter branch (recursively) and return it as HubSpot would store it.

    ``list_root``: apply the list convention (root OR without filters, AND children).
    """
    if not isinstance(raw, dict):
        raise validation(f"{where} must be a filter branch object", field_name=where)
    btype = raw.get("filterBranchType")
    if btype not in BRANCH_TYPES:
        raise validation(
            f"{where}.filterBranchType must be one of {', '.join(BRANCH_TYPES)} (got {js(btype)})",
            field_name=f"{where}.filterBranchType",
        )
    children = raw.get("filterBranches", [])
    filters = raw.get("filters", [])
    if not isinstance(children, list) or not isinstance(filters, list):
        raise validation(
            f"{where}: filterBranches and filters must be lists", field_name=f"{where}.filters"
        )
    operator = raw.get("filterBranchOperator", DEFAULT_BRANCH_OPERATOR[btype])
    if not isinstance(operator, str):
        raise validation(
            f"{where}.filterBranchOperator must be a string",
            field_name=f"{where}.filterBranchOperator",
        )
    out: dict[str, Any] = {**raw, "filterBranchType": btype, "filterBranchOperator": operator}
    if list_root:
        if btype != "OR":
            raise validation(
                f"{where}: the root filter branch must be an OR branch (got {btype})",
                field_name=f"{where}.filterBranchType",
            )
        if filters:
            raise validation(
                f"{where}: the root OR branch cannot hold filters; put them in AND sub-branches",
                field_name=f"{where}.filters",
            )
        for i, child in enumerate(children):
            if not isinstance(child, dict) or child.get("filterBranchType") != "AND":
                raise validation(
                    f"{where}.filterBranches[{i}]: the root OR branch may only contain AND "
                    "branches",
                    field_name=f"{where}.filterBranches[{i}].filterBranchType",
                )
    child_type = object_type_id
    if btype == "UNIFIED_EVENTS":
        missing = _missing(raw, ("eventTypeId", "operator"))
        if missing:
            raise _required_error(where, missing)
        if children:
            raise validation(
                f"{where}: unified-event branches cannot contain nested branches",
                field_name=f"{where}.filterBranches",
            )
    if btype == "ASSOCIATION":
        missing = _missing(
            raw, ("associationCategory", "associationTypeId", "objectTypeId", "operator")
        )
        if missing:
            raise _required_error(where, missing)
        if not isinstance(raw["associationTypeId"], int) or isinstance(
            raw["associationTypeId"], bool
        ):
            raise validation(
                f"{where}.associationTypeId must be an integer",
                field_name=f"{where}.associationTypeId",
            )
        child_type = str(raw["objectTypeId"])
    events = in_events or btype == "UNIFIED_EVENTS"
    out["filterBranches"] = [
        normalize_branch(c, f"{where}.filterBranches[{i}]", child_type, props_for, in_events=events)
        for i, c in enumerate(children)
    ]
    out["filters"] = [
        normalize_filter(f, f"{where}.filters[{i}]", child_type, props_for, in_events=events)
        for i, f in enumerate(filters)
    ]
    return out


def normalize_filter(
    raw: Any,
    where: str,
    object_type_id: str,
    props_for: PropsFor | None = None,
    *,
    in_events: bool = False,
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise validation(f"{where} must be a filter object", field_name=where)
    ftype = raw.get("filterType")
    if ftype not in FILTER_REQUIRED:
        raise validation(
            f"{where}.filterType must be one of {', '.join(FILTER_REQUIRED)} (got {js(ftype)})",
            field_name=f"{where}.filterType",
        )
    missing = _missing(raw, FILTER_REQUIRED[ftype])
    if missing:
        raise _required_error(where, missing)
    out = dict(raw)
    if ftype == "PROPERTY":
        prop = raw["property"]
        if not isinstance(prop, str) or not prop:
            raise validation(f"{where}.property must be a string", field_name=f"{where}.property")
        out["operation"] = _normalize_operation(raw["operation"], f"{where}.operation")
        known = props_for(object_type_id) if props_for is not None and not in_events else None
        if known is not None and prop not in known:
            raise validation(
                f"{where}: property '{show(prop)}' does not exist for objectTypeId "
                f"{object_type_id}",
                field_name=f"{where}.property",
                code="PROPERTY_DOESNT_EXIST",
            )
    elif ftype == "IN_LIST":
        if raw["operator"] not in ("IN_LIST", "NOT_IN_LIST"):
            raise validation(
                f"{where}.operator must be IN_LIST or NOT_IN_LIST", field_name=f"{where}.operator"
            )
        out["listId"] = str(raw["listId"])
    elif ftype == "CONSTANT" and not isinstance(raw["shouldAccept"], bool):
        raise validation(
            f"{where}.shouldAccept must be a boolean", field_name=f"{where}.shouldAccept"
        )
    return out


def _normalize_operation(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise validation(f"{where} must be an object", field_name=where)
    otype = raw.get("operationType")
    if otype not in OPERATION_REQUIRED:
        raise validation(
            f"{where}.operationType must be one of {', '.join(OPERATION_REQUIRED)} "
            f"(got {js(otype)})",
            field_name=f"{where}.operationType",
        )
    missing = _missing(raw, ("operator", *OPERATION_REQUIRED[otype]))
    if missing:
        raise _required_error(where, missing)
    operator = raw["operator"]
    if otype == "ENUMERATION" and operator == "IS_NOT_EQUAL_TO":
        raise validation(
            f"{where}: enumeration filters do not support IS_NOT_EQUAL_TO; "
            "use IS_NONE_OF with a one-element list",
            field_name=f"{where}.operator",
        )
    known = OPERATORS.get(otype)
    if known is not None and operator not in known:
        raise validation(
            f"{where}.operator '{show(operator)}' is not valid for {otype} operations; "
            f"expected one of {', '.join(sorted(known))}",
            field_name=f"{where}.operator",
        )
    for key in ("values",):
        if key in OPERATION_REQUIRED[otype] and not isinstance(raw[key], list):
            raise validation(f"{where}.{key} must be a list", field_name=f"{where}.{key}")
    # PublicNumberPropertyOperation.value is a number (lists and automation v4 specs)
    if otype == "NUMBER" and (
        isinstance(raw["value"], bool) or not isinstance(raw["value"], int | float)
    ):
        raise validation(
            f"{where}.value must be a number (got {js(raw['value'])})",
            field_name=f"{where}.value",
        )
    include = raw.get("includeObjectsWithNoValueSet", False)
    if not isinstance(include, bool):
        raise validation(
            f"{where}.includeObjectsWithNoValueSet must be a boolean",
            field_name=f"{where}.includeObjectsWithNoValueSet",
        )
    return {**raw, "includeObjectsWithNoValueSet": include}


def unsupported(branch: dict[str, Any]) -> str | None:
    """What in ``branch`` the emulator cannot evaluate (for DYNAMIC/SNAPSHOT lists)."""
    if branch["filterBranchType"] not in EVALUATED_BRANCHES:
        return f"filterBranchType {branch['filterBranchType']}"
    for f in branch["filters"]:
        if f["filterType"] not in EVALUATED_FILTERS:
            return f"filterType {f['filterType']}"
        if f["filterType"] == "PROPERTY":
            otype = f["operation"]["operationType"]
            if otype not in EVALUATED_OPERATIONS:
                return f"operationType {otype}"
    for child in branch["filterBranches"]:
        found = unsupported(child)
        if found:
            return found
    return None


def list_ids(branch: dict[str, Any]) -> set[str]:
    """The list ids an ``IN_LIST`` filter anywhere in ``branch`` refers to."""
    return {list_id for list_id, _type in list_refs(branch, "")}


def list_refs(branch: dict[str, Any], object_type_id: str) -> set[tuple[str, str]]:
    """(listId, objectTypeId the filter applies to) for every ``IN_LIST`` filter; inside an
    ``ASSOCIATION`` branch the filters apply to the associated object type."""
    if branch.get("filterBranchType") == "ASSOCIATION":
        object_type_id = str(branch.get("objectTypeId"))
    found = {
        (str(f["listId"]), object_type_id)
        for f in branch.get("filters", [])
        if f.get("filterType") == "IN_LIST"
    }
    for child in branch.get("filterBranches", []):
        found |= list_refs(child, object_type_id)
    return found


# -- evaluation --------------------------------------------------------------------------------
class Env(Protocol):
    """What evaluation needs from the store: associated records and other lists."""

    def associated(
        self, object_type_id: str, record_id: str, to_type_id: str, type_id: int | None
    ) -> list[dict[str, Any]]: ...

    def in_list(self, list_id: str, record_id: str) -> bool: ...


def matches(branch: dict[str, Any], record: dict[str, Any], object_type_id: str, env: Env) -> bool:
    btype = branch["filterBranchType"]
    if btype == "ASSOCIATION":
        to_type = str(branch["objectTypeId"])
        type_id = branch.get("associationTypeId")
        inner = {**branch, "filterBranchType": "AND"}
        return any(
            matches(inner, other, to_type, env)
            for other in env.associated(object_type_id, record["id"], to_type, type_id)
        )
    results = [_filter(f, record, env) for f in branch["filters"]] + [
        matches(c, record, object_type_id, env) for c in branch["filterBranches"]
    ]
    if btype == "OR":
        return any(results)
    if btype == "NOT_ANY":
        return not any(results)
    if btype == "NOT_ALL":
        return not all(results)
    return all(results)  # AND, RESTRICTED


def _filter(f: dict[str, Any], record: dict[str, Any], env: Env) -> bool:
    ftype = f["filterType"]
    if ftype == "CONSTANT":
        return bool(f["shouldAccept"])
    if ftype == "IN_LIST":
        inside = env.in_list(str(f["listId"]), record["id"])
        return inside if f["operator"] == "IN_LIST" else not inside
    value = (record.get("properties") or {}).get(f["property"])
    return property_matches(f["operation"], None if value is None else str(value))


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def property_matches(op: dict[str, Any], value: str | None, now_ms: int | None = None) -> bool:
    otype, operator = op["operationType"], op["operator"]
    has_value = value not in (None, "")
    if otype == "ALL_PROPERTY":
        return has_value if operator == "IS_KNOWN" else not has_value
    if value is None or value == "":
        return bool(op.get("includeObjectsWithNoValueSet"))
    if otype in ("STRING", "MULTISTRING"):
        wanted = [str(op["value"])] if otype == "STRING" else [str(v) for v in op["values"]]
        text = value.casefold()
        negative = operator in ("IS_NOT_EQUAL_TO", "DOES_NOT_CONTAIN")
        positive = {
            "IS_EQUAL_TO": "IS_EQUAL_TO",
            "IS_NOT_EQUAL_TO": "IS_EQUAL_TO",
            "CONTAINS": "CONTAINS",
            "DOES_NOT_CONTAIN": "CONTAINS",
        }.get(operator, operator)
        hits = [_string_op(positive, text, w.casefold()) for w in wanted]
        return not any(hits) if negative else any(hits)
    if otype == "ENUMERATION":
        have = {v.strip().casefold() for v in value.split(";") if v.strip()}
        want = {str(v).casefold() for v in op["values"]}
        if operator == "IS_ANY_OF":
            return bool(have & want)
        if operator == "IS_NONE_OF":
            return not have & want
        if operator == "IS_EXACTLY":
            return have == want
        if operator == "IS_NOT_EXACTLY":
            return have != want
        if operator == "CONTAINS_ALL":
            return want <= have
        return not want <= have  # DOES_NOT_CONTAIN_ALL
    if otype == "BOOL":
        equal = value.strip().lower() == str(bool(op["value"])).lower()
        return equal if operator == "IS_EQUAL_TO" else not equal
    if otype in ("NUMBER", "NUMBER_RANGED"):
        number = _num(value)
        if number is None:
            return False
        if otype == "NUMBER_RANGED":
            inside = float(op["lowerBound"]) <= number <= float(op["upperBound"])
            return inside if operator == "IS_BETWEEN" else not inside
        return _compare(operator, number, float(op["value"]))
    stamp = parse_timestamp(value)
    if stamp is None:
        return False
    if otype == "DATETIME":
        target = int(op["timestamp"])
        if operator == "IS_EQUAL_TO":
            return stamp // 86_400_000 == target // 86_400_000
        return stamp < target if operator == "IS_BEFORE" else stamp > target
    if otype == "RANGED_DATE":
        inside = int(op["lowerBound"]) <= stamp <= int(op["upperBound"])
        return inside if operator == "IS_BETWEEN" else not inside
    # ROLLING_DATE_RANGE
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    span = int(op["numberOfDays"]) * 86_400_000
    if operator == "IS_LESS_THAN_X_DAYS_AGO":
        return now - span <= stamp <= now
    if operator == "IS_MORE_THAN_X_DAYS_AGO":
        return stamp < now - span
    if operator == "IS_LESS_THAN_X_DAYS_FROM_NOW":
        return now <= stamp <= now + span
    return stamp > now + span  # IS_MORE_THAN_X_DAYS_FROM_NOW


def _string_op(operator: str, text: str, wanted: str) -> bool:
    if operator == "IS_EQUAL_TO":
        return text == wanted
    if operator == "CONTAINS":
        return wanted in text
    if operator == "STARTS_WITH":
        return text.startswith(wanted)
    return text.endswith(wanted)  # ENDS_WITH


def _compare(operator: str, left: float, right: float) -> bool:
    return {
        "IS_EQUAL_TO": left == right,
        "IS_NOT_EQUAL_TO": left != right,
        "IS_GREATER_THAN": left > right,
        "IS_GREATER_THAN_OR_EQUAL_TO": left >= right,
        "IS_LESS_THAN": left < right,
        "IS_LESS_THAN_OR_EQUAL_TO": left <= right,
    }[operator]
