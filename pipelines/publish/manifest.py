"""The manifest: what a snapshot holds and how it was made, without a single data value.

Schema, row count, every file with bytes and sha256, the validation summaries, the policy
and risk report, and provenance (source, extraction time, code version). Researchers read
it to cite and trust a release; the data protection officer reads it to review one.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

import pyarrow as pa

from pipelines import __version__
from pipelines.config import REPO_ROOT
from pipelines.specs.model import DatasetSpec

MANIFEST_FORMAT = "samverkan-manifest/1"


def code_version() -> str:
    """Package version plus the git commit when running from a checkout."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+g{sha}" if sha else __version__


def schema_entries(spec: DatasetSpec, schema: pa.Schema) -> list[dict[str, Any]]:
    entries = []
    for field in schema:
        col = spec.column(field.name)
        entries.append(
            {
                "name": field.name,
                "type": str(field.type),
                "role": col.role,
                "unit": col.unit,
                "description": {"sv": col.description.sv, "en": col.description.en},
            }
        )
    return entries


def build_manifest(
    *,
    spec: DatasetSpec,
    tier: str,
    version: str,
    run_id: str,
    schema: pa.Schema,
    rows: int,
    files: list[dict[str, Any]],
    validation: dict[str, Any],
    policy: dict[str, Any],
    source: dict[str, str],
    extracted_at: str,
) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "dataset": spec.name,
        "version": version,
        "tier": tier,
        "title": {"sv": spec.title.sv, "en": spec.title.en},
        "description": {"sv": spec.description.sv, "en": spec.description.en},
        "publisher": spec.publisher,
        "licence": spec.licence,
        "keywords": spec.all_keywords,
        "keywords_by_language": spec.keywords.model_dump(),
        "themes": list(spec.themes),
        "schedule": spec.schedule.cron,
        "aggregates": {
            a.name: {
                "description": a.description.model_dump() if a.description else None,
                "dimensions": [d.model_dump() for d in a.dimension_list],
                "measures": [m.output_name for m in a.measures],
            }
            for a in spec.aggregates
        },
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "schema": schema_entries(spec, schema),
        "files": files,
        "validation": validation,
        "anonymisation": policy,
        "provenance": {
            "run_id": run_id,
            "source": source,
            "extracted_at": extracted_at,
            "code_version": code_version(),
        },
    }
