"""Property validation rules (crm-property-validations-v3.json; docs/hubspot-api.md §15.1).

``GET /crm/v3/property-validations/{objectTypeId}`` lists the properties that have rules;
``GET …/{propertyName}`` a property's rules; ``GET|PUT …/rule-type/{ruleType}`` one rule.
A PUT (204) replaces the rule of that type only; the property must exist and the rule
type must fit its type (text rules on ``string``, numeric rules on ``number``, date rules
on ``date``/``datetime``). HubSpot publishes no DELETE: a PUT with an empty
``ruleArguments`` removes the rule here (our guess, docs/hubspot-api.md §14).

Record writes check values against the rules (:func:`rule_errors`, called by
``records.py``), as HubSpot does on API writes: a failing value is a 400
``VALIDATION_ERROR`` "Property values were not valid: …".
"""

from __future__ import annotations

import re
from typing import Any

from hubspot_emulator.api import Request, Response, js, not_found, route, validation
from hubspot_emulator.common import ALIASES, OBJECT_SCOPED_SCHEMAS, OBJECT_TYPE_IDS, object_type
from hubspot_emulator.store import Store

BASE = "/crm/v3/property-validations/{objectTypeId}"
RULE_TYPES = (
    "AFTER_DATETIME_DURATION",
    "AFTER_DURATION",
    "ALPHANUMERIC",
    "BEFORE_DATETIME_DURATION",
    "BEFORE_DURATION",
    "DAYS_OF_WEEK",
    "DECIMAL",
    "DOMAIN",
    "EMAIL",
    "EMAIL_ALLOWED_DOMAINS",
    "EMAIL_BLOCKED_DOMAINS",
    "END_DATE",
    "END_DATETIME",
    "FORMAT",
    "MAX_LENGTH",
    "MAX_NUMBER",
    "MIN_LENGTH",
    "MIN_NUMBER",
    "PHONE_NUMBER_WITH_EXPLICIT_COUNTRY_CODE",
    "REGEX",
    "SPECIAL_CHARACTERS",
    "START_DATE",
    "START_DATETIME",
    "URL",
    "URL_ALLOWED_DOMAINS",
    "URL_BLOCKED_DOMAINS",
    "WHITESPACE",
)
_NUMBER = ("MIN_NUMBER", "MAX_NUMBER", "DECIMAL")
_DATE = (
    "AFTER_DATETIME_DURATION",
    "AFTER_DURATION",
    "BEFORE_DATETIME_DURATION",
    "BEFORE_DURATION",
    "DAYS_OF_WEEK",
    "END_DATE",
    "END_DATETIME",
    "START_DATE",
    "START_DATETIME",
)
_INTEGER_ARG = ("MIN_LENGTH", "MAX_LENGTH", "DECIMAL")


def _coll(obj: str) -> str:
    return f"validation:{obj}"


def _obj(request: Request) -> str:
    return object_type(request.params["objectTypeId"])


def _read_scopes(request: Request) -> list[str]:
    obj = ALIASES.get(request.params.get("objectTypeId", "").lower(), "")
    if obj not in OBJECT_TYPE_IDS:
        return []  # the handler answers 400
    if obj in OBJECT_SCOPED_SCHEMAS:  # no crm.schemas.leads.* scope exists
        return [f"crm.objects.{obj}.read", f"crm.objects.{obj}.write"]
    return [
        f"crm.objects.{obj}.read",
        f"crm.objects.{obj}.write",
        f"crm.schemas.{obj}.read",
        f"crm.schemas.{obj}.write",
        *(["tickets"] if obj == "tickets" else []),
    ]


def _write_scopes(request: Request) -> list[str]:
    obj = ALIASES.get(request.params.get("objectTypeId", "").lower(), "")
    if obj not in OBJECT_TYPE_IDS:
        return []  # the handler answers 400
    if obj in OBJECT_SCOPED_SCHEMAS:
        # the spec's PUT lists no leads scope at all; the leads write scope, as for lead
        # properties and pipelines [guess] (docs/hubspot-api.md §15.7)
        return [f"crm.objects.{obj}.write"]
    return [f"crm.schemas.{obj}.write", *(["tickets"] if obj == "tickets" else [])]


def _property(request: Request, obj: str, name: str) -> dict[str, Any]:
    doc = request.store.get(request.portal_id, f"prop:{obj}", name)
    if doc is None or doc.get("archived"):
        raise not_found(f"Unable to find property {name} on object type {obj}")
    return doc


def rules_of(store: Store, portal_id: int, obj: str, prop: str) -> list[dict[str, Any]]:
    doc = store.get(portal_id, _coll(obj), prop)
    rules = (doc or {}).get("rules") or {}
    return [rules[t] for t in sorted(rules)]


def _rule_type(request: Request) -> str:
    rule_type = request.params["ruleType"]
    if rule_type not in RULE_TYPES:
        raise validation(
            f"Invalid ruleType {js(rule_type)}; one of: {', '.join(RULE_TYPES)}",
            field_name="ruleType",
        )
    return rule_type


