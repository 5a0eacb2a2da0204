"""Kind ``form``: HubSpot forms (marketing forms v3), pure.

Key ``forms/<key>``. A form has a server-assigned id and no custom properties, so hs-japan
writes its key into the form as the CSS class ``hsjapan-form-<key>``
(``displayOptions.cssClass``, a free-form string HubSpot renders as a class name on the
form element; docs/hubspot-api.md §15.4). A form is found by that marker, so renaming it
in the blueprint renames it in place; a form without the marker is found by name (the
profile's language, the other language, ``renamed_from``) and adopted: its update adds the
marker. Nothing else in the portal is touched.

Managed attributes (compared as a whole): ``name``, ``rows`` (the field groups: rows of
fields, each field as the API writes it), ``language``, ``submitButtonText``,
``postSubmitAction``, ``lifecycleStages`` and ``cssClass``. Writes are a POST (create), a
PUT of the whole definition (update: HubSpot's PUT replaces the form) and a DELETE
(archive).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from hs_japan.blueprint.model import FORM_OBJECTS, Blueprint, FormSpec, Language
from hs_japan.errors import Diagnostic
from hs_japan.kinds.base import ExportContext, ExportSection, KindHandler, Read, Resolution
from hs_japan.kinds.properties import listing as property_listing
from hs_japan.plan.model import Change
from hs_japan.resources import Kind, Resource, find_property, make_key

FORM = Kind.define("form")
PREFIX = "forms"
MARKER = "hsjapan-form-"
READ = Read("hs_japan.portal.forms:read_forms", None)
OBJECT_NAMES = {v: k for k, v in FORM_OBJECTS.items()}
THANK_YOU = {"ja": "お問い合わせありがとうございます。", "en": "Thanks for submitting the form."}
SUBMIT = {"ja": "送信", "en": "Submit"}
MANAGED = (
    "name",
    "rows",
    "language",
    "submitButtonText",
    "postSubmitAction",
    "lifecycleStages",
    "cssClass",
)


def key_of(spec: FormSpec) -> str:
    return make_key(PREFIX, spec.key)


def marker_for(key: str) -> str:
    return MARKER + key


def marker_in(form: dict[str, Any]) -> str | None:
    """The hs-japan key a form carries in its CSS class, if any."""
    css = str((form.get("displayOptions") or {}).get("cssClass") or "")
    for word in css.split():
        if word.startswith(MARKER) and len(word) > len(MARKER):
            return word[len(MARKER) :]
    return None


def _other(language: Language) -> Language:
    return "en" if language == "ja" else "ja"


def _option_labels(res: Resolution, obj: str, prop: str) -> dict[str, str]:
    """value -> label of a property's options (the blueprint's, else the portal's)."""
    for snap in (res.desired.snapshot, res.actual.snapshot):
        found = find_property((snap,), make_key(obj, prop))
        if found is not None and found.attrs.get("options"):
            return {str(o["value"]): str(o.get("label") or "") for o in found.attrs["options"]}
    return {}


def desired_attrs(spec: FormSpec, language: Language, res: Resolution) -> dict[str, Any]:
    fields = []
    for f in spec.fields:
        field: dict[str, Any] = {
            "objectTypeId": FORM_OBJECTS[f.object],
            "name": f.property,
            "fieldType": f.type,
            "label": f.label.pick(language) if f.label else "",
            "required": f.required,
            "hidden": f.hidden,
        }
        if f.placeholder is not None:
            field["placeholder"] = f.placeholder.pick(language)
        if f.description is not None:
            field["description"] = f.description.pick(language)
        if f.default is not None:
            field["defaultValue"] = f.default
        if f.options is not None:
            labels = _option_labels(res, f.object, f.property)
            field["options"] = [
                {"value": v, "label": labels.get(v) or v, "displayOrder": i}
                for i, v in enumerate(f.options)
            ]
        fields.append(field)
    rows = [fields[i : i + spec.per_row] for i in range(0, len(fields), spec.per_row)]
    return {
        "name": spec.name.pick(language) if spec.name else spec.key,
        "rows": rows,
        "language": language,
        "submitButtonText": spec.submit_text.pick(language)
        if spec.submit_text
        else SUBMIT[language],
        "postSubmitAction": {
            "type": "thank_you",
            "value": spec.thank_you.pick(language) if spec.thank_you else THANK_YOU[language],
        },
        "lifecycleStages": (
            [{"objectTypeId": "0-1", "value": spec.lifecycle_stage}] if spec.lifecycle_stage else []
        ),
        "cssClass": marker_for(spec.key),
    }


