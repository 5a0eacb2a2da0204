"""Blueprint format v1 as pydantic models (one file's content, and the merged whole).

Field names are snake_case in YAML; they are mapped to HubSpot's names when the
blueprint is compiled (``compile.py``). Cross-item rules (references, uniqueness
across files) live in ``check.py`` so that every error is reported at once.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

Language = Literal["ja", "en"]
# leads: HubSpot's lead object (Sales Hub Professional and up; doctor gates it)
ObjectType = Literal["contacts", "companies", "deals", "tickets", "leads"]
PipelineObjectType = Literal["deals", "tickets", "leads"]
PropertyType = Literal[
    "bool", "enumeration", "date", "datetime", "string", "number", "phone_number"
]
FieldType = Literal[
    "booleancheckbox",
    "calculation_equation",
    "checkbox",
    "date",
    "file",
    "html",
    "number",
    "phonenumber",
    "radio",
    "select",
    "text",
    "textarea",
]

# Internal names: lowercase, start with a letter, [a-z0-9_] (docs/hubspot-api.md §5.5). Stage and
# pipeline ids must be lowercase too: HubSpot derives hs_date_entered_<stageId> from them.
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]
# Pipeline and stage ids: hs-japan writes lowercase names, but a portal's own ids may be
# numeric ("0", "1000001") or HubSpot's stock ids; export must be able to write them back.
PipelineId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=100)]
LABEL_MAX = 255  # [guess] HubSpot's UI truncates long labels; keep them reviewable


class _Strict(BaseModel):
    # NaN and infinity are not JSON numbers: HubSpot could not take them
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _finite_number(value: Any) -> Any:
    """One message for anything but a finite number (an ``int | float`` union would give
    one per member); NaN and infinity are not JSON numbers, so HubSpot cannot take them."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        raise ValueError("a finite number is needed, e.g. 0")
    return value


Number = Annotated[int | float, BeforeValidator(_finite_number)]


class Text(_Strict):
    """A label or description in Japanese and/or English; a plain string means both."""

    ja: Annotated[str, StringConstraints(min_length=1, max_length=LABEL_MAX)] | None = None
    en: Annotated[str, StringConstraints(min_length=1, max_length=LABEL_MAX)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"ja": value, "en": value}
        return value

    @model_validator(mode="after")
    def _one_language_at_least(self) -> Text:
        if self.ja is None and self.en is None:
            raise ValueError("give at least one of ja, en")
        return self

    def pick(self, language: Language) -> str:
        first, second = (self.ja, self.en) if language == "ja" else (self.en, self.ja)
        return first if first is not None else second or ""


class LongText(Text):
    ja: Annotated[str, StringConstraints(max_length=4000)] | None = None
    en: Annotated[str, StringConstraints(max_length=4000)] | None = None


class OptionSpec(_Strict):
    value: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    label: Text
    description: LongText | None = None
    hidden: bool = False
    display_order: int | None = None


class PropertyGroupSpec(_Strict):
    object: ObjectType
    name: Name
    label: Text | None = None
    display_order: int | None = None
    absent: bool = False

    @model_validator(mode="after")
    def _label_unless_absent(self) -> PropertyGroupSpec:
        if not self.absent and self.label is None:
            raise ValueError("label is required (or set absent: true to remove the group)")
        return self


class PropertySpec(_Strict):
    object: ObjectType
    name: Name
    label: Text | None = None
    type: PropertyType | None = None
    field_type: FieldType | None = None
    group: Name | None = None
    description: LongText | None = None
    options: list[OptionSpec] | None = None
    display_order: int | None = None
    hidden: bool | None = None
    form_field: bool | None = None
    unique: bool | None = Field(default=None, description="hasUniqueValue; create-only")
    # a regular expression values must match (kana, 法人番号). HubSpot's property
    # validation rules are set in its UI only: hs-japan lists them in the generated
    # checklist and the audit checks records against them.
    pattern: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    # each of these (and ``pattern``) becomes a HubSpot property validation rule
    # (kind property_validation: REGEX, MIN_LENGTH, MAX_LENGTH, MIN_NUMBER, MAX_NUMBER)
    min_length: int | None = Field(default=None, ge=0, le=65536)
    max_length: int | None = Field(default=None, ge=1, le=65536)
    min_number: Number | None = None
    max_number: Number | None = None
    absent: bool = False

    @model_validator(mode="after")
    def _pattern_compiles(self) -> PropertySpec:
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        return self