@route("GET", BASE, scopes=_read_scopes, cached=True)
def list_rules(request: Request) -> Response:
    obj = _obj(request)
    live = {
        p["name"]
        for p in request.store.all(request.portal_id, f"prop:{obj}")
        if not p.get("archived")
    }
    results = []
    for doc in sorted(request.store.all(request.portal_id, _coll(obj)), key=lambda d: d["name"]):
        rules = rules_of(request.store, request.portal_id, obj, doc["name"])
        if rules and doc["name"] in live:
            results.append({"propertyName": doc["name"], "propertyValidationRules": rules})
    return Response(200, {"results": results})


@route("GET", BASE + "/{propertyName}", scopes=_read_scopes)
def property_rules(request: Request) -> Response:
    obj = _obj(request)
    name = request.params["propertyName"]
    _property(request, obj, name)
    return Response(200, {"results": rules_of(request.store, request.portal_id, obj, name)})


@route("GET", BASE + "/{propertyName}/rule-type/{ruleType}", scopes=_read_scopes)
def get_rule(request: Request) -> Response:
    obj = _obj(request)
    name = request.params["propertyName"]
    rule_type = _rule_type(request)
    _property(request, obj, name)
    for rule in rules_of(request.store, request.portal_id, obj, name):
        if rule["ruleType"] == rule_type:
            return Response(200, rule)
    raise not_found(f"No {rule_type} validation rule on property {name}")


def _check_fits(rule_type: str, doc: dict[str, Any], args: list[str]) -> None:
    ptype, name = doc.get("type"), doc["name"]
    if rule_type in _NUMBER and ptype != "number":
        raise validation(f"{rule_type} does not apply to {ptype} property {name}")
    if rule_type in _DATE and ptype not in ("date", "datetime"):
        raise validation(f"{rule_type} does not apply to {ptype} property {name}")
    if rule_type not in _NUMBER + _DATE and ptype != "string":
        raise validation(f"{rule_type} does not apply to {ptype} property {name}")
    if not args:
        return
    if rule_type == "REGEX":
        try:
            re.compile(args[0])
        except re.error as exc:
            raise validation(
                f"ruleArguments[0] is not a valid regular expression: {exc}",
                field_name="ruleArguments",
            ) from None
    if rule_type in _INTEGER_ARG and not args[0].isdigit():
        raise validation(
            f"ruleArguments[0] must be a whole number for {rule_type}", field_name="ruleArguments"
        )
    if rule_type in ("MIN_NUMBER", "MAX_NUMBER"):
        try:
            float(args[0])
        except ValueError:
            raise validation(
                f"ruleArguments[0] must be a number for {rule_type}", field_name="ruleArguments"
            ) from None


@route("PUT", BASE + "/{propertyName}/rule-type/{ruleType}", scopes=_write_scopes, write=True)
def put_rule(request: Request) -> Response:
    obj = _obj(request)
    name = request.params["propertyName"]
    rule_type = _rule_type(request)
    body = request.json_object()
    args = body.get("ruleArguments")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise validation(
            "Required field 'ruleArguments' must be a list of strings", field_name="ruleArguments"
        )
    normalize = body.get("shouldApplyNormalization")
    if normalize is not None and not isinstance(normalize, bool):
        raise validation(
            "shouldApplyNormalization must be a boolean", field_name="shouldApplyNormalization"
        )
    doc = _property(request, obj, name)
    _check_fits(rule_type, doc, args)
    stored = request.store.get(request.portal_id, _coll(obj), name) or {"name": name, "rules": {}}
    if args:
        rule: dict[str, Any] = {"ruleType": rule_type, "ruleArguments": list(args)}
        rule["shouldApplyNormalization"] = bool(normalize)
        stored["rules"][rule_type] = rule
    else:
        stored["rules"].pop(rule_type, None)
    request.store.put(request.portal_id, _coll(obj), name, stored)
    return Response(204)


# -- enforcement on record writes ----------------------------------------------------------------
def _failure(rule: dict[str, Any], text: str) -> str | None:
    rule_type, args = rule["ruleType"], rule.get("ruleArguments") or []
    first = args[0] if args else ""
    value = text.strip() if rule.get("shouldApplyNormalization") else text
    if rule_type == "REGEX":
        try:
            ok = re.fullmatch(first, value) is not None
        except re.error:
            return None
        return None if ok else f'"{text}" does not match the validation rule (regex {first})'
    if rule_type == "MIN_LENGTH" and first.isdigit() and len(value) < int(first):
        return f'"{text}" is shorter than {first} characters'
    if rule_type == "MAX_LENGTH" and first.isdigit() and len(value) > int(first):
        return f'"{text}" is longer than {first} characters'
    if rule_type == "ALPHANUMERIC" and not value.isalnum():
        return f'"{text}" may hold letters and digits only'
    if rule_type in ("MIN_NUMBER", "MAX_NUMBER"):
        try:
            number, bound = float(value), float(first)
        except ValueError:
            return None
        if rule_type == "MIN_NUMBER" and number < bound:
            return f"{text} is less than the minimum {first}"
        if rule_type == "MAX_NUMBER" and number > bound:
            return f"{text} is more than the maximum {first}"
    return None


def rule_errors(store: Store, portal_id: int, obj: str, prop: str, text: str) -> str | None:
    """Why ``text`` breaks one of the property's validation rules (None: it passes)."""
    for rule in rules_of(store, portal_id, obj, prop):
        why = _failure(rule, text)
        if why is not None:
            return why
    return None
