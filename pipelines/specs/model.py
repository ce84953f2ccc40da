"""The dataset spec: one declarative file that drives everything about a dataset.

A spec says where the data comes from, what each column is (type and role), how it is
anonymised, which Great Expectations suites guard it, when it runs and under which licence
it is released. Adding a dataset means adding a YAML file, never Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["direct_identifier", "quasi_identifier", "sensitive", "measure", "free_text", "keep"]
MetricName = Literal[
    "loss", "entropy", "entropy-nonmonotonic", "discernibility", "aec", "precision"
]
ColumnType = Literal["string", "int", "float", "date", "timestamp", "bool"]
Tier = Literal["open", "project"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Swedish and English."""

    sv: str = Field(min_length=1)
    en: str = Field(min_length=1)


# ---------------------------------------------------------------------------- sources
class CsvSource(_Strict):
    """A file exported from an operational system (Excel-style CSV and its relatives)."""

    kind: Literal["csv"]
    path: str = Field(description="File path relative to the sources folder")
    encoding: str = "auto"  # auto: BOM, then UTF-8, then Windows-1252
    delimiter: str = "auto"  # auto: sniffed from the header line
    decimal: Literal["auto", ".", ","] = "auto"


class JsonLinesSource(_Strict):
    """One JSON object per line; nested fields are addressed as ``a.b`` in column sources."""

    kind: Literal["jsonl"]
    path: str


class SqlSource(_Strict):
    """A table (or a read-only query) in an SQL database reached through SQLAlchemy."""

    kind: Literal["sql"]
    table: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    url_env: str | None = Field(
        default=None, description="Environment variable with the database URL; default: settings"
    )
    batch_rows: int = Field(default=50_000, gt=0)


class KoladaSource(_Strict):
    """Paged JSON in the shape of the Kolada v2 API: over HTTP, or saved pages in a folder."""

    kind: Literal["kolada"]
    path: str = Field(description="Folder with saved pages, relative to the sources folder")
    api_path: str = Field(description="Path below the API base URL, e.g. /v2/data/kpi/...")
    per_page: int = Field(default=5000, gt=0, le=5000)


Source = Annotated[
    CsvSource | JsonLinesSource | SqlSource | KoladaSource, Field(discriminator="kind")
]