ValidationRuleType = Literal[
    "AFTER_DATETIME_DURATION",
    "AFTER_DURATION",
    "ALPHANUMERIC",
    "BEFORE_DATETIME_DURATION",
    "BEFORE_DURATION",
    "DAYS_OF_WEEK",
    "DECIMAL",
    "DOMAIN",
    "EMAIL",
    "EMAIL_ALLOWED_DOMAINS",
    "EMAIL_BLOCKED_DOMAINS",
    "END_DATE",
    "END_DATETIME",
    "FORMAT",
    "MAX_LENGTH",
    "MAX_NUMBER",
    "MIN_LENGTH",
    "MIN_NUMBER",
    "PHONE_NUMBER_WITH_EXPLICIT_COUNTRY_CODE",
    "REGEX",
    "SPECIAL_CHARACTERS",
    "START_DATE",
    "START_DATETIME",
    "URL",
    "URL_ALLOWED_DOMAINS",
    "URL_BLOCKED_DOMAINS",
    "WHITESPACE",
]


class PropertyValidationSpec(_Strict):
    """One HubSpot property validation rule (crm-property-validations-v3), any rule type.

    A property's ``pattern``/``min_length``/… are the short way to write the common ones;
    this section writes any rule type, and removes one with ``absent: true``.
    """

    object: ObjectType
    property: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]
    rule_type: ValidationRuleType
    arguments: list[Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=list, max_length=100
    )
    normalize: bool | None = None  # shouldApplyNormalization
    absent: bool = False

    @model_validator(mode="after")
    def _arguments_unless_absent(self) -> PropertyValidationSpec:
        if not self.absent and not self.arguments:
            raise ValueError("arguments are required (or set absent: true to remove the rule)")
        if self.rule_type == "REGEX" and self.arguments:
            try:
                re.compile(self.arguments[0])
            except re.error as exc:
                raise ValueError(f"arguments[0] is not a valid regular expression: {exc}") from None
        return self


class AssociationLabelSpec(_Strict):
    """A user-defined association label (associations v4), e.g. a deal's 決裁者 contact.

    HubSpot returns labels without their internal ``name``, so a label is found in the
    portal by its text (the profile's language, the other language, ``renamed_from``).
    ``inverse_label`` names the other direction (e.g. 紹介元 / 紹介先).
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=True, allow_inf_nan=False
    )
    from_: ObjectType = Field(alias="from")
    to: ObjectType
    name: Name
    label: Text | None = None
    inverse_label: Text | None = None
    renamed_from: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        default_factory=list
    )
    absent: bool = False

    @model_validator(mode="after")
    def _label_unless_absent(self) -> AssociationLabelSpec:
        if self.label is None:
            raise ValueError("label is required: HubSpot association labels are found by label")
        return self


class Condition(_Strict):
    """One machine-checkable condition on a record property.

    Exactly one test: ``in`` (the value is one of these), ``equals`` (this value), or
    ``is_set`` (true: has a value; false: is empty). ``required_properties`` is the
    shorthand for ``{property: x, is_set: true}``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    property: Name
    in_: list[str] | None = Field(default=None, alias="in", min_length=1)
    equals: str | None = None
    is_set: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [t for t in (self.in_, self.equals, self.is_set) if t is not None]
        if len(tests) != 1:
            raise ValueError("give exactly one of: in, equals, is_set")
        return self


class StageRef(_Strict):
    pipeline: PipelineId
    stage: PipelineId


