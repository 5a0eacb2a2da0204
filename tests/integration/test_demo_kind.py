"""A kind added by registering one handler, nothing else (issue 13, "must show").

The demo kind ``demo_company`` manages company records by domain through the CRM objects
endpoints the emulator already serves. Its handler (defined here, in the test only)
declares its read, normalises the answer, compiles what it wants, and names its reader
and writer (functions of this module, as a kind's functions in ``portal/`` would be).
The engine's public entry points plan, apply and verify it over HTTP, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.model import Blueprint, Language
from hs_japan.engine import apply_plan, make_plan, still_current
from hs_japan.kinds import KindHandler, Read, Resolution, WriteContext, register, unregister
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import PortalClient
from hs_japan.resources import Kind, Resource, make_key
from tests.conftest import PortalEnv, lift_limits
from tests.helpers import write_blueprint

DEMO = Kind.define("demo_company")
PATH = "/crm/v3/objects/companies"


def read_companies(client: PortalClient, _arg: object) -> list[dict[str, Any]]:
    body = client.call(
        "read companies",
        lambda: client.request("GET", PATH, qs={"properties": "name,domain", "limit": 100}),
    ).body
    return list(body["results"])


def write_company(change: Change, ctx: WriteContext) -> None:
    client: PortalClient = ctx.writer.client
    props = {"domain": change.name, **(change.after or {})}
    if change.action is Action.CREATE:
        client.call(
            "create company", lambda: client.request("POST", PATH, body={"properties": props})
        )
    else:
        current = ctx.actual.get(change.kind, change.key)
        assert current is not None
        rid = current.attrs["_id"]
        client.call(
            "update company",
            lambda: client.request("PATCH", f"{PATH}/{rid}", body={"properties": change.after}),
        )


class DemoCompanies(KindHandler):
    kind = DEMO
    noun = "demo company"
    order = 1000
    rank = 5
    writer = f"{__name__}:write_company"
    wanted: ClassVar[dict[str, str]] = {}

    def needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        return [Read(f"{__name__}:read_companies")]

    def observe(self, res: Resolution) -> None:
        for rec in res.facts.get(Read(f"{__name__}:read_companies")) or []:
            props = rec.get("properties") or {}
            if props.get("domain") in self.wanted:
                key = make_key("companies", str(props["domain"]))
                attrs = {"name": props.get("name"), "_id": str(rec["id"])}
                res.actual.snapshot.add(Resource(self.kind, key, attrs))

    def compile(self, res: Resolution) -> None:
        for domain, name in self.wanted.items():
            res.desired.snapshot.add(
                Resource(self.kind, make_key("companies", domain), {"name": name})
            )


@pytest.fixture
def demo() -> Iterator[type[DemoCompanies]]:
    register(DemoCompanies())
    try:
        yield DemoCompanies
    finally:
        unregister(DEMO)
        DemoCompanies.wanted = {}


def test_a_demo_kind_plans_applies_and_converges(
    demo: type[DemoCompanies], portal: PortalEnv, tmp_path: Path
) -> None:
    lift_limits(portal)
    bp = load_blueprint(write_blueprint(tmp_path / "bp", {"b.yaml": "version: 1\n"}))
    client = PortalClient(portal.url, portal.token, sleep=lambda _: None)
    demo.wanted = {"acme.example": "Acme 株式会社"}

    first = make_plan(bp, client, "ja")
    assert [(c.action, c.kind, c.key) for c in first.plan.changes] == [
        (Action.CREATE, DEMO, "companies/acme.example")
    ]
    assert still_current(first, client)  # its listing shows nothing new
    done = apply_plan(first, bp, client, "ja", progress=lambda _: None)
    assert done.converged and [c.key for c in done.report.done] == ["companies/acme.example"]

    # renamed in the handler's source: one update of the same record, then nothing
    demo.wanted = {"acme.example": "Acme Japan"}
    second = make_plan(bp, client, "ja")
    (change,) = second.plan.changes
    assert (change.action, change.before, change.after) == (
        Action.UPDATE,
        {"name": "Acme 株式会社"},
        {"name": "Acme Japan"},
    )
    assert apply_plan(second, bp, client, "ja", progress=lambda _: None).converged
    records = read_companies(client, None)
    assert [
        r["properties"]["name"] for r in records if r["properties"].get("domain") == "acme.example"
    ] == ["Acme Japan"]
