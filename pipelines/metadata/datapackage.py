"""The release as a Frictionless Data Package (v2): ``datapackage.json`` in the snapshot.

One tabular resource per Parquet file, with its sha256 and a Table Schema whose fields
carry the spec's descriptions (English as ``description``, Swedish as ``description_sv``)
and roles. Validates with the ``frictionless`` library, data included. Sizes stay in the
manifest: frictionless 5 cannot count the bytes of a Parquet source and would report every
declared ``bytes`` as a mismatch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.metadata.codebook import spec_column
from pipelines.metadata.licences import licence_title, licence_url
from pipelines.metadata.urls import absolute, version_path
from pipelines.publish.parquet import sha256_file
from pipelines.specs.model import DatasetSpec

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


def table_schema(spec: DatasetSpec, schema: pa.Schema) -> dict[str, Any]:
    fields = []
    for arrow_field in schema:
        col = spec_column(spec, arrow_field.name)
        entry: dict[str, Any] = {"name": arrow_field.name, "type": field_type(arrow_field.type)}
        if col is not None:
            entry |= {
                "title": col.description.en,
                "description": col.description.en,
                "description_sv": col.description.sv,
                "role": col.role,
            }
            if col.unit:
                entry["unit"] = col.unit
            if not col.nullable:
                entry["constraints"] = {"required": True}
        fields.append(entry)
    return {"fields": fields}


def build_datapackage(
    *,
    folder: Path,
    spec: DatasetSpec,
    version: str,
    tier: str,
    data_files: list[Path],
    base_url: str,
    created: str,
) -> dict[str, Any]:
    resources = []
    for path in data_files:
        rel = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name
        resources.append(
            {
                "name": spec.name if len(data_files) == 1 else f"{spec.name}-{path.stem}",
                "type": "table",
                "path": rel,
                "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE,
                "hash": f"sha256:{sha256_file(path)}",
                "schema": table_schema(spec, pq.read_schema(path)),
            }
        )
    url = absolute(base_url, version_path(tier, spec.name, version))
    return {
        "$schema": PROFILE,
        "name": spec.name,
        "id": url,
        "title": spec.title.en,
        "title_sv": spec.title.sv,
        "description": spec.description.en,
        "description_sv": spec.description.sv,
        "version": version,
        "created": created,
        "homepage": url,
        "keywords": list(spec.keywords),
        "licenses": [
            {
                "name": spec.licence,
                "path": licence_url(spec.licence),
                "title": licence_title(spec.licence),
            }
        ],
        "contributors": [{"title": spec.publisher, "roles": ["publisher"]}],
        "tier": tier,
        "resources": resources,
    }