# ---------------------------------------------------------------------------- columns
class Column(_Strict):
    """One column: where it comes from, what it is and what anonymisation does with it."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    source: str | None = Field(default=None, description="Name in the source; default: name")
    type: ColumnType
    role: Role
    description: Text
    nullable: bool = True
    unit: str | None = None
    label: Text | None = Field(default=None, description="Short variable label, sv/en")
    # coded columns: what each released code means, sv/en (the codebook lists them all)
    values: dict[str, Text] | None = None
    # coded columns whose values are names or dates that label themselves (districts, months)
    self_labelled: bool = False
    # what a null in this column means: an unknown value or a question that does not apply
    missing: Literal["unknown", "not_applicable", "pending"] = "unknown"
    # direct_identifier: drop | pseudonymise ; free_text: drop | scrub
    action: Literal["drop", "pseudonymise", "scrub"] | None = None
    # free_text with action scrub: personnummer in the text become a placeholder, or (project
    # tier only) that person's project pseudonym so a note can be linked to its records.
    text_personnummer: Literal["placeholder", "pseudonym"] = "placeholder"
    # free_text with action scrub: the dataset's own internal references (case numbers,
    # household ids ...) that link a text to a person's file: placeholder name -> regex (RE2).
    scrub_patterns: dict[str, str] = Field(default_factory=dict)
    # free_text with action scrub: released in the project tier only, unless opted into
    # the open tier (a decision the data protection officer signs off).
    open_tier: bool = False
    # quasi_identifier: a ladder of generalisation steps; level 0 is the original value.
    # ``level`` is the released level (fixed) or ``auto`` (the engine searches, optionally
    # between ``min_level`` and ``max_level``).
    hierarchy: list[Any] | None = None
    level: int | Literal["auto"] | None = None
    min_level: int | None = Field(default=None, ge=0)
    max_level: int | None = Field(default=None, ge=0)
    # quasi_identifier or sensitive: the value is the subject's, taken on the subject's
    # reference record (its first by ``subject.order_by``), so that all of a subject's
    # records carry the same value (age at the first record, district at the first record).
    per_subject: bool = False
    # measure: released rounded to a multiple of this (e.g. 100 kronor), so an exact
    # amount cannot serve as a key
    round_to: float | None = Field(default=None, gt=0)

    @property
    def source_name(self) -> str:
        return self.source or self.name

    @property
    def level_range(self) -> tuple[int, int]:
        """Lowest and highest level the release may use (equal for a fixed level)."""
        assert self.hierarchy is not None and self.level is not None
        if self.level != "auto":
            return self.level, self.level
        top = len(self.hierarchy)
        low = self.min_level or 0
        return low, top if self.max_level is None else self.max_level

    @model_validator(mode="after")
    def _role_fits(self) -> Column:
        if self.role == "direct_identifier":
            if self.action not in ("drop", "pseudonymise"):
                raise ValueError("a direct_identifier needs action: drop or pseudonymise")
        elif self.role == "free_text":
            if self.action not in ("drop", "scrub"):
                raise ValueError("a free_text column needs action: drop or scrub")
            if self.open_tier and self.action != "scrub":
                raise ValueError("open_tier needs a free_text column with action: scrub")
        elif self.scrub_patterns or self.text_personnummer != "placeholder" or self.open_tier:
            raise ValueError(
                "scrub_patterns, text_personnummer and open_tier are for free_text columns"
            )
        elif self.action is not None:
            raise ValueError(f"action is only for direct_identifier and free_text, not {self.role}")
        if self.per_subject and self.role not in ("quasi_identifier", "sensitive"):
            raise ValueError("per_subject is for quasi_identifier and sensitive columns")
        if self.role == "measure" and self.type not in ("int", "float"):
            raise ValueError("a measure is a number (type int or float)")
        if self.round_to is not None and self.role != "measure":
            raise ValueError("round_to is for measure columns")
        if self.role == "quasi_identifier":
            if not self.hierarchy:
                raise ValueError("a quasi_identifier needs a hierarchy (a list of steps)")
            if self.level is None:
                raise ValueError("a quasi_identifier needs a level (0 keeps the value, or auto)")
            steps = len(self.hierarchy)
            for what, value in (
                ("level", self.level),
                ("min_level", self.min_level),
                ("max_level", self.max_level),
            ):
                if isinstance(value, int) and value < 0:
                    raise ValueError(f"{what} must not be negative")
                if isinstance(value, int) and value > steps:
                    raise ValueError(f"{what} {value} is beyond the hierarchy's {steps} steps")
            if self.level != "auto" and (self.min_level is not None or self.max_level is not None):
                raise ValueError("min_level and max_level are only for level: auto")
            check_bands(self.hierarchy)
            low, high = self.level_range
            if low > high:
                raise ValueError("min_level is above max_level")
        elif any(
            v is not None for v in (self.hierarchy, self.level, self.min_level, self.max_level)
        ):
            raise ValueError("hierarchy and level are only for quasi_identifier columns")
        return self


def _band_bounds(step: Any) -> tuple[int, int, int | None] | None:
    if isinstance(step, dict) and "band" in step:
        return int(step["band"]), int(step.get("min", 0)), step.get("top")
    return None


def check_bands(hierarchy: list[Any]) -> None:
    """Age bands never overlap: a band step's ``top`` starts a band (``min`` plus a whole
    number of widths), else the last band ("78-82") would reach into the top code ("80+")."""
    for step in hierarchy:
        bounds = _band_bounds(step)
        if bounds is None:
            continue
        width, low, top = bounds
        if width < 1:
            raise ValueError("a band needs a width of at least 1")
        if top is not None and (int(top) < low or (int(top) - low) % width):
            raise ValueError(
                f"band {width} from {low}: top {top} must be {low} plus a multiple of {width}, "
                "or its last band overlaps the top code"
            )


def _check_aggregate(aggregate: Aggregate, columns: dict[str, Column]) -> None:
    """Every column an aggregate names exists; levels only on quasi-identifier ladders."""
    where = f"aggregate {aggregate.name}"
    for dim in aggregate.dimension_list:
        col = columns.get(dim.column)
        if col is None:
            raise ValueError(f"{where}: dimension {dim.column} is not a column")
        if col.role in ("direct_identifier", "free_text"):
            raise ValueError(f"{where}: dimension {dim.column} is an identifier or free text")
        steps = len(col.hierarchy or [])
        if dim.level > steps:
            raise ValueError(f"{where}: level {dim.level} of {dim.column} is beyond its ladder")
    for name in [m.column for m in aggregate.measures if m.column] + [aggregate.unit]:
        if name is not None and name not in columns:
            raise ValueError(f"{where}: column {name} is not a column")
    for m in aggregate.measures:
        if m.kind == "sum" and columns[str(m.column)].type not in ("int", "float"):
            raise ValueError(f"{where}: sum of {m.column} needs a numeric column")


# ---------------------------------------------------------------------------- subject
class Subject(_Strict):
    """Whose privacy the release protects: the data subject and how to key it.

    ``columns`` name the spec columns that identify a subject (a personnummer, a
    household id); empty means every record is its own subject (a source without a person
    key). ``order_by`` picks each subject's reference record (its first by these columns,
    then by source order) for ``per_subject`` columns. ``personal_data: false`` declares
    a dataset with no person behind its records (public statistics)."""

    columns: list[str] = Field(default_factory=list)
    order_by: list[str] = Field(default_factory=list)
    description: Text | None = None
    personal_data: bool = True

    @property
    def per_record(self) -> bool:
        return not self.columns


# ---------------------------------------------------------------------------- policy
class AnonymisationPolicy(_Strict):
    """Privacy requirements the release must meet; the gate checks them on the release."""

    k: int = Field(default=5, ge=1)
    l_diversity: int | float | None = Field(default=None, ge=1, alias="l")
    l_variant: Literal["distinct", "entropy"] = "distinct"
    t: float | None = Field(default=None, gt=0.0, le=1.0, description="t-closeness")
    t_distance: Literal["equal", "ordered"] = "equal"
    suppression_limit: float = Field(default=0.05, ge=0.0, le=1.0)
    metric: MetricName = Field(default="loss", description="Information loss the search minimises")
    public_attributes: list[str] = Field(
        default_factory=list,
        description="Quasi-identifiers found in public registers, used by the linkage drill",
    )
    attacker_unique_limit: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="Open tier: the largest share of subjects an attacker who knows every "
        "released categorical and date column may single out before the gate blocks",
    )

    @model_validator(mode="after")
    def _l_fits(self) -> AnonymisationPolicy:
        l_value = self.l_diversity
        distinct = l_value is not None and self.l_variant == "distinct"
        if distinct and (l_value < 2 or l_value != int(l_value)):  # type: ignore[operator]
            raise ValueError("distinct l-diversity needs a whole number l of at least 2")
        return self


# ---------------------------------------------------------------------------- aggregates
class Dimension(_Strict):
    """A dimension of an aggregate table: a column, optionally at a level of its ladder."""

    column: str
    level: int = Field(default=0, ge=0)


class Measure(_Strict):
    """One measure: ``{count: records}``, ``{sum: column}`` or ``{count_distinct: column}``."""

    count: Literal["records"] | None = None
    sum: str | None = None
    count_distinct: str | None = None
    name: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")

    @model_validator(mode="after")
    def _one_kind(self) -> Measure:
        if sum(v is not None for v in (self.count, self.sum, self.count_distinct)) != 1:
            raise ValueError("a measure is exactly one of count, sum or count_distinct")
        return self

    @property
    def kind(self) -> str:
        return "count" if self.count else "sum" if self.sum else "count_distinct"

    @property
    def column(self) -> str | None:
        return self.sum or self.count_distinct

    @property
    def output_name(self) -> str:
        if self.name:
            return self.name
        return "records" if self.count else f"{self.kind}_{self.column}"


class ThresholdProtection(_Strict):
    """Suppress cells counting fewer than ``min_count`` units, with secondary suppression."""

    method: Literal["threshold"]
    min_count: int = Field(default=5, ge=2)


class CellKeyProtection(_Strict):
    """Cell key method: stable noise per cell from a fixed p-table (counts only)."""

    method: Literal["cell_key"]
    max_noise: int = Field(default=2, ge=1, le=5, description="largest absolute noise D")
    small_count: int = Field(
        default=2, ge=0, le=5, description="counts 1..small_count are never published"
    )


Protection = Annotated[ThresholdProtection | CellKeyProtection, Field(discriminator="method")]


class Aggregate(_Strict):
    """An aggregate table for the open tier, computed from the released rows."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: Text | None = None
    dimensions: list[str | Dimension] = Field(min_length=1)
    measures: list[Measure] = Field(min_length=1)
    unit: str | None = Field(
        default=None,
        description="Column identifying the unit counted (e.g. a household id); it is what "
        "small-cell protection counts and what cell keys are derived from. Default: records",
    )
    protection: Protection = ThresholdProtection(method="threshold")

    @property
    def dimension_list(self) -> list[Dimension]:
        return [Dimension(column=d) if isinstance(d, str) else d for d in self.dimensions]

    @model_validator(mode="after")
    def _fits(self) -> Aggregate:
        columns = [d.column for d in self.dimension_list]
        if len(set(columns)) != len(columns):
            raise ValueError("a dimension is listed twice")
        names = [m.output_name for m in self.measures]
        if len(set(names)) != len(names) or set(names) & {*columns, "suppressed"}:
            raise ValueError("measure names must be unique and differ from the dimensions")
        if isinstance(self.protection, CellKeyProtection):
            if self.unit is None:
                raise ValueError("the cell key method needs a unit column to key records")
            if any(m.kind == "sum" for m in self.measures):
                raise ValueError("the cell key method protects counts only; use threshold")
        return self