_FIELD_KEYS = (
    "objectTypeId",
    "name",
    "fieldType",
    "label",
    "required",
    "hidden",
    "placeholder",
    "description",
    "defaultValue",
)


def actual_attrs(form: dict[str, Any]) -> dict[str, Any]:
    """A form as HubSpot returns it, in the managed attributes' shape (plus its id)."""
    rows = []
    for group in form.get("fieldGroups") or []:
        row = []
        for f in group.get("fields") or []:
            field = {k: f[k] for k in _FIELD_KEYS if k in f and f[k] not in (None, "")}
            field.setdefault("label", "")
            field["required"] = bool(f.get("required"))
            field["hidden"] = bool(f.get("hidden"))
            if f.get("options") is not None and f.get("fieldType") in (
                "dropdown",
                "radio",
                "multiple_checkboxes",
            ):
                field["options"] = [
                    {
                        "value": str(o.get("value")),
                        "label": str(o.get("label") or ""),
                        "displayOrder": int(o.get("displayOrder") or 0),
                    }
                    for o in sorted(f["options"], key=lambda o: int(o.get("displayOrder") or 0))
                ]
            row.append(field)
        rows.append(row)
    config = form.get("configuration") or {}
    display = form.get("displayOptions") or {}
    action = config.get("postSubmitAction") or {}
    return {
        "name": str(form.get("name") or ""),
        "rows": rows,
        "language": str(config.get("language") or ""),
        "submitButtonText": str(display.get("submitButtonText") or ""),
        "postSubmitAction": {
            "type": str(action.get("type") or ""),
            "value": str(action.get("value") or ""),
        },
        "lifecycleStages": [
            {"objectTypeId": str(s.get("objectTypeId")), "value": str(s.get("value"))}
            for s in config.get("lifecycleStages") or []
        ],
        "cssClass": str(display.get("cssClass") or ""),
        "formId": str(form.get("id") or ""),
    }


def form_body(attrs: dict[str, Any]) -> dict[str, Any]:
    """The create/replace body (HubSpotFormDefinitionCreateRequest) for managed ``attrs``."""
    return {
        "formType": "hubspot",
        "name": attrs["name"],
        "archived": False,
        "fieldGroups": [
            {"groupType": "default_group", "richTextType": "text", "fields": list(row)}
            for row in attrs["rows"]
        ],
        "configuration": {
            "language": attrs["language"],
            "createNewContactForNewEmail": False,
            "prePopulateKnownValues": True,
            "allowLinkToResetKnownValues": False,
            "recaptchaEnabled": False,
            "notifyContactOwner": False,
            "notifyRecipients": [],
            "archivable": True,
            "cloneable": True,
            "editable": True,
            "lifecycleStages": list(attrs["lifecycleStages"]),
            "postSubmitAction": dict(attrs["postSubmitAction"]),
        },
        "displayOptions": {
            "renderRawHtml": False,
            "theme": "default_style",
            "submitButtonText": attrs["submitButtonText"],
            "cssClass": attrs["cssClass"],
        },
        "legalConsentOptions": {"type": "none"},
    }


def _names(spec: FormSpec, language: Language) -> list[str]:
    assert spec.name is not None
    return list(
        dict.fromkeys(
            [spec.name.pick(language), spec.name.pick(_other(language)), *spec.renamed_from]
        )
    )


