"""The kind handler interface and its registry (pure: no portal, no HTTP, no terminal).

One handler per resource kind holds everything the engine knows about that kind. The
engine (``engine.make_plan``/``apply_plan``/``still_current``), the differ
(``plan/diff.py``), the write order (``plan/order.py``) and apply (``apply.py``) only
ask the registry; none of them names a kind.

A plan is made in four steps, and a handler takes part in each:

1. **reads** (I/O, ``portal/facts.py``): round 1 is every handler's :meth:`needs`
   (the listings some :meth:`followups` depend on, done together with the account
   details), round 2 every handler's :meth:`followups` (what round 1 showed is needed:
   full flows, list definitions, archived properties) and :meth:`late_needs` (reads known
   up front that no followup depends on: they wait for round 2 so that round 1 fits the
   connection pool, or join round 1 when everything fits at once). A read both in one
   handler's ``needs`` and another's ``late_needs`` is made in round 1, once. A
   :class:`Read` names a function in ``portal/`` by dotted path
   (``"hs_japan.portal.lists:search_list_ids"``) and its hashable argument; this module
   never imports it. Equal reads are made once; their answers are :class:`Facts`.
2. **resolve** (pure, ``kinds/resolve.py``): every handler :meth:`observe`\\ s the facts
   into the actual snapshot, then every handler :meth:`compile`\\ s its blueprint section
   into the desired state (in registry order, so a kind may use what the kinds before it
   compiled: lists need property types, workflows need stages), then :meth:`check`
   reports what cannot be planned.
3. **diff** (pure, ``plan/diff.py``): per attribute :meth:`equal`; fields fixed at
   creation (:meth:`fixed_attrs`) make a replace; :meth:`update_risk` says why an update
   is destructive; :meth:`deleted_with` skips a delete another delete implies; the
   changes are ordered by :attr:`order` (deletes reversed) and :meth:`position`;
   :meth:`describe` adds words for people; :meth:`assess` counts records a destructive
   change touches (through an injected counter).
4. **apply** (``apply.py``): writes of one dependency level (:attr:`rank`) run
   concurrently; a handler's writes are the functions its :attr:`writer` (one change)
   and :attr:`batch_writer` (changes sharing a :meth:`batch_key`) name in ``portal/``;
   a change :meth:`carried_by` another change is written by that one's write; once
   every write is done, :meth:`finish` may ask its :attr:`finisher` for one bookkeeping
   write (the list-id map).
   Before a full re-plan, :meth:`unchanged` tells from one round of targeted reads
   whether what the plan changes is still as it read it.

Export (``exporter.py``) asks every handler with an :attr:`export_as` name for its
:meth:`export_reads` (and :meth:`export_followups`), reads them all at once, then asks
:meth:`export` for the handler's blueprint files. Functions named by dotted path are
loaded by ``portal/facts.py`` (``load_function``), never here.

A new kind is one handler module registered with :func:`register` (plus, when HubSpot's
API for it is new, its reader/writer functions in ``portal/`` and its emulator routes);
docs/architecture.md has a worked example.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hs_japan.blueprint.compile import DesiredState
from hs_japan.blueprint.model import Blueprint, Language
from hs_japan.errors import Diagnostic
from hs_japan.plan.model import Change, Risk
from hs_japan.resources import (
    RECORD_VALUE_KINDS,
    Kind,
    PortalInfo,
    PortalState,
    Resource,
    ResourceId,
    Snapshot,
)

# -- reads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """One portal read: ``reader`` is ``"package.module:function"`` of a function in
    ``portal/`` called as ``function(client, arg)``; ``arg`` is hashable (tuples,
    frozensets, strings). Two equal reads are made once and their answer shared."""

    reader: str
    arg: Hashable = None


@dataclass(frozen=True)
class Facts:
    """What the reads answered (plain JSON or the reader's plain values), and the account
    details. Read-only: resolve never reads the portal itself."""

    info: PortalInfo
    results: Mapping[Read, Any] = field(default_factory=dict)

    def get(self, read: Read, default: Any = None) -> Any:
        return self.results.get(read, default)

    def __contains__(self, read: object) -> bool:
        return read in self.results

    def merged(self, more: Mapping[Read, Any]) -> Facts:
        return Facts(self.info, {**self.results, **more})


@dataclass(frozen=True)
class Refused:
    """A read's answer when the portal's subscription lacks the object it names (the leads
    object below Sales Hub Professional answers 403): export leaves that object out and
    says so, where a plan would fail."""

    obj: str
    reason: str


# -- resolve -----------------------------------------------------------------------------


@dataclass
class Resolution:
    """The workspace of one resolve: handlers add to ``desired`` and ``actual`` (each
    only resources of its own kind), and to ``notes`` (plan notes) and ``problems``
    (blueprint errors, reported all at once). Frozen by the caller when done."""

    bp: Blueprint
    language: Language
    facts: Facts
    desired: DesiredState
    actual: PortalState
    notes: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


# -- apply -------------------------------------------------------------------------------


@dataclass
class WriteContext:
    """What a writer function gets besides the change: ``writer`` is the
    ``portal.write.PortalWriter`` (its ``client`` the ``PortalClient``; typed ``Any``
    because pure code never imports ``portal/``), the plan's ``changes`` in order, the
    ``actual`` snapshot the plan was made from, and ``scratch``: state shared by the writes
    of one apply, per kind (e.g. stage labels moved in flight), used under ``lock``."""

    writer: Any
    changes: Sequence[Change]
    actual: Snapshot
    scratch: dict[str, Any] = field(default_factory=dict)
    lock: Any = None


# counts records: (objectType, [(propertyName, operator, values)]) -> matching records
Counter = Callable[[str, list[tuple[str, str, list[str]]]], int]


# -- export ------------------------------------------------------------------------------


@dataclass
class ExportContext:
    """What a handler's :meth:`~KindHandler.export` gets: the answers of every handler's
    export reads, the object types exported (those the portal refused already taken out),
    the language labels are written in, and ``skipped``, where it says what it left out
    and why (export reports it; clone then says it is incomplete)."""

    facts: Facts
    objects: tuple[str, ...]
    language: str
    include_hubspot_defined: bool = False
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExportSection:
    """One blueprint file an export writes: its name, its sections (without ``version``),
    how many items it holds for the handler's count, and further counts it adds to
    (``{"stage_criteria": 6}``)."""

    file: str
    doc: Mapping[str, Any]
    count: int
    extra: Mapping[str, int] = field(default_factory=dict)


# -- the interface -----------------------------------------------------------------------


def _equal_default(name: str, desired: Any, actual: Any) -> bool:
    if name == "description":
        return (desired or "") == (actual or "")
    return bool(desired == actual)


class KindHandler:
    """Everything the engine knows about one resource kind. Subclasses set the class
    attributes and override what differs from the defaults (which suit a kind that is
    read whole in round 1, compared attribute by attribute and written one call each)."""

    kind: ClassVar[Kind]
    # words: the kind in a sentence ("removes property group deals/x from the portal")
    noun: ClassVar[str] = ""
    # place in the build order (lower first); deletes run after every build, reversed
    order: ClassVar[int]
    # dependency level in apply: creates and updates of one rank run concurrently, after
    # lower ranks; None keeps the change in sequence after every ranked change
    rank: ClassVar[int | None] = None
    # "package.module:function" in portal/: function(change, ctx: WriteContext) returns
    # None, or the rest of the write as a callable (a second request that needs the
    # first one's answer, e.g. enabling a workflow once its create was checked): apply
    # sends it as soon as a write slot is free and the change is done when it returns
    writer: ClassVar[str] = ""
    # "package.module:function": function(batch, ctx, took, sending) for changes of one
    # batch_key; sending(changes) is called before each request with the changes it
    # carries (journaled then, with one fsync), took(changes) with the changes HubSpot
    # has accepted so far
    batch_writer: ClassVar[str] = ""
    # "package.module:function" in portal/: function(change, ctx) writes the change
    # :meth:`finish` returns, once per apply after every write of the apply (bookkeeping
    # kept in the portal, e.g. the ids of the lists hs-japan created)
    finisher: ClassVar[str] = ""
    # attributes whose change makes a replace (delete + create)
    create_only: ClassVar[frozenset[str]] = frozenset()
    # a destructive change of this kind loses values records hold (--allow-data-loss)
    holds_record_values: ClassVar[bool] = False
    # compiled without any portal fact: part of ``compile_blueprint`` (validate, audits)
    offline: ClassVar[bool] = False
    # export: the name in ``--kinds`` and in the summary ("" = not exported on its own:
    # stages travel with their pipeline); the place of its files and count in the export;
    # further counts its sections add to (listed after every handler's own count)
    export_as: ClassVar[str] = ""
    export_position: ClassVar[int] = 0
    export_counts: ClassVar[tuple[str, ...]] = ()

    # -- reads --------------------------------------------------------------------------
    def needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        """Round 1: the listings this kind's :meth:`followups` choose round 2 from (a kind
        without followups may list everything here too: correct, but round 1 grows)."""
        return ()

    def late_needs(self, bp: Blueprint, language: Language) -> Iterable[Read]:
        """The other listings this kind's part of the blueprint needs: no followup depends
        on them, so ``read_facts`` may send them with round 2 (observe sees them all the
        same; a read another kind :meth:`needs` is made in round 1)."""
        return ()

    def followups(self, bp: Blueprint, language: Language, facts: Facts) -> Iterable[Read]:
        """Round 2: what round 1 (``facts``: this kind's :meth:`needs` at least) showed
        is needed."""
        return ()

    # -- resolve (pure) -----------------------------------------------------------------
    def observe(self, res: Resolution) -> None:
        """Normalise what the portal returned into ``res.actual`` (this kind only)."""

    def compile(self, res: Resolution) -> None:
        """Add this kind's desired resources, tombstones and origins to ``res.desired``."""

    def check(self, res: Resolution) -> list[Diagnostic]:
        """What makes the blueprint unplannable against this portal (after compile)."""
        return []

    # -- diff (pure) --------------------------------------------------------------------
    def equal(self, name: str, desired: Any, actual: Any) -> bool:
        """Whether attribute ``name`` already has the desired value."""
        return _equal_default(name, desired, actual)

    def fixed_attrs(self, want: Resource) -> frozenset[str]:
        """Attributes of ``want`` that HubSpot sets only at creation."""
        return self.create_only

    def replace_reason(self, fields: Sequence[str]) -> str:
        return (
            f"{', '.join(fields)} can only be set at creation: the "
            f"{self.kind.value} is deleted and created again"
        )

    def update_risk(self, changed: Mapping[str, tuple[Any, Any]]) -> tuple[Risk, tuple[str, ...]]:
        """Risk of an update changing ``changed`` (name -> (before, after))."""
        return Risk.SAFE, ()

    def deleted_with(self, have: Resource) -> ResourceId | None:
        """The resource whose delete removes this one too (a stage with its pipeline)."""
        return None

    def position(self, change: Change) -> tuple[str, int, str]:
        """Sort key within this kind's phase."""
        return (change.key, 0, "")

    def describe(self, change: Change, desired: DesiredState, actual: PortalState) -> Change:
        """The change with words for people added (details, reasons); never steers apply."""
        return change

    def assess(self, change: Change, count: Counter) -> Change:
        """A destructive change with the records it touches counted (or blocked)."""
        return change

    # -- apply --------------------------------------------------------------------------
    def batch_key(self, change: Change) -> str | None:
        """Changes of one level with the same key are written by :attr:`batch_writer`."""
        return None

    def carried_by(self, change: Change, changes: Sequence[Change]) -> Change | None:
        """The change whose write also writes this one (its intent is journaled with it)."""
        return None

    def finish(self, done: Sequence[Change], ctx: WriteContext) -> Change | None:
        """The one bookkeeping write :attr:`finisher` makes after this kind's ``done``
        changes (journaled like any write; not one of the plan's changes), or None."""
        return None

    def unchanged(self, changes: Sequence[Change], before: Resolution, fresh: Facts) -> bool:
        """Whether this kind's ``changes`` still stand, from ``fresh`` reads (its
        :meth:`needs` and :meth:`late_needs`, in one round): by
        default the resources they change, observed again, have the attributes and
        ``updatedAt`` the plan read."""
        again = Resolution(
            before.bp,
            before.language,
            fresh,
            DesiredState(Snapshot()),
            PortalState(before.actual.info, Snapshot()),
        )
        self.observe(again)
        for c in changes:
            old = before.actual.snapshot.get(c.kind, c.key)
            new = again.actual.snapshot.get(c.kind, c.key)
            if (old is None) != (new is None):
                return False
            if (
                old is not None
                and new is not None
                and (old.attrs != new.attrs or old.fingerprint != new.fingerprint)
            ):
                return False
        return True

    # -- export -------------------------------------------------------------------------
    def export_reads(self, objects: Sequence[str]) -> Iterable[Read]:
        """What export reads for this kind (every item of the portal, not a blueprint's),
        in round 1. A read about an object the portal's subscription lacks answers
        :class:`Refused`."""
        return ()

    def export_followups(self, objects: Sequence[str], facts: Facts) -> Iterable[Read]:
        """What export reads in round 2, when round 1 (``facts``) shows it is needed."""
        return ()

    def export(self, ctx: ExportContext) -> list[ExportSection]:
        """This kind's blueprint files, from the export reads' answers."""
        return []


# -- the registry ------------------------------------------------------------------------

_HANDLERS: dict[str, KindHandler] = {}


def register(handler: KindHandler) -> KindHandler:
    """Add (or replace) the handler of ``handler.kind``."""
    _HANDLERS[handler.kind.value] = handler
    if handler.holds_record_values:
        RECORD_VALUE_KINDS.add(handler.kind)
    return handler


def unregister(kind: Kind) -> None:
    """Remove a kind's handler (tests that register a demo kind)."""
    _HANDLERS.pop(kind.value, None)


def handler_for(kind: Kind | str) -> KindHandler:
    key = kind.value if isinstance(kind, Kind) else str(kind)
    try:
        return _HANDLERS[key]
    except KeyError:
        raise KeyError(f"no handler registered for kind {key!r}") from None


def handlers() -> list[KindHandler]:
    """Every registered handler, in build order."""
    return sorted(_HANDLERS.values(), key=lambda h: h.order)


def located(desired: DesiredState, rid: ResourceId, field: str, message: str) -> Diagnostic:
    """A problem with ``rid``, at the blueprint line it comes from (``field`` appended
    to its key path: ``pipelines[0].stages[1].entry.conditions``)."""
    origin = desired.origins[rid]
    path = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in origin.keypath)
    path = path.replace(".[", "[")
    return Diagnostic(origin.file, origin.line, f"{path}.{field}" if field else path, message)