class Criteria(_Strict):
    """Entry or exit criteria of a stage: what must hold (checked by audits and by the
    stage-criteria workflows), and why, for people."""

    required_properties: list[Name] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    description: LongText | None = None


class StageSpec(_Strict):
    key: PipelineId
    label: Text | None = None
    probability: float | None = Field(default=None, ge=0.0, le=1.0)
    ticket_state: Literal["OPEN", "CLOSED"] | None = None
    entry: Criteria | None = None
    exit: Criteria | None = None
    # expected time in this stage, in days [min, max] (Japan norms; audits flag stalls)
    expected_days: list[int] | None = Field(default=None, min_length=2, max_length=2)
    absent: bool = False

    @model_validator(mode="after")
    def _expected_range(self) -> StageSpec:
        if self.expected_days is not None:
            low, high = self.expected_days
            if low < 0 or high < low:
                raise ValueError("expected_days must be [min, max] with 0 <= min <= max")
        return self

    @model_validator(mode="before")
    @classmethod
    def _int_probability(cls, value: Any) -> Any:
        if (
            isinstance(value, dict)
            and isinstance(value.get("probability"), int)
            and not isinstance(value.get("probability"), bool)
        ):
            return {**value, "probability": float(value["probability"])}
        return value


class PipelineSpec(_Strict):
    object: PipelineObjectType
    id: PipelineId
    label: Text | None = None
    display_order: int | None = None
    stages: list[StageSpec] = Field(default_factory=list)
    # deal pipelines: a workflow per stage opens a task for the owner when a deal enters
    # it without meeting its criteria ("disabled": created switched off; "off": none)
    criteria_tasks: Literal["enabled", "disabled", "off"] = "enabled"
    absent: bool = False


FunnelElement = Literal[
    "positioning", "trust_signals", "cta", "qualification", "follow_up", "crm_stages", "reporting"
]


class FunnelStageSpec(_Strict):
    """One stage of the revenue funnel (Awareness … Pipeline Visibility) and its design.

    ``elements`` explain, for people, how each design element works at this stage;
    ``pipeline_stages`` (``<pipeline id>/<stage key>``), ``lifecycle`` and
    ``follow_up_rules`` tie it to what the blueprint configures; ``kpis`` are what to
    review. Used by ``hs-japan docs`` and ``hs-japan graph``; nothing here is written to
    HubSpot.
    """

    key: Name
    label: Text
    summary: LongText | None = None
    elements: dict[FunnelElement, LongText] = Field(default_factory=dict)
    pipeline_stages: list[
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$")]
    ] = Field(default_factory=list)
    lifecycle: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list
    )
    follow_up_rules: list[Name] = Field(default_factory=list)
    kpis: list[Text] = Field(default_factory=list)


class ListFilter(Condition):
    """A property filter of a dynamic list; ``in``/``equals``/``is_set`` or a number range."""

    gte: float | None = None
    lte: float | None = None

    @model_validator(mode="after")
    def _one_test(self) -> ListFilter:
        tests = [
            t for t in (self.in_, self.equals, self.is_set, self.gte, self.lte) if t is not None
        ]
        if len(tests) != 1 and not (
            self.gte is not None and self.lte is not None and len(tests) == 2
        ):
            raise ValueError("give one of: in, equals, is_set, or gte/lte (both for a range)")
        return self


class ListSpec(_Strict):
    """A HubSpot list (lists v3) the blueprint manages, e.g. ICP look-alike targets.

    ``key`` is hs-japan's identity for it (kept in the list's custom properties, so a
    renamed list is still found); ``filters`` are ANDed.
    """

    key: Name
    object: ObjectType
    name: Text | None = None
    processing: Literal["DYNAMIC", "MANUAL", "SNAPSHOT"] = "DYNAMIC"
    filters: list[ListFilter] = Field(default_factory=list)
    # names the list had before (HubSpot finds lists by name): it is renamed, not recreated;
    # the name in the other language is always tried too
    renamed_from: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        default_factory=list
    )
    absent: bool = False

    @model_validator(mode="after")
    def _shape(self) -> ListSpec:
        if self.name is None:
            raise ValueError("name is required: HubSpot lists are found by name")
        if self.absent:
            return self
        if self.processing == "MANUAL" and self.filters:
            raise ValueError("a MANUAL list has no filters")
        if self.processing != "MANUAL" and not self.filters:
            raise ValueError("a DYNAMIC or SNAPSHOT list needs at least one filter")
        return self


