"""Pipelines and stages in the emulator follow NOTES §4."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import Api

DEALS = "/crm/v3/pipelines/deals"


def stage(label: str, order: int, p: Any = "0.2", stage_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"label": label, "displayOrder": order, "metadata": {"probability": p}}
    if stage_id:
        body["stageId"] = stage_id
    return body


def make(api: Api, pid: str = "jp_pipe", label: str = "Japan") -> dict[str, Any]:
    r = api.post(
        DEALS,
        {
            "pipelineId": pid,
            "label": label,
            "displayOrder": 1,
            "stages": [stage("Open", 0, 0.2, f"{pid}_open"), stage("Won", 1, "1.0", f"{pid}_won")],
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_every_portal_starts_with_the_stock_pipelines(api: Api) -> None:
    deals = api.get(DEALS).json()["results"]
    default = next(p for p in deals if p["id"] == "default")
    assert [(s["id"], s["metadata"]["probability"]) for s in default["stages"]] == [
        ("appointmentscheduled", "0.2"),
        ("qualifiedtobuy", "0.4"),
        ("presentationscheduled", "0.6"),
        ("decisionmakerboughtin", "0.8"),
        ("contractsent", "0.9"),
        ("closedwon", "1.0"),
        ("closedlost", "0.0"),
    ]
    assert default["createdAt"].startswith("1970-01-01")
    tickets = api.get("/crm/v3/pipelines/tickets").json()["results"]
    assert [s["id"] for s in tickets[0]["stages"]] == ["1", "2", "3", "4"]
    assert tickets[0]["stages"][3]["metadata"] == {"ticketState": "CLOSED", "isClosed": "true"}


def test_caller_chosen_ids_and_string_metadata(api: Api) -> None:
    p = make(api)
    assert p["id"] == "jp_pipe"
    assert [s["id"] for s in p["stages"]] == ["jp_pipe_open", "jp_pipe_won"]
    assert p["stages"][0]["metadata"] == {"probability": "0.2", "isClosed": "false"}
    assert p["stages"][1]["metadata"] == {"probability": "1.0", "isClosed": "true"}
    generated = api.post(
        DEALS, {"label": "Generated", "displayOrder": 2, "stages": [stage("A", 0)]}
    ).json()
    assert generated["id"].isdigit() and generated["stages"][0]["id"].isdigit()


def test_probability_rules(api: Api) -> None:
    for bad in ("0.25", "1.5", "-0.1", "high"):
        r = api.post(
            DEALS, {"label": f"P {bad}", "displayOrder": 0, "stages": [stage("A", 0, bad)]}
        )
        assert r.status_code == 400, bad
        assert "probability" in r.json()["errors"][0]["in"]
    missing = {"label": "A", "displayOrder": 0, "metadata": {}}
    r = api.post(DEALS, {"label": "No p", "displayOrder": 0, "stages": [missing]})
    assert r.status_code == 400


def test_ticket_state_rules(api: Api) -> None:
    base = "/crm/v3/pipelines/tickets"
    bad = {"label": "A", "displayOrder": 0, "metadata": {"ticketState": "DONE"}}
    assert api.post(base, {"label": "T", "displayOrder": 0, "stages": [bad]}).status_code == 400
    good = {"label": "A", "displayOrder": 0, "metadata": {"ticketState": "CLOSED"}}
    r = api.post(base, {"label": "T", "displayOrder": 0, "stages": [good]})
    assert r.json()["stages"][0]["metadata"]["isClosed"] == "true"


def test_uniqueness_rules(api: Api) -> None:
    make(api)
    same_label = api.post(DEALS, {"label": "japan", "displayOrder": 0, "stages": [stage("A", 0)]})
    assert same_label.status_code == 400
    dup_stage_labels = api.post(
        DEALS, {"label": "Other", "displayOrder": 0, "stages": [stage("A", 0), stage("A", 1)]}
    )
    assert dup_stage_labels.status_code == 400
    taken_stage_id = api.post(
        DEALS,
        {"label": "Other", "displayOrder": 0, "stages": [stage("A", 0, stage_id="jp_pipe_won")]},
    )
    assert taken_stage_id.status_code == 409
    upper = api.post(
        DEALS, {"label": "Other", "displayOrder": 0, "stages": [stage("A", 0, stage_id="Upper")]}
    )
    assert upper.status_code == 400


def test_patch_touches_only_named_fields_and_archived_404s(api: Api) -> None:
    make(api)
    r = api.patch(f"{DEALS}/jp_pipe", {"label": "Japan 2"})
    assert r.status_code == 200 and len(r.json()["stages"]) == 2
    assert api.patch(f"{DEALS}/jp_pipe", {"archived": True}).status_code == 400
    assert api.delete(f"{DEALS}/jp_pipe").status_code == 204
    assert api.get(f"{DEALS}/jp_pipe").status_code == 404
    assert "jp_pipe" not in {p["id"] for p in api.get(DEALS).json()["results"]}
    assert api.post(f"{DEALS}/jp_pipe/stages", stage("New", 3)).status_code == 404


def test_stage_crud(api: Api) -> None:
    make(api)
    base = f"{DEALS}/jp_pipe/stages"
    created = api.post(base, stage("Mid", 1, "0.5", "jp_pipe_mid"))
    assert created.status_code == 201 and created.headers["Location"].endswith("/jp_pipe_mid")
    patched = api.patch(
        f"{base}/jp_pipe_mid", {"label": "Middle", "metadata": {"probability": 0.6}}
    )
    assert patched.json()["metadata"]["probability"] == "0.6"
    assert [s["label"] for s in api.get(base).json()["results"]] == ["Open", "Middle", "Won"]
    assert api.delete(f"{base}/jp_pipe_mid").status_code == 204
    assert api.get(f"{base}/jp_pipe_mid").status_code == 404


def test_in_use_refusal_only_with_the_validate_flags(api: Api) -> None:
    make(api)
    seeded = api.control(
        "POST",
        "/records/deals",
        {"inputs": [{"properties": {"pipeline": "jp_pipe", "dealstage": "jp_pipe_open"}}]},
    )
    assert seeded.status_code == 201
    base = f"{DEALS}/jp_pipe"
    refused = api.delete(
        f"{base}/stages/jp_pipe_open", params={"validateReferencesBeforeDelete": "true"}
    )
    assert refused.status_code == 400
    assert "1 deals records" in refused.json()["message"]
    # the SDK sends Python booleans as "True"
    sdk = api.sdk()
    try:
        sdk.crm.pipelines.pipelines_api.archive(
            "deals", "jp_pipe", validate_deal_stage_usages_before_delete=True
        )
        raise AssertionError("archive should have been refused")
    except Exception as exc:  # hubspot.crm.pipelines.ApiException
        assert getattr(exc, "status", None) == 400
    # v3 default: no flags, the delete proceeds
    assert api.delete(f"{base}/stages/jp_pipe_open").status_code == 204


def test_put_replaces_the_stage_list(api: Api) -> None:
    make(api)
    r = api.put(
        f"{DEALS}/jp_pipe",
        {
            "label": "Japan",
            "displayOrder": 1,
            "stages": [stage("Won!", 0, "1.0", "jp_pipe_won"), stage("Fresh", 1, "0.3")],
        },
    )
    assert r.status_code == 200
    stages = r.json()["stages"]
    assert stages[0]["id"] == "jp_pipe_won" and stages[0]["label"] == "Won!"
    assert stages[1]["id"].isdigit()
    assert "jp_pipe_open" not in {s["id"] for s in stages}


def test_audit_is_newest_first(api: Api) -> None:
    make(api)
    api.patch(f"{DEALS}/jp_pipe", {"label": "Japan 2"})
    api.patch(
        f"{DEALS}/jp_pipe/stages/jp_pipe_open",
        {"label": "Opened", "metadata": {"probability": 0.2}},
    )
    audit = api.get(f"{DEALS}/jp_pipe/audit").json()["results"]
    assert [a["action"] for a in audit] == ["UPDATE", "UPDATE", "CREATE"]
    assert all(a["portalId"] == api.portal_id for a in audit)
    stage_audit = api.get(f"{DEALS}/jp_pipe/stages/jp_pipe_open/audit").json()["results"]
    assert [a["identifier"] for a in stage_audit] == ["jp_pipe_open"]


def test_last_pipeline_and_last_stage_cannot_be_deleted(api: Api) -> None:
    assert api.delete(f"{DEALS}/default").status_code == 400
    make(api)
    api.delete(f"{DEALS}/jp_pipe/stages/jp_pipe_open")
    assert api.delete(f"{DEALS}/jp_pipe/stages/jp_pipe_won").status_code == 400
