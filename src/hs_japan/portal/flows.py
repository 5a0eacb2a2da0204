"""Automation v4 flows through ``client.api_request`` (the SDK 12 has no flows client,
docs/hubspot-api.md §13.1): find hs-japan's flows by their marker, create, replace, delete.

Rules followed (docs/hubspot-api.md §6.2, §6.6):
- flows are listed with cursor paging (100 per page) and read in full with
  ``batch/read`` (100 per call): the listing has no ``customProperties``;
- hs-japan's flows carry ``customProperties.hsjapan_key`` (``hs_japan_key`` before 0.2);
  flows without it are never touched;
- create with ``isEnabled: false``, check the answer (the stored flow: marker, id,
  revision), then enable with a PUT if wanted
  (enabling can enrol many records at once);
- PUT is a full replacement carrying the current ``revisionId``; a stale revision is
  re-read and retried once, and only if the flow still differs;
- there is no server-side dedupe: a create whose answer was lost is found by its
  marker before it is re-sent, so a retry never makes a second copy.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from hs_japan import flowdiff
from hs_japan.errors import PortalError
from hs_japan.kinds.base import WriteContext
from hs_japan.plan.model import Action, Change
from hs_japan.portal.client import PortalClient
from hs_japan.portal.read import results_of
from hs_japan.reserved import MARKER, marker_of
from hs_japan.resources import FLOW_SERVER_FIELDS as SERVER_FIELDS

BASE = "/automation/v4/flows"
PAGE = 100
# fixed at creation: not part of the PUT schema (docs/hubspot-api.md §6.3)
CREATE_ONLY = ("objectTypeId", "flowType", "dataSources")


def list_flow_ids(client: PortalClient) -> list[str]:
    """Every flow id (cursor paging, 100 per page): the listing has no markers."""
    ids: list[str] = []
    after: str | None = None
    while True:
        qs: dict[str, Any] = {"limit": PAGE}
        if after:
            qs["after"] = after
        page = client.call("list workflows", partial(client.request, "GET", BASE, qs=qs)).body or {}
        ids.extend(str(f["id"]) for f in results_of(page, "list workflows"))
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return ids


def read_flows(client: PortalClient, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The flows among ``ids`` that carry the hs-japan marker, by marker (batch read)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), PAGE):
        chunk = ids[start : start + PAGE]
        body = {"inputs": [{"type": "FLOW_ID", "flowId": i} for i in chunk]}
        resp = client.call(
            f"read workflows {start + 1}-{start + len(chunk)}",
            partial(client.request, "POST", f"{BASE}/batch/read", body=body),
        )
        for flow in results_of(resp.body, "read workflows"):
            key = marker_of(flow)
            if key:
                if key in found:
                    raise PortalError(
                        f"two workflows carry the hs-japan marker '{key}' (ids "
                        f"{found[key]['id']} and {flow['id']}); delete one in HubSpot first"
                    )
                found[key] = flow
    return found


def read_flows_of(client: PortalClient, ids: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """:func:`read_flows` as a plan read (``kinds/workflows.py``)."""
    return read_flows(client, list(ids))


def read_managed_flows(client: PortalClient) -> dict[str, dict[str, Any]]:
    """hs-japan's flows in the portal, by marker (full flow JSON)."""
    return read_flows(client, list_flow_ids(client))


def desired_body(flow: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in flow.items() if k not in SERVER_FIELDS}