Weekday = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
WORKDAYS: tuple[Weekday, ...] = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")
HHMM = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class QualifiedSpec(_Strict):
    """Enrols a record when at least ``at_least`` values of the checkbox ``property`` are
    ticked ("4 of 5"), optionally only for some values of ``when`` (e.g. the lead source):
    compiled to one OR branch per combination of ticked values (CONTAINS_ALL)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    property: Name
    of: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        min_length=1, max_length=10
    )
    at_least: int = Field(ge=1, le=10)
    when: Condition | None = None

    @model_validator(mode="after")
    def _fits(self) -> QualifiedSpec:
        if self.at_least > len(self.of):
            raise ValueError(f"at_least {self.at_least} is more than the {len(self.of)} values")
        if self.when is not None and self.when.in_ is None and self.when.equals is None:
            raise ValueError("when takes in or equals")
        return self


class GreaterThan(_Strict):
    """A number property above a value, e.g. a contact's first deal:
    ``{property: num_associated_deals, value: 0}``."""

    property: Name
    value: Number


class TriggerSpec(_Strict):
    """What enrols a record: a deal or lead entering a stage, a property taking a value,
    a number property rising above a value, or a checklist reaching a threshold."""

    stage_entered: StageRef | None = None
    property_equals: Condition | None = None
    property_greater_than: GreaterThan | None = None
    qualified: QualifiedSpec | None = None
    # and these properties are empty (e.g. an untouched lead: notes_last_contacted unset);
    # with unenroll_when_unmet the record leaves the workflow once one is set
    unset: list[Name] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _one(self) -> TriggerSpec:
        given = [
            t
            for t in (
                self.stage_entered,
                self.property_equals,
                self.property_greater_than,
                self.qualified,
            )
            if t
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of: stage_entered, property_equals, property_greater_than, "
                "qualified"
            )
        if self.property_equals is not None and self.property_equals.is_set is not None:
            raise ValueError("property_equals takes in or equals")
        return self


class DelaySpec(_Strict):
    minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 90)
    hours: int | None = Field(default=None, ge=1, le=24 * 90)
    days: int | None = Field(default=None, ge=1, le=365)
    business_days: bool = False

    @model_validator(mode="after")
    def _one(self) -> DelaySpec:
        if sum(v is not None for v in (self.minutes, self.hours, self.days)) != 1:
            raise ValueError("give exactly one of: minutes, hours, days")
        if self.business_days and self.days is None:
            raise ValueError("business_days applies to days")
        return self


class TaskSpec(_Strict):
    type: Literal["TODO", "CALL", "EMAIL"] = "TODO"
    subject: Text
    body: LongText | None = None
    priority: Literal["LOW", "MEDIUM", "HIGH"] = "MEDIUM"
    due_in: DelaySpec | None = None


class SetPropertySpec(_Strict):
    property: Name
    value: Annotated[str, StringConstraints(max_length=1000)]


class NotifySpec(_Strict):
    """An in-app notification to people named by email (resolved per portal)."""

    users: list[Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(
        min_length=1
    )
    subject: Text
    body: LongText | None = None


class RotateOwnerSpec(_Strict):
    """Assign the record's owner: one named owner, or rotation among the owners listed by
    email (resolved per portal), HubSpot's "rotate record to owner" action."""

    owners: list[Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(
        min_length=1, max_length=100
    )
    # keep an owner the record already has (a lead a rep is working stays theirs)
    overwrite: bool = False


STEP_KINDS = ("delay", "task", "set_property", "notify", "rotate_owner")


class StepSpec(_Strict):
    delay: DelaySpec | None = None
    task: TaskSpec | None = None
    set_property: SetPropertySpec | None = None
    notify: NotifySpec | None = None
    rotate_owner: RotateOwnerSpec | None = None

    @model_validator(mode="after")
    def _one(self) -> StepSpec:
        given = [n for n in STEP_KINDS if getattr(self, n)]
        if len(given) != 1:
            raise ValueError(
                "each step is exactly one of: delay, task, set_property, notify, rotate_owner"
            )
        return self


class BusinessHours(_Strict):
    """When actions may run, in Japan time (JST, UTC+9)."""

    days: list[Weekday] = Field(default_factory=lambda: list(WORKDAYS))
    start: HHMM = "09:00"
    end: HHMM = "18:00"


IsoDate = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
]
MonthDay = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
# the year-end closing most Japanese companies observe (domain notes): every year, no year
YEAR_END_CLOSING: tuple[str, ...] = ("12-29", "12-30", "12-31", "01-01", "01-02", "01-03")
# holidays are written for whole years up to ``through``; the span is this many years
HOLIDAY_SPAN_YEARS = 3
# a blueprint without a calendar gets this horizon (fixed per hs-japan release, never
# derived from today's date, so the desired state does not move with the calendar)
DEFAULT_HOLIDAYS_THROUGH = 2029


