"""The dataset spec: one declarative file that drives everything about a dataset.

A spec says where the data comes from, what each column is (type and role), how it is
anonymised, which Great Expectations suites guard it, when it runs and under which licence
it is released. Adding a dataset means adding a YAML file, never Python.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["direct_identifier", "quasi_identifier", "sensitive", "free_text", "keep"]
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
    # direct_identifier: drop | pseudonymise ; free_text: drop | scrub
    action: Literal["drop", "pseudonymise", "scrub"] | None = None
    # quasi_identifier: a ladder of generalisation steps; level 0 is the original value
    hierarchy: list[Any] | None = None
    level: int | None = Field(default=None, ge=0)

    @property
    def source_name(self) -> str:
        return self.source or self.name

    @model_validator(mode="after")
    def _role_fits(self) -> Column:
        if self.role == "direct_identifier":
            if self.action not in ("drop", "pseudonymise"):
                raise ValueError("a direct_identifier needs action: drop or pseudonymise")
        elif self.role == "free_text":
            if self.action not in ("drop", "scrub"):
                raise ValueError("a free_text column needs action: drop or scrub")
        elif self.action is not None:
            raise ValueError(f"action is only for direct_identifier and free_text, not {self.role}")
        if self.role == "quasi_identifier":
            if not self.hierarchy:
                raise ValueError("a quasi_identifier needs a hierarchy (a list of steps)")
            if self.level is None:
                raise ValueError("a quasi_identifier needs a level (0 keeps the value)")
            if self.level > len(self.hierarchy):
                raise ValueError(
                    f"level {self.level} is beyond the hierarchy's {len(self.hierarchy)} steps"
                )
        elif self.hierarchy is not None or self.level is not None:
            raise ValueError("hierarchy and level are only for quasi_identifier columns")
        return self


# ---------------------------------------------------------------------------- policy
class AnonymisationPolicy(_Strict):
    """Privacy requirements the release must meet; the gate checks them on the release."""

    k: int = Field(default=5, ge=1)
    l_diversity: int | None = Field(default=None, ge=2, alias="l")
    suppression_limit: float = Field(default=0.05, ge=0.0, le=1.0)
    public_attributes: list[str] = Field(
        default_factory=list,
        description="Quasi-identifiers found in public registers, used by the linkage drill",
    )


class Expectations(_Strict):
    raw: str | None = None  # suite name; default "<dataset>.raw"
    release: str | None = None  # default "<dataset>.release"


class Schedule(_Strict):
    cron: str | None = Field(default="@monthly", description="Airflow schedule; null: manual")
    start_date: str = "2025-01-01"
    retries: int = Field(default=2, ge=0)
    retry_delay_minutes: int = Field(default=5, ge=0)
    catchup: bool = False


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
    anonymisation: AnonymisationPolicy = AnonymisationPolicy()
    expectations: Expectations = Expectations()
    schedule: Schedule = Schedule()
    keywords: list[str] = Field(default_factory=list)

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
        if self.anonymisation.l_diversity and not any(
            c.role == "sensitive" for c in self.columns
        ):
            raise ValueError("l-diversity asked for, but no column has role sensitive")
        del names
        return self

    # convenience views -------------------------------------------------------------
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
