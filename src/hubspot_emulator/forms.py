"""Marketing forms v3 (marketing-forms-v3.json; docs/hubspot-api.md §15.4, §15.7).

``GET|POST /marketing/v3/forms`` (cursor paging, ``archived``, ``formTypes``; 201 on
create) and ``GET|PUT|PATCH|DELETE /marketing/v3/forms/{formId}``; scope ``forms``; every
tier. Form ids are server-assigned GUID strings. What is enforced here:

- the create/replace body carries the spec's required parts (``name``, ``fieldGroups``,
  ``configuration``, ``displayOptions``, ``legalConsentOptions``); ``formType`` is
  ``hubspot``; ``createdAt``/``updatedAt``/``id`` in a body are ignored (server-set);
- each field has a ``fieldType`` of the spec's list, a ``name`` and an ``objectTypeId`` of
  contacts (0-1) or companies (0-2), and names a live property of that object (a form
  field writes that property); a name appears once per object in a form (the spec: "In
  combination with the object type ID, it must be unique");
- enumerated fields (dropdown, radio, multiple checkboxes) list options whose values are
  options of the property [guess: HubSpot's check is not documented];
- enums: ``groupType``, ``richTextType``, ``theme``, ``postSubmitAction.type``,
  ``configuration.language``, ``legalConsentOptions.type``;
- responses are completed with the spec's required keys (configuration and display
  defaults [guess: HubSpot's defaults are not documented]);
- DELETE archives the form (204); an archived form is found with ``?archived=true`` only.
  PATCH replaces the top-level parts it names; PUT replaces the whole definition.

Form names are not required to be unique here (forms v2 answered 409 for a duplicate
name; the v3 material reached says nothing) [guess].
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from hubspot_emulator.api import (
    Request,
    Response,
    js,
    not_found,
    route,
    validation,
)
from hubspot_emulator.common import cursor_page, fixed

BASE = "/marketing/v3/forms"
ONE = BASE + "/{formId}"
COLL = "form"
SCOPES = fixed("forms")
FIELD_OBJECTS = {"0-1": "contacts", "0-2": "companies"}
FIELD_TYPES = (
    "datepicker",
    "dropdown",
    "email",
    "file",
    "mobile_phone",
    "multi_line_text",
    "multiple_checkboxes",
    "number",
    "payment_link_radio",
    "phone",
    "radio",
    "single_checkbox",
    "single_line_text",
)
ENUMERATED = ("dropdown", "radio", "multiple_checkboxes", "payment_link_radio")
GROUP_TYPES = ("default_group", "progressive", "queued")
RICH_TEXT_TYPES = ("image", "text")
THEMES = ("canvas", "default_style", "legacy", "linear", "round", "sharp")
POST_SUBMIT = ("redirect_url", "thank_you")
CONSENT_TYPES = (
    "none",
    "legitimate_interest",
    "explicit_consent_to_process",
    "implicit_consent_to_process",
)
LANGUAGES = (
    "af", "ar-eg", "bg", "bn", "ca-es", "cs", "da", "de", "el", "en", "en-gb", "es",
    "es-mx", "fi", "fr", "fr-ca", "he-il", "hr", "hu", "id", "it", "ja", "ko", "lt", "ms",
    "nl", "no-no", "pl", "pt", "pt-br", "ro", "ru", "sk", "sl", "sv", "th", "tl", "tr",
    "uk", "vi", "zh-cn", "zh-hk", "zh-tw",
)  # fmt: skip
CONFIGURATION_DEFAULTS: dict[str, Any] = {
    "allowLinkToResetKnownValues": False,
    "archivable": True,
    "cloneable": True,
    "createNewContactForNewEmail": False,
    "editable": True,
    "language": "en",
    "lifecycleStages": [],
    "notifyContactOwner": False,
    "notifyRecipients": [],
    "postSubmitAction": {"type": "thank_you", "value": ""},
    "prePopulateKnownValues": True,
    "recaptchaEnabled": False,
}
STYLE_DEFAULTS = {
    "backgroundWidth": "100%",
    "fontFamily": "arial, helvetica, sans-serif",
    "helpTextColor": "#7C98B6",
    "helpTextSize": "11px",
    "labelTextColor": "#33475b",
    "labelTextSize": "13px",
    "legalConsentTextColor": "#33475b",
    "legalConsentTextSize": "14px",
    "submitAlignment": "left",
    "submitColor": "#ff7a59",
    "submitFontColor": "#ffffff",
    "submitSize": "12px",
}
DISPLAY_DEFAULTS: dict[str, Any] = {
    "renderRawHtml": False,
    "submitButtonText": "Submit",
    "theme": "default_style",
}
REQUIRED = ("name", "fieldGroups", "configuration", "displayOptions", "legalConsentOptions")
TOP_LEVEL = ("name", "fieldGroups", "configuration", "displayOptions", "legalConsentOptions")


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise validation(f"{where} must be an object", field_name=where)
    return value


def _text(value: Any, where: str, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise validation(f"{where} must be a non-empty string", field_name=where)
    return value


def _flag(value: Any, where: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise validation(f"{where} must be a boolean", field_name=where)
    return value


def _one_of(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise validation(
            f"{where} must be one of {', '.join(allowed)} (got {js(value)})", field_name=where
        )
    return str(value)


def _live_property(request: Request, obj: str, name: str) -> dict[str, Any] | None:
    doc = request.store.get(request.portal_id, f"prop:{obj}", name)
    return None if doc is None or doc.get("archived") else doc


def _field(request: Request, raw: Any, where: str, seen: set[tuple[str, str]]) -> dict[str, Any]:
    body = _obj(raw, where)
    field_type = _one_of(body.get("fieldType"), FIELD_TYPES, f"{where}.fieldType")
    name = _text(body.get("name"), f"{where}.name", required=True)
    assert name is not None
    type_id = body.get("objectTypeId")
    if type_id not in FIELD_OBJECTS:
        raise validation(
            f"{where}.objectTypeId must be one of {', '.join(FIELD_OBJECTS)} (got {js(type_id)})",
            field_name=f"{where}.objectTypeId",
        )
    obj = FIELD_OBJECTS[str(type_id)]
    prop = _live_property(request, obj, name)
    if prop is None:
        raise validation(
            f"{where}.name: property '{name}' does not exist on {obj}",
            field_name=f"{where}.name",
            code="PROPERTY_DOES_NOT_EXIST",
        )
    if (type_id, name) in seen:
        raise validation(
            f"{where}.name: '{name}' ({type_id}) appears twice in the form",
            field_name=f"{where}.name",
        )
    seen.add((str(type_id), name))
    out: dict[str, Any] = {
        "objectTypeId": type_id,
        "name": name,
        "label": _text(body.get("label"), f"{where}.label") or "",
        "required": _flag(body.get("required"), f"{where}.required"),
        "hidden": _flag(body.get("hidden"), f"{where}.hidden"),
        "fieldType": field_type,
        "dependentFields": [],
    }
    for key in ("description", "placeholder", "defaultValue"):
        text = _text(body.get(key), f"{where}.{key}")
        if text is not None:
            out[key] = text
    if field_type in ENUMERATED:
        allowed = {str(o.get("value")) for o in prop.get("options") or []}
        options = body.get("options")
        if not isinstance(options, list):
            raise validation(f"{where}.options must be a list", field_name=f"{where}.options")
        clean = []
        for j, opt in enumerate(options):
            at = f"{where}.options[{j}]"
            o = _obj(opt, at)
            value = _text(o.get("value"), f"{at}.value", required=True)
            if allowed and value not in allowed:
                raise validation(
                    f"{at}.value '{value}' is not an option of {obj} property '{name}'",
                    field_name=f"{at}.value",
                )
            order = o.get("displayOrder", j)
            if not isinstance(order, int) or isinstance(order, bool):
                raise validation(
                    f"{at}.displayOrder must be an integer", field_name=f"{at}.displayOrder"
                )
            clean.append(
                {
                    "label": _text(o.get("label"), f"{at}.label") or value,
                    "value": value,
                    "displayOrder": order,
                    **({"description": o["description"]} if o.get("description") else {}),
                }
            )
        out["options"] = clean
        defaults = body.get("defaultValues", [])
        if not isinstance(defaults, list) or not all(isinstance(v, str) for v in defaults):
            raise validation(
                f"{where}.defaultValues must be a list of strings",
                field_name=f"{where}.defaultValues",
            )
        out["defaultValues"] = list(defaults)
    if field_type == "email":
        v = body.get("validation") or {}
        _obj(v, f"{where}.validation")
        out["validation"] = {
            "blockedEmailDomains": list(v.get("blockedEmailDomains") or []),
            "useDefaultBlockList": _flag(
                v.get("useDefaultBlockList"), f"{where}.validation.useDefaultBlockList"
            ),
        }
    if field_type in ("phone", "mobile_phone"):
        v = _obj(body.get("validation") or {}, f"{where}.validation")
        out["validation"] = {
            "minAllowedDigits": int(v.get("minAllowedDigits", 7)),
            "maxAllowedDigits": int(v.get("maxAllowedDigits", 20)),
        }
        if field_type == "phone":
            out["useCountryCodeSelect"] = _flag(
                body.get("useCountryCodeSelect"), f"{where}.useCountryCodeSelect"
            )
    if field_type == "file":
        out["allowMultipleFiles"] = _flag(
            body.get("allowMultipleFiles"), f"{where}.allowMultipleFiles"
        )
    return out


def _field_groups(request: Request, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise validation("fieldGroups must be a list", field_name="fieldGroups")
    seen: set[tuple[str, str]] = set()
    groups = []
    for i, group in enumerate(raw):
        where = f"fieldGroups[{i}]"
        g = _obj(group, where)
        fields = g.get("fields", [])
        if not isinstance(fields, list):
            raise validation(f"{where}.fields must be a list", field_name=f"{where}.fields")
        out: dict[str, Any] = {
            "groupType": _one_of(
                g.get("groupType", "default_group"), GROUP_TYPES, f"{where}.groupType"
            ),
            "richTextType": _one_of(
                g.get("richTextType", "text"), RICH_TEXT_TYPES, f"{where}.richTextType"
            ),
            "fields": [
                _field(request, f, f"{where}.fields[{j}]", seen) for j, f in enumerate(fields)
            ],
        }
        rich = _text(g.get("richText"), f"{where}.richText")
        if rich is not None:
            out["richText"] = rich
        groups.append(out)
    return groups


def _configuration(raw: Any) -> dict[str, Any]:
    body = _obj(raw, "configuration")
    out = copy.deepcopy(CONFIGURATION_DEFAULTS)
    for key, default in CONFIGURATION_DEFAULTS.items():
        if key not in body or body[key] is None:
            continue
        if isinstance(default, bool):
            out[key] = _flag(body[key], f"configuration.{key}")
    if body.get("language") is not None:
        out["language"] = _one_of(body["language"], LANGUAGES, "configuration.language")
    if body.get("embedType") is not None:
        out["embedType"] = _one_of(body["embedType"], ("V3", "V4"), "configuration.embedType")
    stages = body.get("lifecycleStages")
    if stages is not None:
        if not isinstance(stages, list):
            raise validation(
                "configuration.lifecycleStages must be a list",
                field_name="configuration.lifecycleStages",
            )
        out["lifecycleStages"] = []
        for i, st in enumerate(stages):
            at = f"configuration.lifecycleStages[{i}]"
            s = _obj(st, at)
            out["lifecycleStages"].append(
                {
                    "objectTypeId": _one_of(s.get("objectTypeId"), tuple(FIELD_OBJECTS), at),
                    "value": _text(s.get("value"), f"{at}.value", required=True),
                }
            )
    recipients = body.get("notifyRecipients")
    if recipients is not None:
        if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            raise validation(
                "configuration.notifyRecipients must be a list of user ids (strings)",
                field_name="configuration.notifyRecipients",
            )
        out["notifyRecipients"] = list(recipients)
    action = body.get("postSubmitAction")
    if action is not None:
        a = _obj(action, "configuration.postSubmitAction")
        out["postSubmitAction"] = {
            "type": _one_of(a.get("type"), POST_SUBMIT, "configuration.postSubmitAction.type"),
            "value": _text(a.get("value"), "configuration.postSubmitAction.value") or "",
        }
    return out


def _display(raw: Any) -> dict[str, Any]:
    body = _obj(raw, "displayOptions")
    out = dict(DISPLAY_DEFAULTS)
    out["renderRawHtml"] = _flag(body.get("renderRawHtml"), "displayOptions.renderRawHtml")
    if body.get("submitButtonText") is not None:
        out["submitButtonText"] = _text(body["submitButtonText"], "displayOptions.submitButtonText")
    if body.get("theme") is not None:
        out["theme"] = _one_of(body["theme"], THEMES, "displayOptions.theme")
    if body.get("cssClass") is not None:
        out["cssClass"] = _text(body["cssClass"], "displayOptions.cssClass")
    style = dict(STYLE_DEFAULTS)
    given = body.get("style")
    if given is not None:
        for key, value in _obj(given, "displayOptions.style").items():
            if key in STYLE_DEFAULTS and isinstance(value, str):
                style[key] = value
    out["style"] = style
    return out


def _consent(raw: Any) -> dict[str, Any]:
    body = _obj(raw, "legalConsentOptions")
    _one_of(body.get("type"), CONSENT_TYPES, "legalConsentOptions.type")
    return copy.deepcopy(body)


def _build(
    request: Request, body: dict[str, Any], current: dict[str, Any] | None
) -> dict[str, Any]:
    """A stored form from a full body (create/PUT) or on top of ``current`` (PATCH)."""
    if current is None:
        missing = [k for k in REQUIRED if k not in body]
        if missing:
            raise validation(f"{missing[0]} is required", field_name=missing[0])
    form = copy.deepcopy(current) if current is not None else {}
    if "formType" in body and body["formType"] is not None:
        _one_of(body["formType"], ("hubspot",), "formType")
    if "name" in body:
        form["name"] = _text(body["name"], "name", required=True)
    if "fieldGroups" in body:
        form["fieldGroups"] = _field_groups(request, body["fieldGroups"])
    if "configuration" in body:
        form["configuration"] = _configuration(body["configuration"])
    if "displayOptions" in body:
        form["displayOptions"] = _display(body["displayOptions"])
    if "legalConsentOptions" in body:
        form["legalConsentOptions"] = _consent(body["legalConsentOptions"])
    return form


def _out(form: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in form.items() if not k.startswith("_")}


def _get(request: Request, form_id: str, archived: bool = False) -> dict[str, Any]:
    form = request.store.get(request.portal_id, COLL, form_id)
    if form is None or bool(form.get("archived")) != archived:
        raise not_found(f"Form {form_id} not found")
    return form


@route("GET", BASE, scopes=SCOPES, cached=True)
def list_forms(request: Request) -> Response:
    archived = request.flag("archived")
    types = [t for v in request.query.get("formTypes", []) for t in v.split(",") if t]
    if types and "hubspot" not in types and "all" not in types:
        return Response(200, {"results": []})
    forms = sorted(
        (
            f
            for f in request.store.all(request.portal_id, COLL)
            if bool(f.get("archived")) == archived
        ),
        key=lambda f: int(f["_seq"]),
    )
    page, paging = cursor_page(request, forms, lambda f: int(f["_seq"]), default=20, maximum=100)
    body: dict[str, Any] = {"results": [_out(f) for f in page]}
    if paging is not None:
        body["paging"] = paging
    return Response(200, body)


@route("POST", BASE, scopes=SCOPES, write=True)
def create_form(request: Request) -> Response:
    body = request.json_object()
    form = _build(request, body, None)
    now = request.store.now_iso()
    form.update(
        id=str(uuid.uuid4()),
        formType="hubspot",
        createdAt=now,
        updatedAt=now,
        archived=False,
        _seq=request.store.next_id(request.portal_id, "form"),
    )
    request.store.put(request.portal_id, COLL, form["id"], form)
    return Response(201, _out(form))


@route("GET", ONE, scopes=SCOPES)
def get_form(request: Request) -> Response:
    return Response(200, _out(_get(request, request.params["formId"], request.flag("archived"))))


def _save(request: Request, current: dict[str, Any], form: dict[str, Any]) -> Response:
    for key in ("id", "formType", "createdAt", "archived", "_seq"):
        form[key] = current[key]
    form["updatedAt"] = request.store.now_iso()
    request.store.put(request.portal_id, COLL, form["id"], form)
    return Response(200, _out(form))


@route("PUT", ONE, scopes=SCOPES, write=True)
def replace_form(request: Request) -> Response:
    current = _get(request, request.params["formId"])
    body = request.json_object()
    return _save(request, current, _build(request, body, None))


@route("PATCH", ONE, scopes=SCOPES, write=True)
def patch_form(request: Request) -> Response:
    current = _get(request, request.params["formId"])
    body = request.json_object()
    unknown = sorted(set(body) - set(TOP_LEVEL) - {"archived"})
    if unknown:
        raise validation(f"unknown field {unknown[0]}", field_name=unknown[0])
    return _save(request, current, _build(request, body, current))


@route("DELETE", ONE, scopes=SCOPES, write=True)
def archive_form(request: Request) -> Response:
    form = _get(request, request.params["formId"])
    now = request.store.now_iso()
    form.update(archived=True, archivedAt=now, updatedAt=now)
    request.store.put(request.portal_id, COLL, form["id"], form)
    return Response(204)
