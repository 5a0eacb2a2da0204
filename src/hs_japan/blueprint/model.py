"""Blueprint format v1 as pydantic models (one file's content, and the merged whole).

Field names are snake_case in YAML; they are mapped to HubSpot's names when the
blueprint is compiled (``compile.py``). Cross-item rules (references, uniqueness
across files) live in ``check.py`` so that every error is reported at once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Language = Literal["ja", "en"]
ObjectType = Literal["contacts", "companies", "deals", "tickets"]
PipelineObjectType = Literal["deals", "tickets"]
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

# Internal names: lowercase, start with a letter, [a-z0-9_] (NOTES §5.5). Stage and
# pipeline ids must be lowercase too: HubSpot derives hs_date_entered_<stageId> from them.
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]
LABEL_MAX = 255  # [guess] HubSpot's UI truncates long labels; keep them reviewable


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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
    absent: bool = False


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


class Criteria(_Strict):
    """Entry or exit criteria of a stage: what must hold (checked by audits and by the
    stage-criteria workflows), and why, for people."""

    required_properties: list[Name] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    description: LongText | None = None


class StageSpec(_Strict):
    key: Name
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
    id: Name
    label: Text | None = None
    display_order: int | None = None
    stages: list[StageSpec] = Field(default_factory=list)
    absent: bool = False


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
    line_maps: dict[str, dict[tuple[str | int, ...], int]] = Field(default_factory=dict)

    def origin_of(self, origin: Origin, *sub: str | int) -> Origin:
        """The origin of a field inside an item, with its own line when known."""
        keypath = (*origin.keypath, *sub)
        lines = self.line_maps.get(origin.file, {})
        probe = keypath
        while probe and probe not in lines:
            probe = probe[:-1]
        return Origin(file=origin.file, line=lines.get(probe, origin.line), keypath=keypath)