class HolidayCalendarSpec(_Strict):
    """The closed days follow-up workflows skip (HubSpot ``blockedDates``).

    Annual closings are sent without a year (HubSpot repeats them every year); national
    holidays move from year to year, so they are written for whole years ending with
    ``through``. Nothing here depends on today's date: the plan warns when fewer than
    twelve months of holidays remain, and raising ``through`` is one reviewed change.
    """

    key: Name = "jp"
    country: Literal["JP"] = "JP"
    through: int = Field(default=DEFAULT_HOLIDAYS_THROUGH, ge=2000, le=2200)
    annual_closings: list[MonthDay] = Field(default_factory=lambda: list(YEAR_END_CLOSING))
    # company-specific closed dates (e.g. 創立記念日, an Obon closing), YYYY-MM-DD
    extra_dates: list[IsoDate] = Field(default_factory=list)


class FollowUpRuleSpec(_Strict):
    """A follow-up rule, compiled to one HubSpot workflow (automation v4 flow)."""

    key: Name
    name: Text
    object: ObjectType
    enabled: bool = True
    trigger: TriggerSpec
    steps: list[StepSpec] = Field(min_length=1, max_length=50)
    # None: any time. Default for Japan rules: weekdays 09:00-18:00 JST (tune)
    business_hours: BusinessHours | None = None
    # skip Japanese public holidays and the year-end closing (12/29-1/3) when acting
    skip_holidays: bool = True
    re_enroll: bool = False
    # stop pending steps once the record no longer meets the trigger (a deal that moved
    # on to the next stage gets no "stalled" task); HubSpot's unEnrollObjectsNotMeetingCriteria
    unenroll_when_unmet: bool = True
    absent: bool = False


FormFieldType = Literal[
    "single_line_text",
    "multi_line_text",
    "email",
    "phone",
    "mobile_phone",
    "number",
    "datepicker",
    "dropdown",
    "radio",
    "multiple_checkboxes",
    "single_checkbox",
]
FORM_OBJECTS: dict[str, str] = {"contacts": "0-1", "companies": "0-2"}


