"""Property validation rules over HTTP (crm-property-validations-v3; the SDK 12 has no
client for them, so ``client.request``): read every rule of an object type, put a rule,
remove one (docs/hubspot-api.md §15.1)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any
from urllib.parse import quote

from hs_japan.kinds.base import WriteContext
from hs_japan.lists import OBJECT_TYPE_IDS
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import PortalClient
from hs_japan.portal.read import results_of, sends

BASE = "/crm/v3/property-validations"


def read_rules(client: PortalClient, objects: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """object -> ``[{propertyName, propertyValidationRules}]``, one read per object type,
    concurrently."""
    objs = sorted(set(objects))
    found = client.call_all(
        [
            (
                f"read {obj} property validation rules",
                partial(client.request, "GET", f"{BASE}/{OBJECT_TYPE_IDS[obj]}"),
            )
            for obj in objs
        ]
    )
    return {
        obj: results_of(resp.body, f"read {obj} property validation rules")
        for obj, resp in zip(objs, found, strict=True)
    }


@sends(len)  # one listing per object type, concurrently
def read_rules_of(client: PortalClient, objects: frozenset[str]) -> dict[str, list[dict[str, Any]]]:
    """:func:`read_rules` as a plan read (``kinds/property_validation.py``)."""
    return read_rules(client, objects)


def _path(obj: str, prop: str, rule_type: str) -> str:
    return f"{BASE}/{OBJECT_TYPE_IDS[obj]}/{quote(prop)}/rule-type/{quote(rule_type)}"


class ValidationWriter:
    def __init__(self, client: PortalClient) -> None:
        self.client = client

    def put(self, obj: str, prop: str, rule_type: str, attrs: dict[str, Any]) -> None:
        body: dict[str, Any] = {"ruleArguments": [str(a) for a in attrs["ruleArguments"]]}
        if "shouldApplyNormalization" in attrs:
            body["shouldApplyNormalization"] = bool(attrs["shouldApplyNormalization"])
        # a PUT replaces the rule of that type: sending it twice is harmless
        self.client.call(
            f"set validation rule {rule_type} of {obj} property '{prop}'",
            partial(self.client.request, "PUT", _path(obj, prop, rule_type), body=body),
        )

    def remove(self, obj: str, prop: str, rule_type: str) -> None:
        """No DELETE exists: a PUT without arguments removes the rule (§14, unconfirmed)."""
        self.client.call(
            f"remove validation rule {rule_type} of {obj} property '{prop}'",
            partial(
                self.client.request, "PUT", _path(obj, prop, rule_type), body={"ruleArguments": []}
            ),
        )


def write_validation(change: Change, ctx: WriteContext) -> None:
    """A rule put (the whole rule of that type), or removed."""
    obj, prop, rule_type = change.key.split("/")
    rules = ValidationWriter(ctx.writer.client)
    if change.action is Action.DELETE:
        rules.remove(obj, prop, rule_type)
    else:
        rules.put(obj, prop, rule_type, change.after or {})
