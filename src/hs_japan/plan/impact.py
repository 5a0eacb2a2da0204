"""What a destructive change would do to records, counted before anything is written.

- archiving a property (delete or replace) loses the values records hold in it;
- removing enumeration options leaves records holding those values orphaned;
- deleting a stage or pipeline that still holds records is never done: HubSpot would
  either refuse (validate flags) or strand the records, so the plan marks it blocked
  and names the way out (a ``move_deals`` migration).

Counting uses CRM search (``total`` of a ``limit: 1`` query), one call per destructive
change; safe changes cost nothing. A count that cannot be made (e.g. the token lacks
``crm.objects.<type>.read``) is reported, and apply then treats the change as losing
data (``--allow-data-loss``) rather than assuming it is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from hs_japan.errors import PortalError
from hs_japan.kinds import handler_for
from hs_japan.plan.model import Change, Risk

# (objectType, [(propertyName, operator, values)]) -> number of records matching all filters
Counter = Callable[[str, list[tuple[str, str, list[str]]]], int]


def assess(changes: Sequence[Change], count: Counter) -> list[Change]:
    """Each destructive change with the records it touches, as its kind counts them."""
    out: list[Change] = []
    for change in changes:
        if change.risk is not Risk.DESTRUCTIVE:
            out.append(change)
            continue
        try:
            out.append(handler_for(change.kind).assess(change, count))
        except PortalError as exc:
            note = f"could not count the records affected ({exc}); treated as losing data"
            out.append(replace(change, reasons=(*change.reasons, note)))
    return out