class FormHandler(KindHandler):
    kind: ClassVar[Kind] = FORM
    noun: ClassVar[str] = "form"
    order: ClassVar[int] = 75  # after properties (fields name them), before workflows
    rank: ClassVar[int | None] = 2  # with stages and lists: after the properties it names
    writer: ClassVar[str] = "hs_japan.portal.forms:write_form"

    def late_needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        if not bp.forms:
            return ()
        # fields name properties of these objects (checked; option labels come from them)
        objects = sorted({f.object for spec, _ in bp.forms for f in spec.fields})
        return (READ, *(property_listing(obj) for obj in objects))

    def observe(self, res: Resolution) -> None:
        forms: list[dict[str, Any]] = list(res.facts.get(READ) or [])
        by_marker = {m: f for f in forms if (m := marker_in(f)) is not None}
        unmarked = [f for f in forms if marker_in(f) is None]
        claimed: set[str] = set()
        for spec, _ in res.bp.forms:
            found = by_marker.get(spec.key)
            if found is None:
                for name in _names(spec, res.language):
                    found = next(
                        (
                            f
                            for f in unmarked
                            if str(f.get("name") or "").casefold() == name.casefold()
                            and str(f.get("id")) not in claimed
                        ),
                        None,
                    )
                    if found is not None:
                        break
            if found is None:
                continue
            claimed.add(str(found.get("id")))
            res.actual.snapshot.add(
                Resource(
                    FORM,
                    key_of(spec),
                    actual_attrs(found),
                    fingerprint=str(found.get("updatedAt") or ""),
                )
            )

    def compile(self, res: Resolution) -> None:
        for spec, origin in res.bp.forms:
            rid = (FORM, key_of(spec))
            res.desired.origins[rid] = origin
            if spec.absent:
                res.desired.tombstones.add(rid)
                continue
            res.desired.snapshot.add(
                Resource(FORM, key_of(spec), desired_attrs(spec, res.language, res))
            )

    def check(self, res: Resolution) -> list[Diagnostic]:
        """Duplicate keys, and fields naming a property neither the blueprint nor the portal
        has (HubSpot refuses such a form)."""
        out: list[Diagnostic] = []
        seen: set[str] = set()
        # plan/diff.check_references checks a desired state without its blueprint
        for spec, origin in getattr(res.bp, "forms", ()):
            if spec.key in seen:
                out.append(
                    Diagnostic(origin.file, origin.line, "forms.key", f"form {spec.key} twice")
                )
            seen.add(spec.key)
            if spec.absent:
                continue
            for i, f in enumerate(spec.fields):
                pkey = make_key(f.object, f.property)
                known = find_property((res.desired.snapshot, res.actual.snapshot), pkey)
                if known is None:
                    where = res.bp.origin_of(origin, "fields", i)
                    out.append(
                        Diagnostic(
                            where.file,
                            where.line,
                            f"forms[{origin.keypath[1]}].fields[{i}].property",
                            f"form {spec.key}: unknown {f.object} property '{f.property}'",
                        )
                    )
        return out

    def describe(self, change: Change, desired: Any, actual: Any) -> Change:
        return change

    export_as: ClassVar[str] = "forms"
    export_position: ClassVar[int] = 80

    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        return (READ,)

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        items = export_items(list(ctx.facts.get(READ) or []), ctx.language)
        return [ExportSection("forms.yaml", {"forms": items}, len(items))] if items else []


def export_items(forms: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The portal's forms as ``forms`` items (key from the marker, else from the name)."""
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    for form in sorted(forms, key=lambda f: str(f.get("createdAt") or "")):
        attrs = actual_attrs(form)
        key = marker_in(form)
        if key is None:
            slug = re.sub(r"[^a-z0-9]+", "_", attrs["name"].lower()).strip("_")
            key = slug if re.fullmatch(r"[a-z][a-z0-9_]{0,99}", slug) else "form"
        base, n = key, 2
        while key in taken:
            key = f"{base}_{n}"[:100]
            n += 1
        taken.add(key)
        rows = attrs["rows"]
        per_row = max((len(r) for r in rows), default=1)
        fields = []
        for row in rows:
            for f in row:
                item: dict[str, Any] = {
                    "object": OBJECT_NAMES.get(str(f.get("objectTypeId")), "contacts"),
                    "property": f["name"],
                    "type": f.get("fieldType", "single_line_text"),
                }
                if f.get("label"):
                    item["label"] = {language: f["label"]}
                for flag in ("required", "hidden"):
                    if f.get(flag):
                        item[flag] = True
                if f.get("placeholder"):
                    item["placeholder"] = {language: f["placeholder"]}
                if f.get("description"):
                    item["description"] = {language: f["description"]}
                if f.get("defaultValue"):
                    item["default"] = f["defaultValue"]
                if f.get("options") is not None:
                    item["options"] = [o["value"] for o in f["options"]]
                fields.append(item)
        made: dict[str, Any] = {"key": key, "name": {language: attrs["name"]}, "fields": fields}
        if per_row > 1 and all(len(r) == per_row for r in rows[:-1]):
            made["per_row"] = min(per_row, 3)
        if attrs["submitButtonText"]:
            made["submit_text"] = {language: attrs["submitButtonText"]}
        if attrs["postSubmitAction"].get("value"):
            made["thank_you"] = {language: attrs["postSubmitAction"]["value"]}
        stages = attrs["lifecycleStages"]
        if stages:
            made["lifecycle_stage"] = stages[0]["value"]
        out.append(made)
    return out