class FormFieldSpec(_Strict):
    """One field of a form: it writes the property ``property`` of ``object``."""

    object: Literal["contacts", "companies"] = "contacts"
    property: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]
    type: FormFieldType = "single_line_text"
    label: Text | None = None
    required: bool = False
    hidden: bool = False
    placeholder: Text | None = None
    description: LongText | None = None
    # a hidden field's value (e.g. the first touch this form stands for)
    default: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None
    # enumerated fields (dropdown, radio, checkboxes): the property's values offered, in order
    options: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] | None = None

    @model_validator(mode="after")
    def _shape(self) -> FormFieldSpec:
        enumerated = self.type in ("dropdown", "radio", "multiple_checkboxes")
        if enumerated and not self.options:
            raise ValueError(f"a {self.type} field needs options (values of the property)")
        if not enumerated and self.options:
            raise ValueError(f"options are for dropdown, radio or checkboxes, not {self.type}")
        if self.hidden and self.required:
            raise ValueError("a hidden field cannot be required")
        return self


class FormSpec(_Strict):
    """A HubSpot form (marketing forms v3), e.g. the Japanese inquiry form.

    ``key`` is hs-japan's identity for the form: it is written into the form's
    ``displayOptions.cssClass`` as ``hsjapan-form-<key>`` (a form has no custom properties),
    so a renamed form is still found; a form without the marker is found by name (the
    profile's language, the other language, ``renamed_from``) and adopted.
    """

    key: Name
    name: Text | None = None
    renamed_from: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        default_factory=list
    )
    fields: list[FormFieldSpec] = Field(default_factory=list, max_length=100)
    # fields per row (HubSpot field groups); 1 keeps one field per line
    per_row: int = Field(default=1, ge=1, le=3)
    submit_text: Text | None = None
    thank_you: LongText | None = None
    # lifecycle stage a submission sets on a new contact (configuration.lifecycleStages)
    lifecycle_stage: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    absent: bool = False

    @model_validator(mode="after")
    def _shape(self) -> FormSpec:
        if self.name is None:
            raise ValueError("name is required")
        if not self.absent and not self.fields:
            raise ValueError("a form needs at least one field (or set absent: true)")
        seen: set[tuple[str, str]] = set()
        for f in self.fields:
            if (f.object, f.property) in seen:
                raise ValueError(f"{f.object} property {f.property} appears twice")
            seen.add((f.object, f.property))
        return self


class Origin(BaseModel):
    """Where an item was written: used for every later error about it."""

    model_config = ConfigDict(frozen=True)
    file: str
    line: int
    keypath: tuple[str | int, ...]  # e.g. ("properties", 3)


class Blueprint(BaseModel):
    """All files of a blueprint directory merged, with the origin of each item."""

    model_config = ConfigDict(frozen=True)
    root: str
    digest: str
    files: tuple[str, ...]
    property_groups: tuple[tuple[PropertyGroupSpec, Origin], ...] = ()
    properties: tuple[tuple[PropertySpec, Origin], ...] = ()
    pipelines: tuple[tuple[PipelineSpec, Origin], ...] = ()
    funnel: tuple[tuple[FunnelStageSpec, Origin], ...] = ()
    lists: tuple[tuple[ListSpec, Origin], ...] = ()
    follow_up_rules: tuple[tuple[FollowUpRuleSpec, Origin], ...] = ()
    holiday_calendars: tuple[tuple[HolidayCalendarSpec, Origin], ...] = ()
    association_labels: tuple[tuple[AssociationLabelSpec, Origin], ...] = ()
    property_validations: tuple[tuple[PropertyValidationSpec, Origin], ...] = ()
    forms: tuple[tuple[FormSpec, Origin], ...] = ()
    line_maps: dict[str, dict[tuple[str | int, ...], int]] = Field(default_factory=dict)

    @property
    def holiday_calendar(self) -> HolidayCalendarSpec:
        """The blueprint's holiday calendar (the default one when it names none)."""
        return self.holiday_calendars[0][0] if self.holiday_calendars else HolidayCalendarSpec()

    def origin_of(self, origin: Origin, *sub: str | int) -> Origin:
        """The origin of a field inside an item, with its own line when known."""
        keypath = (*origin.keypath, *sub)
        lines = self.line_maps.get(origin.file, {})
        probe = keypath
        while probe and probe not in lines:
            probe = probe[:-1]
        return Origin(file=origin.file, line=lines.get(probe, origin.line), keypath=keypath)
