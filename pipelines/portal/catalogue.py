"""What the portal shows, read from the release store: datasets, versions and their metadata.

Everything comes from the snapshots' own files (manifest, codebook, changelog, citation)
and the withdrawal markers beside them, read on every request so a new publish or a
withdrawal shows at once. A snapshot published before metadata was written gets its
codebook computed from its release files (and kept in memory).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipelines.metadata import CHANGELOG, CITATION, CODEBOOK_JSON
from pipelines.metadata.codebook import qi_generalisation
from pipelines.metadata.stats import column_stats, read_column
from pipelines.metadata.urls import dataset_path, file_path, tier_project, version_path
from pipelines.metadata.versions import Release, dataset_releases, latest_live, scan_releases
from pipelines.publish.parquet import sha256_file
from pipelines.publish.store import MANIFEST, version_key
from pipelines.storage import StorePath

LATEST_ALIAS = "latest"


@dataclass
class DatasetView:
    tier: str
    dataset: str
    releases: list[Release] = field(default_factory=list)

    @property
    def project(self) -> str | None:
        return tier_project(self.tier)

    @property
    def latest(self) -> Release | None:
        return latest_live(self.releases)

    @property
    def shown(self) -> Release:
        """The release whose title and description represent the dataset."""
        return self.latest or max(self.releases, key=lambda r: version_key(r.version))

    @property
    def url(self) -> str:
        return dataset_path(self.tier, self.dataset)

    def manifest(self) -> dict[str, Any]:
        return read_manifest(self.shown)

    def release(self, version: str) -> Release | None:
        if version == LATEST_ALIAS:
            return self.latest
        return next((r for r in self.releases if r.version == version), None)


def _no_symlink(base: StorePath, *parts: str) -> bool:
    """True when neither ``base`` nor anything from it down through ``parts`` is a symlink.

    Object stores have no links; a local store may, and a link would let one snapshot (or
    tier) serve another's files, so the portal treats a linked path as absent.
    """
    if not isinstance(base, Path):
        return True
    path = base
    if path.is_symlink():
        return False
    for part in "/".join(parts).split("/"):
        path = path / part
        if path.is_symlink():
            return False
    return True


def trusted(store: StorePath, release: Release) -> bool:
    """A release the portal may show: reached without links, its manifest naming its folder."""
    if not _no_symlink(store, release.tier, release.dataset, release.version, MANIFEST):
        return False
    try:
        manifest = read_manifest(release)
    except (OSError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and manifest.get("dataset") == release.dataset
        and manifest.get("version") == release.version
        and manifest.get("tier", release.tier.split("/")[0]) == release.tier.split("/")[0]
    )


def inside(release: Release, rel: str) -> bool:
    """Whether ``rel`` (a file of the snapshot) is reached without following a link."""
    return _no_symlink(release.path, rel)


def list_datasets(store: StorePath) -> list[DatasetView]:
    views: dict[tuple[str, str], DatasetView] = {}
    for release in scan_releases(store):
        if not trusted(store, release):
            continue
        key = (release.tier, release.dataset)
        views.setdefault(key, DatasetView(release.tier, release.dataset)).releases.append(release)
    return list(views.values())


def find_dataset(store: StorePath, tier: str, dataset: str) -> DatasetView | None:
    if not _no_symlink(store, tier, dataset):
        return None
    releases = [r for r in dataset_releases(store, tier, dataset) if trusted(store, r)]
    return DatasetView(tier, dataset, releases) if releases else None


def _stamp(path: StorePath) -> tuple[int, int]:
    """(modification time in ns, size): what a cached reading of ``path`` is keyed on."""
    stat = path.stat()
    mtime = getattr(stat, "st_mtime_ns", None) or int(float(stat.st_mtime or 0) * 1e9)
    return int(mtime), int(stat.st_size)


def _mtime_key(path: StorePath) -> tuple[StorePath, int]:
    return path, _stamp(path)[0] if path.exists() else 0


@lru_cache(maxsize=512)
def _read_json(path: StorePath, _mtime: int) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_json(path: StorePath) -> Any:
    return _read_json(*_mtime_key(path)) if path.is_file() else None


def read_manifest(release: Release) -> dict[str, Any]:
    return read_json(release.path / MANIFEST)


@lru_cache(maxsize=64)
def _computed_codebook(path: StorePath, _mtime: int) -> dict[str, Any]:
    """A codebook for a snapshot published without one, from its release files."""
    folder = path.parent
    manifest = json.loads(path.read_text(encoding="utf-8"))
    files = sorted((folder / "data").glob("*.parquet"))
    columns = []
    for entry in manifest.get("schema", []):
        role = entry.get("role")
        stats = column_stats(
            read_column(files, entry["name"]),
            counts_allowed=role not in ("direct_identifier", "free_text"),
        )
        gen = manifest.get("anonymisation", {}).get("quasi_identifiers", {}).get(entry["name"])
        columns.append(
            entry
            | {
                "generalisation": _generalisation_from_manifest(role, gen),
                "statistics": stats,
            }
        )
    return {
        "dataset": manifest["dataset"],
        "version": manifest["version"],
        "rows": manifest.get("rows"),
        "columns": columns,
        "computed_by_portal": True,
    }


def _generalisation_from_manifest(role: str | None, qi: dict | None) -> dict[str, Any]:
    if role == "quasi_identifier" and qi is not None:
        return qi_generalisation(int(qi.get("level") or 0), qi.get("step"))
    if role == "direct_identifier":
        return {"kind": "pseudonymised", "text": {"sv": "pseudonym", "en": "pseudonym"}}
    return {"kind": "none", "text": {"sv": "ingen", "en": "none"}}


def codebook(release: Release) -> dict[str, Any]:
    found = read_json(release.path / CODEBOOK_JSON)
    return found if found is not None else _computed_codebook(*_mtime_key(release.path / MANIFEST))


def changelog(release: Release) -> dict[str, Any] | None:
    return read_json(release.path / CHANGELOG)


def citation(release: Release) -> str | None:
    path = release.path / CITATION
    return path.read_text(encoding="utf-8") if path.is_file() else None


def files(release: Release) -> list[dict[str, Any]]:
    """Every file of a release with its download path: the manifest's list plus itself."""
    manifest = read_manifest(release)
    listed = sorted(
        (dict(f) for f in manifest.get("files", [])),
        key=lambda f: (not f["path"].startswith("data/"), f["path"]),
    )
    manifest_file = release.path / MANIFEST
    listed.append(
        {
            "path": MANIFEST,
            "bytes": manifest_file.stat().st_size,
            "sha256": file_sha256(manifest_file),
        }
    )
    for entry in listed:
        entry["url"] = file_path(release.tier, release.dataset, release.version, entry["path"])
    return listed


@lru_cache(maxsize=256)
def _sha256(path: StorePath, _stamp: tuple[int, int]) -> str:
    return sha256_file(path)


def file_sha256(path: StorePath) -> str:
    """The sha256 of a file not listed in a manifest (the manifest itself), cached."""
    return _sha256(path, _stamp(path))


def version_summary(release: Release) -> dict[str, Any]:
    manifest = read_manifest(release)
    return {
        "version": release.version,
        "published_at": manifest.get("published_at"),
        "rows": None if release.withdrawn else manifest.get("rows"),
        "withdrawn": release.withdrawn,
        "url": version_path(release.tier, release.dataset, release.version),
    }