class Expectations(_Strict):
    raw: str | None = None  # suite name; default "<dataset>.raw"
    release: str | None = None  # default "<dataset>.release"


class Schedule(_Strict):
    cron: str | None = Field(default="@monthly", description="Airflow schedule; null: manual")
    start_date: str = "2025-01-01"
    retries: int = Field(default=2, ge=0)
    retry_delay_minutes: int = Field(default=5, ge=0)
    retry_exponential_backoff: float = Field(default=2.0, ge=1.0)  # extract's multiplier
    max_retry_delay_minutes: int = Field(default=60, ge=0)
    catchup: bool = False

    @field_validator("start_date")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        dt.date.fromisoformat(value)  # ValueError: pydantic reports the field
        return value


#: The EU data-theme vocabulary's codes (DCAT-AP's ``dcat:theme``).
Theme = Literal[
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI",
    "TECH", "TRAN",
]  # fmt: skip


class Keywords(_Strict):
    """Keywords per language, so a catalogue can tag each one."""

    sv: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class Coverage(_Strict):
    """What the data covers, for catalogues and codebooks (the data gives the dates)."""

    temporal_column: str | None = Field(
        default=None, description="Column dating each record; its range is the coverage"
    )
    unit_of_analysis: Text | None = None
    population: Text | None = None
    source_system: Text | None = None


