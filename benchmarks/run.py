"""hs-japan benchmarks (``make bench``): API calls, wall time, 429s, CPU and memory.

Every figure is printed next to its theoretical bound. The run fails (exit 1) when a
target of the performance issue is missed:

- calls per plan <= 1.1 x the minimum the endpoints allow;
- plan wall time <= 1.5 x the latency bound of the reads it must make;
- zero 429s while applying 1,000 new properties at the Professional limit;
- diff + render of a portal with 5,000 properties and 50 pipelines: < 2 s CPU, < 300 MB.

The portal is the local emulator (HTTP on loopback) with injected latency and
HubSpot's Professional-tier rate limits (190 calls / 10 s). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from typer.testing import CliRunner

from hs_japan import flowdiff
from hs_japan.blueprint import load_blueprint
from hs_japan.blueprint.compile import DesiredState
from hs_japan.cli import app
from hs_japan.plan.diff import plan_changes
from hs_japan.plan.model import Action, Plan
from hs_japan.plan.render import render_json, render_text
from hs_japan.resources import Kind, PortalInfo, Resource, Snapshot, make_key

ROOT = Path(__file__).resolve().parents[1]
JAPAN = ROOT / "blueprints" / "japan-enterprise"
PRO_LIMIT = 190  # calls per 10 s, Professional (NOTES §2.1)


@dataclass
class Row:
    name: str
    value: float
    unit: str
    bound: float | None
    bound_label: str
    target: float | None = None  # value/bound ratio (or absolute limit) that must hold

    @property
    def ratio(self) -> float | None:
        return None if not self.bound else self.value / self.bound

    def ok(self) -> bool:
        if self.target is None:
            return True
        if self.bound:
            return self.value <= self.target * self.bound
        return self.value <= self.target


class Bench:
    """The emulator runs in its own process (as HubSpot would: no GIL shared with the
    client); portals and request logs go through its control API."""

    def __init__(self, latency_ms: int) -> None:
        self.latency = latency_ms / 1000
        self.tmp = Path(tempfile.mkdtemp(prefix="hs-japan-bench-"))
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hs_japan.cli",
                "emulator",
                "serve",
                "--port",
                "0",
                "--data",
                str(self.tmp / "emulator"),
                "--latency-ms",
                str(latency_ms),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        if match is None:
            raise SystemExit(f"the emulator did not start: {line}")
        self.url = match.group(0)
        self.runner = CliRunner()
        self.rows: list[Row] = []

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)

    def portal(self, name: str) -> tuple[int, list[str]]:
        created = requests.post(
            f"{self.url}/_emulator/portals",
            json={"accountType": "SANDBOX", "tier": "professional"},
            timeout=10,
        ).json()
        home = self.tmp / name
        home.mkdir()
        config = home / "hs-japan.toml"
        config.write_text(f'[portals.bench]\nbase_url = "{self.url}"\ntoken_env = "BENCH_TOKEN"\n')
        os.environ["BENCH_TOKEN"] = str(created["token"])
        os.environ["HS_JAPAN_HOME"] = str(home / "state")
        return int(created["portalId"]), ["--portal", "bench", "--config", str(config)]

    def run(self, *args: str) -> tuple[float, Any]:
        started = time.perf_counter()
        result = self.runner.invoke(app, list(args), env=dict(os.environ))
        wall = time.perf_counter() - started
        if result.exit_code not in (0, 2):
            raise SystemExit(f"hs-japan {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return wall, result

    def _log(self, portal_id: int) -> dict[str, Any]:
        time.sleep(0.05)  # the emulator logs a request just after answering it
        url = f"{self.url}/_emulator/portals/{portal_id}/requests"
        return dict(requests.get(url, timeout=10).json())

    def calls(self, portal_id: int) -> list[dict[str, Any]]:
        return list(self._log(portal_id)["results"])

    def rate_limited(self, portal_id: int) -> int:
        return int(self._log(portal_id)["rateLimited"])

    def reset_log(self, portal_id: int) -> None:
        requests.delete(f"{self.url}/_emulator/portals/{portal_id}/requests", timeout=10)

    def add(self, *args: Any, **kw: Any) -> None:
        self.rows.append(Row(*args, **kw))


def blueprint_objects(path: Path) -> tuple[set[str], set[str], set[str]]:
    """(objects with groups/properties, objects with pipelines, objects with properties)."""
    bp = load_blueprint(path)
    prop_objs = {g.object for g, _ in bp.property_groups} | {p.object for p, _ in bp.properties}
    pipe_objs = {p.object for p, _ in bp.pipelines}
    return prop_objs, pipe_objs, {p.object for p, _ in bp.properties}


def bench_japan(b: Bench) -> None:
    _, warm = b.portal("warm-up")
    b.run("plan", str(JAPAN), *warm)  # first use imports the SDK's API modules
    pid, on = b.portal("japan")
    prop_objs, pipe_objs, with_props = blueprint_objects(JAPAN)
    bp = load_blueprint(JAPAN)
    has_lists = 1 if bp.lists else 0
    has_flows = 1 if any(st.entry or st.exit for pl, _ in bp.pipelines for st in pl.stages) else 0
    # minimum: account details, then one list call per object type and kind (groups,
    # properties, pipelines; lists search; flows listing); on a portal that lacks the
    # properties, one recycle-bin list per object type that gets creates; once lists and
    # flows exist, one batch read each (list filters and flow markers are not in listings)
    base = 1 + 2 * len(prop_objs) + len(pipe_objs) + has_lists + has_flows
    minimum_fresh = base + len(with_props)
    minimum_same = base + has_lists + has_flows
    wall, _ = b.run("plan", str(JAPAN), *on)
    calls = len(b.calls(pid))
    wall = statistics.median(
        [wall, b.run("plan", str(JAPAN), *on)[0], b.run("plan", str(JAPAN), *on)[0]]
    )
    b.add("plan, fresh portal: API calls", calls, "calls", minimum_fresh, "minimum", 1.1)
    # rounds: account details -> all list calls at once -> recycle-bin lists at once
    b.add(
        "plan, fresh portal: wall time (median of 3)",
        wall,
        "s",
        3 * b.latency,
        "3 round trips",
        1.5,
    )
    b.reset_log(pid)
    wall, _ = b.run("apply", str(JAPAN), *on, "--yes")
    log = b.calls(pid)
    writes = [r for r in log if r["method"] != "GET"]
    b.add("apply Japan blueprint: API calls", len(log), "calls", None, "")
    b.add("apply Japan blueprint: writes", len(writes), "calls", None, "")
    # sequential writes (dependency order) + read rounds: plan, re-plan under lock, verify
    bound = (len(writes) + 3 * 3) * b.latency
    b.add("apply Japan blueprint: wall time", wall, "s", bound, "writes + 9 read rounds")
    b.reset_log(pid)
    wall, _ = b.run("plan", str(JAPAN), *on)
    calls = len(b.calls(pid))
    wall = statistics.median(
        [wall, b.run("plan", str(JAPAN), *on)[0], b.run("plan", str(JAPAN), *on)[0]]
    )
    b.add("plan, converged portal: API calls", calls, "calls", minimum_same, "minimum", 1.1)
    b.add(
        "plan, converged portal: wall time (median of 3)",
        wall,
        "s",
        3 * b.latency,
        "3 round trips",
        1.5,
    )


def thousand_properties(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = ["version: 1", "property_groups:"]
    objs = ("contacts", "companies", "deals", "tickets")
    for obj in objs:
        lines.append(f"  - {{object: {obj}, name: bench_{obj}, label: {{ja: ベンチ {obj}}}}}")
    lines.append("properties:")
    for obj in objs:
        for i in range(250):
            lines.append(
                f"  - {{object: {obj}, name: bench_{obj}_{i:04d}, label: {{ja: 項目{i}}}, "
                f"type: string, field_type: text, group: bench_{obj}}}"
            )
    (root / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def bench_thousand(b: Bench) -> None:
    pid, on = b.portal("thousand")
    bp = thousand_properties(b.tmp / "bp-1000")
    wall, _ = b.run("apply", str(bp), *on, "--yes")
    log = b.calls(pid)
    writes = [r for r in log if r["method"] != "GET"]
    b.add("apply 1,000 new properties: API calls", len(log), "calls", None, "")
    # 4 groups, ceil(250/100) = 3 batch creates per object, the lock taken and released
    b.add(
        "apply 1,000 new properties: writes",
        len(writes),
        "calls",
        4 + 4 * 3 + 2,
        "4 groups + 12 batches + lock",
        1.0,
    )
    b.add(
        "apply 1,000 new properties: wall time",
        wall,
        "s",
        max(len(log) / PRO_LIMIT * 10, (len(writes) + 9) * b.latency),
        "max(rate-limit, latency) bound",
    )
    b.add("apply 1,000 new properties: 429 responses", b.rate_limited(pid), "", None, "", 0)


def bench_burst(b: Bench) -> None:
    """Many independent reads at once against the Professional limit: the pacer must
    keep the client under 190 calls / 10 s with no 429."""
    from hs_japan.portal.client import PortalClient

    pid, _ = b.portal("burst")
    token = os.environ["BENCH_TOKEN"]
    client = PortalClient(b.url, token)
    client.get_account_details()  # learns the limit from the headers
    groups = client.sdk.crm.properties.groups_api
    started = time.perf_counter()
    n = 400
    client.call_all([(f"read {i}", lambda: groups.get_all("deals")) for i in range(n)])
    wall = time.perf_counter() - started
    b.add(
        "400 reads at the Professional limit: 429 responses", b.rate_limited(pid), "", None, "", 0
    )
    # a rolling 10 s window: n calls need ceil(n / limit) - 1 full windows, then a round trip
    bound = (math.ceil((n + 1) / PRO_LIMIT) - 1) * 10 + b.latency
    b.add("400 reads at the Professional limit: wall time", wall, "s", bound, "rate-limit bound")


def synthetic(
    n_props: int, n_pipes: int, stages: int, changed: float, n_flows: int = 0
) -> tuple[DesiredState, Snapshot]:
    actual, desired = Snapshot(), Snapshot()
    objs = ("contacts", "companies", "deals", "tickets")
    for i in range(n_props):
        obj = objs[i % 4]
        options = [
            {
                "value": f"v{j}",
                "label": f"選択{j}",
                "description": "",
                "displayOrder": j,
                "hidden": False,
            }
            for j in range(8 if i % 3 == 0 else 0)
        ]
        attrs = {
            "label": f"項目 {i}",
            "type": "enumeration" if options else "string",
            "fieldType": "select" if options else "text",
            "groupName": f"g_{obj}",
            "description": "",
            "options": options,
            "displayOrder": i,
            "hidden": False,
            "formField": False,
            "hasUniqueValue": False,
        }
        key = make_key(obj, f"p_{i:05d}")
        actual.add(Resource(Kind.PROPERTY, key, attrs, fingerprint=str(i)))
        want = dict(attrs)
        if i % int(1 / changed) == 0:
            want["label"] = f"項目 {i} (新)"
        desired.add(Resource(Kind.PROPERTY, key, want))
    for p in range(n_pipes):
        obj = "deals" if p % 2 == 0 else "tickets"
        pkey = make_key(obj, f"pipe_{p:03d}")
        for snap in (actual, desired):
            snap.add(Resource(Kind.PIPELINE, pkey, {"label": f"P{p}", "displayOrder": p}))
        for s in range(stages):
            meta = {"probability": "0.2"} if obj == "deals" else {"ticketState": "OPEN"}
            attrs = {"label": f"S{s}", "displayOrder": s, "metadata": meta}
            skey = make_key(obj, f"pipe_{p:03d}", f"st_{p:03d}_{s:02d}")
            actual.add(Resource(Kind.STAGE, skey, attrs))
            desired.add(Resource(Kind.STAGE, skey, {**attrs, "label": f"S{s}" + ("!" * (s == 0))}))
    for f in range(n_flows):
        flow = {
            "type": "PLATFORM_FLOW",
            "objectTypeId": "0-3",
            "flowType": "WORKFLOW",
            "name": f"flow {f}",
            "isEnabled": True,
            "startActionId": "1",
            "actions": [
                {
                    "type": "SINGLE_CONNECTION",
                    "actionId": str(a),
                    "actionTypeId": "0-1",
                    "actionTypeVersion": 0,
                    "fields": {"delta": str(a), "time_unit": "DAYS"},
                    **(
                        {"connection": {"edgeType": "STANDARD", "nextActionId": str(a + 1)}}
                        if a < 5
                        else {}
                    ),
                }
                for a in range(1, 6)
            ],
            "enrollmentCriteria": {"type": "MANUAL", "shouldReEnroll": False},
            "timeWindows": [],
            "blockedDates": [],
            "customProperties": {"hs_japan_key": f"rule_{f}"},
            "dataSources": [],
        }
        key = make_key("deals", f"rule_{f:03d}")
        actual.add(Resource(Kind.WORKFLOW, key, flowdiff.canonical(flow)))
        want = json.loads(json.dumps(flow))
        if f % int(1 / changed) == 0:
            want["actions"][1]["fields"]["delta"] = "9"
        desired.add(Resource(Kind.WORKFLOW, key, flowdiff.canonical(want)))
    return DesiredState(desired), actual


def _diff_render(desired: DesiredState, actual: Snapshot) -> int:
    changes = plan_changes(desired, actual)
    # workflow changes are told in words, as the engine does (engine.describe_workflow)
    changes = [
        dataclasses.replace(
            c,
            details=tuple(
                flowdiff.describe(
                    dict(actual.get(c.kind, c.key).attrs),  # type: ignore[union-attr]
                    {**actual.get(c.kind, c.key).attrs, **(c.after or {})},  # type: ignore[union-attr]
                )
            ),
        )
        if c.kind is Kind.WORKFLOW and c.action is Action.UPDATE
        else c
        for c in changes
    ]
    plan = Plan(
        PortalInfo(1, "SANDBOX", "bench", "Asia/Tokyo"), "bench", "sha256:0", "ja", tuple(changes)
    )
    assert render_text(plan) and render_json(plan)
    return len(changes)


def bench_diff(b: Bench) -> None:
    # CPU as the portal doubles (near-linear expected); the 5,000 row carries the target
    for n in (1250, 2500, 5000):
        desired, actual = synthetic(n, n // 100, 10, 0.1, n * 3 // 50)
        cpu = time.process_time()
        planned = _diff_render(desired, actual)
        cpu = time.process_time() - cpu
        b.add(
            f"diff+render {n:,} properties / {n // 100} pipelines / {n * 3 // 50} flows: "
            f"CPU ({planned} changes)",
            cpu,
            "s",
            None,
            "",
            2.0 if n == 5000 else None,
        )
    desired, actual = synthetic(5000, 50, 10, 0.1, 300)
    tracemalloc.start()
    _diff_render(desired, actual)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    b.add(
        "diff+render 5,000 properties / 50 pipelines / 300 flows: peak memory",
        peak / 2**20,
        "MB",
        None,
        "",
        300,
    )


def report(rows: list[Row]) -> bool:
    width = max(len(r.name) for r in rows)
    print(f"\n{'benchmark'.ljust(width)}  {'value':>10}  {'bound':>10}  ratio  target  ok")
    good = True
    for r in rows:
        bound = f"{r.bound:.3g}" if r.bound else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        target = "-" if r.target is None else (f"<={r.target}x" if r.bound else f"<={r.target}")
        ok = r.ok()
        good &= ok
        value = (
            f"{r.value:.3f}"
            if isinstance(r.value, float) and r.unit in ("s", "MB")
            else f"{r.value:g}"
        )
        print(
            f"{r.name.ljust(width)}  {value + ' ' + r.unit:>10}  {bound:>10}  {ratio:>5}  "
            f"{target:>6}  {'yes' if ok else 'NO'}"
            + (f"   ({r.bound_label})" if r.bound_label else "")
        )
    return good


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    b = Bench(args.latency_ms)
    steps: list[Callable[[Bench], None]] = [bench_japan, bench_thousand, bench_burst, bench_diff]
    try:
        for step in steps:
            step(b)
    finally:
        b.stop()
    print(
        f"emulator latency {args.latency_ms} ms per request, Professional tier "
        f"({PRO_LIMIT} calls / 10 s), Python {sys.version.split()[0]}"
    )
    good = report(b.rows)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in b.rows], indent=2) + "\n")
    return 0 if good else 1


if __name__ == "__main__":
    raise SystemExit(main())
