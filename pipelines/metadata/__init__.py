"""Release metadata written into a snapshot at publish time, and read back by the portal.

``write_release_metadata`` puts ``datapackage.json`` (Frictionless v2), ``codebook.json``
and ``codebook.md``, ``changelog.json``, ``CITATION.txt``, ``CITATION.cff`` and
``datacite.json`` into the staging folder of a snapshot, so they are listed with their
sha256 in its manifest like the data. Everything is computed from the release files and
the spec; addresses and identifiers come from the publication settings of the run
(``identifiers.publication_from_env``), never from wherever the portal happens to run.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pipelines.metadata.changelog import build_changelog
from pipelines.metadata.citation import citation_files
from pipelines.metadata.codebook import build_codebook, render_markdown
from pipelines.metadata.coverage import temporal_coverage
from pipelines.metadata.datapackage import build_datapackage
from pipelines.metadata.ddi import build_ddi
from pipelines.metadata.identifiers import publication_from_env, version_identifier
from pipelines.metadata.urls import absolute, portal_base_url, version_path
from pipelines.metadata.versions import WITHDRAWN_SUFFIX, previous_snapshot, read_marker
from pipelines.publish.store import SnapshotRef
from pipelines.specs.model import DatasetSpec

DATAPACKAGE = "datapackage.json"
CODEBOOK_JSON = "codebook.json"
CODEBOOK_MD = "codebook.md"
CHANGELOG = "changelog.json"
CITATION = "CITATION.txt"
CITATION_CFF = "CITATION.cff"
DATACITE = "datacite.json"
CODEBOOK_DDI = "codebook.ddi.xml"
METADATA_FILES = (
    DATAPACKAGE,
    CODEBOOK_JSON,
    CODEBOOK_MD,
    CODEBOOK_DDI,
    CHANGELOG,
    CITATION,
    CITATION_CFF,
    DATACITE,
)

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
    compares with, ``base_url`` the address the portal serves on (not used in released
    files: those take the public base URL of ``publication_from_env``, or none in local
    mode), ``policy`` the run's anonymisation report (for the levels ``level: auto`` chose).
    """
    del base_url  # a serving address (often loopback) must not be baked into a snapshot
    publication = publication_from_env()
    data_files = sorted(data_files)
    now = dt.datetime.now(dt.UTC)
    coverage = temporal_coverage(spec, data_files)
    aggregate_files = sorted((folder / "aggregates").glob("*.parquet"))
    codebook = build_codebook(
        spec=spec,
        tier=tier,
        version=version,
        data_files=data_files,
        policy=policy,
        aggregate_files=aggregate_files,
    )
    codebook["coverage"] = {"temporal": coverage}
    url = (
        absolute(publication.base_url, version_path(tier, spec.name, version))
        if publication.base_url
        else None
    )
    sizes = [f"{sum(p.stat().st_size for p in data_files + aggregate_files)} bytes"]
    text, cff, datacite = citation_files(
        spec=spec,
        version=version,
        released=now.date(),
        publication=publication,
        url=url,
        coverage=coverage,
        sizes=sizes,
    )
    ddi = build_ddi(
        codebook,
        {
            "publisher": spec.publisher,
            "identifier": version_identifier(spec.name, version, publication.pid),
            "scheme": "DOI" if publication.scheme == "doi" else "URN",
            "released": now.date().isoformat(),
            "licence": spec.licence,
            "keywords": spec.keywords.model_dump(),
            "text": text.strip(),
        },
    )
    (folder / CODEBOOK_DDI).write_bytes(ddi)
    return [
        folder / CODEBOOK_DDI,
        _write_json(
            folder / DATAPACKAGE,
            build_datapackage(
                folder=folder,
                spec=spec,
                version=version,
                tier=tier,
                data_files=data_files,
                aggregate_files=aggregate_files,
                publication=publication,
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
        _write_text(folder / CITATION, text),
        _write_text(folder / CITATION_CFF, cff),
        _write_json(folder / DATACITE, datacite),
    ]


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
