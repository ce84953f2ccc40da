"""The release as a Frictionless Data Package (v2): ``datapackage.json`` in the snapshot.

One tabular resource per Parquet file, microdata and aggregate tables alike, each with its
title, sha256 and licence and a Table Schema whose fields carry the spec's
descriptions (English as ``description``, Swedish as ``description_sv``), roles and, for
coded columns, ``categories`` (labelled where the spec declares value labels); ``*`` is
declared in ``missingValues``. Validates with the ``frictionless`` library, data included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.metadata.codebook import spec_column
from pipelines.metadata.identifiers import Publication, resolver_url, version_identifier
from pipelines.metadata.urls import absolute, version_path
from pipelines.publish.layout import is_coded
from pipelines.publish.parquet import read_column, sha256_file
from pipelines.specs.licences import licence_title, licence_url
from pipelines.specs.model import Column, DatasetSpec

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"


def field_type(arrow_type: pa.DataType) -> str:
    """The Table Schema type of an Arrow type."""
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "number"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "datetime"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    return "any"


MISSING_VALUES = [
    {"value": "", "label": "missing / saknas"},
    {"value": "*", "label": "suppressed or generalised away / undertryckt (*)"},
]
AGGREGATE_NAN = {"value": "nan", "label": "suppressed cell (null) / undertryckt cell"}
MAX_CATEGORIES = 1000


def _categories(files: list[Path], name: str, col: Column | None) -> list[dict[str, Any]] | None:
    """The values of a coded column, labelled from the spec where it declares labels."""
    if col is None or not is_coded(col):
        return None
    values: set[Any] = set()
    for path in files:
        column = read_column(path, name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        values |= {v for v in pc.unique(column).to_pylist() if v is not None and v != "*"}
        if len(values) > MAX_CATEGORIES:
            return None
    labels = col.values or {}
    out = []
    for value in sorted(values, key=str):
        label = labels.get(str(value))
        out.append({"value": value, "label": label.en} if label else {"value": value})
    return out


def table_schema(spec: DatasetSpec, schema: pa.Schema, files: list[Path]) -> dict[str, Any]:
    fields = []
    for arrow_field in schema:
        col = spec_column(spec, arrow_field.name)
        kind = field_type(
            arrow_field.type.value_type
            if pa.types.is_dictionary(arrow_field.type)
            else arrow_field.type
        )
        entry: dict[str, Any] = {"name": arrow_field.name, "type": kind}
        if col is not None:
            if col.label is not None:
                entry["title"] = col.label.en
            entry |= {
                "description": col.description.en,
                "description_sv": col.description.sv,
                "role": col.role,
            }
            if col.unit:
                entry["unit"] = col.unit
            if not col.nullable and col.role != "quasi_identifier":
                # a quasi-identifier may be suppressed: "*", a missing value to frictionless
                entry["constraints"] = {"required": True}
        if kind == "string" and (categories := _categories(files, arrow_field.name, col)):
            entry["categories"] = categories
        fields.append(entry)
    return {"fields": fields, "missingValues": MISSING_VALUES}


def _aggregate_schema(spec: DatasetSpec, name: str, path: Path) -> dict[str, Any]:
    aggregate = next((a for a in spec.aggregates if a.name == name), None)
    measures = {m.output_name: m for m in aggregate.measures} if aggregate else {}
    fields = []
    for arrow_field in pq.read_schema(path):
        kind = field_type(
            arrow_field.type.value_type
            if pa.types.is_dictionary(arrow_field.type)
            else arrow_field.type
        )
        entry: dict[str, Any] = {"name": arrow_field.name, "type": kind}
        col = spec_column(spec, arrow_field.name)
        if col is not None:
            entry |= {"description": col.description.en, "description_sv": col.description.sv}
        elif arrow_field.name in measures:
            m = measures[arrow_field.name]
            what = "records" if m.kind == "count" else f"{m.kind.replace('_', ' ')} of {m.column}"
            entry["description"] = f"Measure: {what}"
        elif arrow_field.name == "suppressed":
            entry["description"] = "True where the cell is suppressed by small-cell protection"
        fields.append(entry)
    # a suppressed cell is null; frictionless reads Parquet through pandas, where a null in
    # an integer column comes back as NaN
    return {"fields": fields, "missingValues": [*MISSING_VALUES, AGGREGATE_NAN]}


def _licences(spec: DatasetSpec) -> list[dict[str, str]]:
    return [
        {
            "name": spec.licence,
            "path": licence_url(spec.licence),
            "title": licence_title(spec.licence),
        }
    ]


def _resource(
    folder: Path, path: Path, name: str, title: str, schema: dict[str, Any], spec: DatasetSpec
) -> dict[str, Any]:
    rel = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name
    return {
        "name": name,
        "type": "table",
        "title": title,
        "path": rel,
        "format": "parquet",
        "mediatype": PARQUET_MEDIATYPE,
        # no "bytes": frictionless reads Parquet through pyarrow and has no byte count to
        # check a declared size against (an error in `frictionless validate`); the size of
        # every file is in manifest.json, and the hash here is what a downloader checks
        "hash": f"sha256:{sha256_file(path)}",
        "licenses": _licences(spec),
        "schema": schema,
    }


def build_datapackage(
    *,
    folder: Path,
    spec: DatasetSpec,
    version: str,
    tier: str,
    data_files: list[Path],
    created: str,
    publication: Publication,
    aggregate_files: list[Path] | None = None,
) -> dict[str, Any]:
    resources = []
    for path in data_files:
        name = spec.name if len(data_files) == 1 else f"{spec.name}-{path.stem}"
        schema = table_schema(spec, pq.read_schema(path), data_files)
        resources.append(_resource(folder, path, name, spec.title.en, schema, spec))
    for path in aggregate_files or []:
        aggregate = next((a for a in spec.aggregates if a.name == path.stem), None)
        title = aggregate.description.en if aggregate and aggregate.description else path.stem
        schema = _aggregate_schema(spec, path.stem, path)
        resources.append(_resource(folder, path, f"{spec.name}-{path.stem}", title, schema, spec))
    identifier = version_identifier(spec.name, version, publication.pid)
    out: dict[str, Any] = {
        "$schema": PROFILE,
        "name": spec.name,
        "id": resolver_url(identifier) or identifier,
        "title": spec.title.en,
        "title_sv": spec.title.sv,
        "description": spec.description.en,
        "description_sv": spec.description.sv,
        "version": version,
        "created": created,
        "keywords": spec.all_keywords,
        "licenses": _licences(spec),
        "contributors": [{"title": spec.publisher, "roles": ["publisher"]}],
        "sources": _sources(spec),
        "tier": tier,
        "resources": resources,
    }
    if publication.base_url:
        out["homepage"] = absolute(publication.base_url, version_path(tier, spec.name, version))
    else:
        out["local_copy"] = True
    return out


def _sources(spec: DatasetSpec) -> list[dict[str, str]]:
    system = spec.coverage.source_system
    title = system.en if system else f"{spec.publisher}: {spec.source.kind} source"
    source = {"title": title}
    if spec.source.kind == "kolada":
        source["path"] = "https://api.kolada.se" + spec.source.api_path  # type: ignore[union-attr]
    return [source]
