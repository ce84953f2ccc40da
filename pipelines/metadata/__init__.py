"""Release metadata written into a snapshot at publish time, and read back by the portal.

``write_release_metadata`` puts ``datapackage.json`` (Frictionless v2), ``codebook.json``
and ``codebook.md``, ``changelog.json`` and ``CITATION.txt`` into the staging folder of a
snapshot, so they are listed with their sha256 in its manifest like the data. Everything is
computed from the release files only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pipelines.metadata.changelog import build_changelog
from pipelines.metadata.citation import citation_text
from pipelines.metadata.codebook import build_codebook, render_markdown
from pipelines.metadata.datapackage import build_datapackage
from pipelines.metadata.urls import absolute, portal_base_url, version_path
from pipelines.metadata.versions import WITHDRAWN_SUFFIX, previous_snapshot, read_marker
from pipelines.publish.store import SnapshotRef
from pipelines.specs.model import DatasetSpec

DATAPACKAGE = "datapackage.json"
CODEBOOK_JSON = "codebook.json"
CODEBOOK_MD = "codebook.md"
CHANGELOG = "changelog.json"
CITATION = "CITATION.txt"
METADATA_FILES = (DATAPACKAGE, CODEBOOK_JSON, CODEBOOK_MD, CHANGELOG, CITATION)

__all__ = ["METADATA_FILES", "portal_base_url", "previous_snapshot", "write_release_metadata"]


def _write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _withdrawn(previous: SnapshotRef | None) -> dict[str, Any] | None:
    if previous is None:
        return None
    record = read_marker(previous.path.parent / f"{previous.version}{WITHDRAWN_SUFFIX}")
    if record is None:
        return None
    return {"reason": record.get("reason"), "withdrawn_at": record.get("withdrawn_at")}


def write_release_metadata(
    folder: Path,
    *,
    spec: DatasetSpec,
    version: str,
    tier: str,
    data_files: list[Path],
    previous: SnapshotRef | None,
    base_url: str,
    policy: dict[str, Any] | None = None,
) -> list[Path]:
    """Write the metadata files into ``folder`` (the snapshot being staged); return them.

    ``tier`` is the tier folder (``open`` or ``project/<project>``), ``data_files`` the
    release Parquet files (inside ``folder``), ``previous`` the version the changelog
    compares with, ``base_url`` the portal address used in identifiers and citations,
    ``policy`` the run's anonymisation report (for the levels ``level: auto`` chose).
    """
    data_files = sorted(data_files)
    now = dt.datetime.now(dt.UTC)
    codebook = build_codebook(
        spec=spec, tier=tier, version=version, data_files=data_files, policy=policy
    )
    url = absolute(base_url, version_path(tier, spec.name, version))
    return [
        _write_json(
            folder / DATAPACKAGE,
            build_datapackage(
                folder=folder,
                spec=spec,
                version=version,
                tier=tier,
                data_files=data_files,
                base_url=base_url,
                created=now.isoformat(timespec="seconds"),
            ),
        ),
        _write_json(folder / CODEBOOK_JSON, codebook),
        _write_text(folder / CODEBOOK_MD, render_markdown(codebook)),
        _write_json(
            folder / CHANGELOG,
            build_changelog(
                dataset=spec.name,
                version=version,
                data_files=data_files,
                previous=previous,
                previous_withdrawn=_withdrawn(previous),
                codebook=codebook,
            ),
        ),
        _write_text(
            folder / CITATION, citation_text(spec=spec, version=version, year=now.year, url=url)
        ),
    ]


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
