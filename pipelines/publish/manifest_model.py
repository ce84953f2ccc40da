"""The manifest as a typed model, and the JSON Schema researchers' tools can check it with.

``Manifest`` describes every key ``build_manifest`` writes; ``docs/manifest.schema.json``
is generated from it (``python -m pipelines.publish.manifest_model > docs/...``) and the
tests validate every published manifest against that file. The anonymisation (policy and
risk) report and the validation summaries stay open objects: their figures grow with the
privacy work (subject-level k, drills) without a schema change here.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Text(_Closed):
    sv: str
    en: str


class SchemaEntry(_Closed):
    name: str
    type: str = Field(description="Arrow type of the released column")
    role: Literal[
        "direct_identifier", "quasi_identifier", "sensitive", "measure", "free_text", "keep"
    ]
    unit: str | None
    description: Text


class FileEntry(_Closed):
    path: str = Field(description="Path inside the snapshot, '/'-separated")
    bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class KeywordsByLanguage(_Closed):
    sv: list[str]
    en: list[str]


class Dimension(_Closed):
    column: str
    level: int = Field(ge=0)


class AggregateEntry(_Closed):
    description: Text | None
    dimensions: list[Dimension]
    measures: list[str]


class Validation(_Open):
    raw: dict[str, Any]
    release: dict[str, Any]


class Provenance(_Closed):
    run_id: str
    source: dict[str, Any]
    extracted_at: str
    code_version: str


class Manifest(_Closed):
    """One snapshot's manifest (format ``samverkan-manifest/1``)."""

    model_config = ConfigDict(
        extra="forbid",
        title="samverkan release manifest",
    )

    format: Literal["samverkan-manifest/1"]
    dataset: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str
    tier: Literal["open", "project"]
    title: Text
    description: Text
    publisher: str
    licence: str = Field(description="SPDX licence identifier")
    keywords: list[str]
    keywords_by_language: KeywordsByLanguage
    themes: list[str] = Field(description="EU data-theme codes")
    schedule: str | None
    aggregates: dict[str, AggregateEntry]
    published_at: str = Field(description="ISO 8601 date and time, UTC")
    rows: int = Field(ge=0)
    schema_: list[SchemaEntry] = Field(alias="schema")
    files: list[FileEntry]
    validation: Validation
    anonymisation: dict[str, Any] = Field(
        description="Policy and disclosure-risk report; open: its figures may grow"
    )
    provenance: Provenance


def json_schema() -> dict[str, Any]:
    schema = Manifest.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
