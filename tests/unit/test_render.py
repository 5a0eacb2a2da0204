"""What a reviewer reads: text, JSON and Markdown renderings of one plan."""

from __future__ import annotations

import json

from hs_japan.plan.model import Action, Change, Plan, Risk
from hs_japan.plan.render import render_json, render_markdown, render_text
from hs_japan.resources import Kind, PortalInfo

PLAN = Plan(
    portal=PortalInfo(1000001, "SANDBOX", "hs-japan local portal"),
    blueprint_root="blueprints/japan-enterprise",
    blueprint_digest="sha256:" + "ab" * 32,
    language="ja",
    changes=(
        Change(
            Action.CREATE,
            Kind.PROPERTY,
            "deals/jp_ringi_status",
            None,
            {
                "label": "稟議状況",
                "type": "enumeration",
                "fieldType": "select",
                "options": [
                    {
                        "value": "circulating",
                        "label": "回覧中",
                        "description": "",
                        "displayOrder": 0,
                        "hidden": False,
                    }
                ],
            },
        ),
        Change(
            Action.UPDATE,
            Kind.STAGE,
            "deals/jp_enterprise/jp_ringi",
            {"label": "Ringi"},
            {"label": "稟議中"},
        ),
        Change(
            Action.UPDATE,
            Kind.PROPERTY,
            "deals/jp_budget_status",
            {
                "options": [
                    {"value": "this_fy", "label": "今期", "displayOrder": 0},
                    {"value": "legacy", "label": "旧区分", "displayOrder": 1},
                ]
            },
            {"options": [{"value": "this_fy", "label": "今期予算あり", "displayOrder": 0}]},
            Risk.DESTRUCTIVE,
            ("options removed: legacy",),
        ),
        Change(
            Action.DELETE,
            Kind.PROPERTY,
            "contacts/jp_old",
            {"label": "古い"},
            None,
            Risk.DESTRUCTIVE,
            ("removes property contacts/jp_old from the portal",),
        ),
    ),
)

EXPECTED_TEXT = """\
Portal 1000001 "hs-japan local portal" (SANDBOX) · blueprint blueprints/japan-enterprise \
(sha256 abababababab) · labels: ja

+ property deals/jp_ringi_status
    label: "稟議状況"
    type: "enumeration"
    fieldType: "select"
    options:
      + option "circulating": label "回覧中"
~ stage deals/jp_enterprise/jp_ringi
    label: "Ringi" → "稟議中"
~ property deals/jp_budget_status  [destructive]
    options:
      ~ option "this_fy": label "今期" → "今期予算あり"
      - option "legacy": label "旧区分"
    ! options removed: legacy
- property contacts/jp_old  [destructive]
    label: "古い"
    ! removes property contacts/jp_old from the portal

Plan: 1 to create, 2 to update, 1 to delete, 0 to replace. 2 destructive changes \
(apply needs --allow-destroy, and --allow-data-loss).
"""


def test_text_is_a_reviewable_diff() -> None:
    assert render_text(PLAN) == EXPECTED_TEXT


def test_empty_plan_says_so() -> None:
    empty = Plan(PLAN.portal, PLAN.blueprint_root, PLAN.blueprint_digest, "ja", ())
    assert render_text(empty).endswith("No changes. The portal matches the blueprint.\n")


def test_json_has_the_documented_shape() -> None:
    doc = json.loads(render_json(PLAN))
    assert doc["portal"] == {
        "portalId": 1000001,
        "accountType": "SANDBOX",
        "name": "hs-japan local portal",
    }
    assert doc["summary"] == {"create": 1, "update": 2, "delete": 1, "replace": 0}
    first = doc["changes"][0]
    assert {k: first[k] for k in ("action", "kind", "key", "before")} == {
        "action": "create",
        "kind": "property",
        "key": "deals/jp_ringi_status",
        "before": None,
    }
    assert first["after"]["label"] == "稟議状況"
    assert [c["kind"] for c in doc["changes"]] == ["property", "stage", "property", "property"]


def test_markdown_lists_every_change() -> None:
    md = render_markdown(PLAN)
    assert "| `-` | property | `contacts/jp_old` | destructive |" in md
    assert "**Plan: 1 to create, 2 to update, 1 to delete, 0 to replace." in md