class FlowWriter:
    def __init__(self, client: PortalClient) -> None:
        self.client = client

    def _get(self, flow_id: str) -> dict[str, Any]:
        resp = self.client.call(
            f"read workflow {flow_id}", lambda: self.client.request("GET", f"{BASE}/{flow_id}")
        )
        return dict(resp.body or {})

    def _find(self, key: str) -> dict[str, Any] | None:
        return read_managed_flows(self.client).get(key)

    def create(self, key: str, flow: dict[str, Any], enable: bool) -> dict[str, Any]:
        current, enabling = self.create_then(key, flow, enable)
        return enabling() if enabling is not None else current

    def create_then(
        self, key: str, flow: dict[str, Any], enable: bool
    ) -> tuple[dict[str, Any], Callable[[], dict[str, Any]] | None]:
        """Create ``flow`` disabled and check the answer; when it is to be enabled, also
        the enabling PUT, to be sent once that check passed (apply sends it as soon as a
        write slot is free, not after the other workflows' creates)."""
        body = {**desired_body(flow), "isEnabled": False}
        body["customProperties"] = {**(body.get("customProperties") or {}), MARKER: key}
        resp = self.client.call(
            f"create workflow {key}",
            lambda: self.client.request("POST", BASE, body=body),
            probe=lambda: _wrap(self._find(key)),
            write=True,
        )
        # the create's answer is the flow as stored (id, revisionId, marker): it is
        # verified before the flow can enrol anything, without reading it back
        current = dict(resp.body or {})
        flow_id = str(current.get("id"))
        if marker_of(current) != key or not current.get("revisionId"):
            raise PortalError(f"workflow {flow_id} was created without its hs-japan marker")
        if not enable:
            return current, None
        return current, partial(self.put, key, current, {**body, "isEnabled": True})

    def put(
        self,
        key: str,
        current: dict[str, Any],
        flow: dict[str, Any],
        same: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """Replace ``current`` with ``flow``; on a stale revision, re-read and retry once
        unless the flow meanwhile equals what we wanted (``same``)."""
        flow_id = str(current["id"])
        body = {k: v for k, v in desired_body(flow).items() if k not in CREATE_ONLY}
        body["customProperties"] = {**(body.get("customProperties") or {}), MARKER: key}
        for attempt in (1, 2):
            put_body = {**body, "revisionId": current["revisionId"]}
            try:
                resp = self.client.call(
                    f"update workflow {key}",
                    partial(self.client.request, "PUT", f"{BASE}/{flow_id}", body=put_body),
                    # an update (an enable) whose answer was lost is done when the flow
                    # now reads as we wrote it
                    probe=lambda: _wrap(self._if_written(flow_id, body, flow, same)),
                    write=True,
                )
                return dict(resp.body or {})
            except PortalError as exc:
                if exc.status != 409 or attempt == 2:
                    raise
                current = self._get(flow_id)  # someone saved it in between
                if same is not None and same(flow, current):
                    return current
        raise AssertionError("unreachable")  # pragma: no cover

    def _if_written(
        self,
        flow_id: str,
        body: dict[str, Any],
        flow: dict[str, Any],
        same: Callable[[dict[str, Any], dict[str, Any]], bool] | None,
    ) -> dict[str, Any] | None:
        now = self._get(flow_id)
        if same is not None:
            return now if same(flow, now) else None
        return now if all(now.get(k) == v for k, v in body.items()) else None

    def delete(self, key: str, flow_id: str) -> None:
        try:
            self.client.call(
                f"delete workflow {key}",
                lambda: self.client.request("DELETE", f"{BASE}/{flow_id}"),
            )
        except PortalError as exc:
            if exc.status != 404:
                raise


class _Found:
    """A probe result shaped like ``client.request``'s response."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.status = 200
        self.body = body
        self.headers: dict[str, str] = {}


def _wrap(flow: dict[str, Any] | None) -> Any:
    return None if flow is None else _Found(flow)


def write_workflow(change: Change, ctx: WriteContext) -> Callable[[], object] | None:
    """One workflow change: delete, create (disabled, then enabled if wanted: the
    enabling PUT is returned, for apply to send as its own write once the create's
    answer was checked), or a PUT carrying the revision the plan read."""
    flows = FlowWriter(ctx.writer.client)
    marker = change.key.split("/", 1)[1]
    current = ctx.actual.get(change.kind, change.key)
    if change.action is Action.DELETE:
        if current is not None:
            flows.delete(marker, str(current.attrs["_flowId"]))
        return None
    base = {k: v for k, v in (current.attrs if current else {}).items() if not k.startswith("_")}
    wanted = {**base, **(change.after or {})}
    if change.action is Action.CREATE or current is None:
        # a rule that moved object (HubSpot cannot change a flow's objectTypeId): its old
        # flow carries the same marker and is planned for deletion; it goes first, so two
        # flows never carry one marker (a plan refuses that) and a lost create's probe,
        # which finds the flow by marker, cannot mistake the old flow for the new one. A
        # stop between the two leaves no flow for the rule, which the next plan creates.
        for old in ctx.actual.of_kind(change.kind):
            if old.key != change.key and old.key.split("/", 1)[1] == marker:
                flows.delete(marker, str(old.attrs["_flowId"]))
        _created, enabling = flows.create_then(marker, wanted, enable=bool(wanted.get("isEnabled")))
        return enabling
    flows.put(
        marker,
        {"id": current.attrs["_flowId"], "revisionId": current.attrs["_revisionId"]},
        wanted,
        same=lambda want, now: flowdiff.canonical(want) == flowdiff.canonical(now),
    )
    return None