class DatasetSpec(_Strict):
    """Everything about one dataset."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Text
    description: Text
    publisher: str = "Huddinge kommun"
    licence: str = "CC-BY-4.0"
    tier: Tier = "open"
    source: Source
    columns: list[Column] = Field(min_length=1)
    subject: Subject | None = None
    anonymisation: AnonymisationPolicy = AnonymisationPolicy()
    expectations: Expectations = Expectations()
    schedule: Schedule = Schedule()
    keywords: Keywords = Keywords()
    themes: list[Theme] = Field(default_factory=lambda: ["REGI"], min_length=1)
    coverage: Coverage = Coverage()
    aggregates: list[Aggregate] = Field(default_factory=list)

    @field_validator("licence")
    @classmethod
    def _spdx(cls, value: str) -> str:
        from pipelines.specs.licences import check_spdx

        return check_spdx(value)

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords(cls, value: Any) -> Any:
        """A plain list (older specs) counts as Swedish keywords."""
        return {"sv": list(value), "en": []} if isinstance(value, list) else value

    @field_validator("columns")
    @classmethod
    def _unique_names(cls, columns: list[Column]) -> list[Column]:
        seen: set[str] = set()
        for col in columns:
            if col.name in seen:
                raise ValueError(f"column {col.name} is declared twice")
            seen.add(col.name)
        return columns

    @model_validator(mode="after")
    def _policy_fits(self) -> DatasetSpec:
        names = {c.name for c in self.columns}
        qis = {c.name for c in self.columns if c.role == "quasi_identifier"}
        for attr in self.anonymisation.public_attributes:
            if attr not in qis:
                raise ValueError(f"public attribute {attr} is not a quasi_identifier column")
        policy = self.anonymisation
        if (policy.l_diversity or policy.t) and not any(
            c.role == "sensitive" for c in self.columns
        ):
            raise ValueError("l-diversity or t-closeness asked for, but no column is sensitive")
        seen: set[str] = set()
        for aggregate in self.aggregates:
            if aggregate.name in seen:
                raise ValueError(f"aggregate {aggregate.name} is declared twice")
            seen.add(aggregate.name)
            _check_aggregate(aggregate, {c.name: c for c in self.columns})
        subject = self.subject
        if subject is not None:
            for name in [*subject.columns, *subject.order_by]:
                if name not in names:
                    raise ValueError(f"subject column {name} is not a column")
            if subject.personal_data and self.tier == "open":
                # every released column must have a role the privacy gate understands
                for col in self.columns:
                    if col.role == "keep":
                        raise ValueError(
                            f"column {col.name}: role keep is not allowed in an open-tier "
                            "dataset with personal data; make it a quasi_identifier (with a "
                            "hierarchy), sensitive, or a measure"
                        )
        if any(c.per_subject for c in self.columns) and (subject is None or subject.per_record):
            raise ValueError("per_subject columns need a subject with key columns")
        temporal = self.coverage.temporal_column
        if temporal is not None and temporal not in names:
            raise ValueError(f"coverage.temporal_column {temporal} is not a column")
        return self

    @property
    def subject_columns(self) -> list[str]:
        """Spec columns that key the data subject (empty: each record its own subject)."""
        return list(self.subject.columns) if self.subject else []

    # convenience views -------------------------------------------------------------
    @property
    def all_keywords(self) -> list[str]:
        return [*self.keywords.sv, *self.keywords.en]

    def columns_with_role(self, role: Role) -> list[Column]:
        return [c for c in self.columns if c.role == role]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def raw_suite(self) -> str:
        return self.expectations.raw or f"{self.name}.raw"

    @property
    def release_suite(self) -> str:
        return self.expectations.release or f"{self.name}.release"
