"""The release store's layout and how readers find trusted snapshots.

``<store>/<tier>/<dataset>/<version>/`` holds the data files and ``manifest.json``; a
snapshot exists for readers only when its manifest does. ``<store>/<tier>/<dataset>/LATEST``
names the newest version. Work in progress lives under ``<store>/.staging/`` and is never
read by anything but the publisher.

``store`` is a local folder (a ``Path``) or an object store (an ``s3://`` URL or ``UPath``,
see ``pipelines.storage``); on an object store a version prefix without a manifest is a
publish in progress or an orphan of a killed one, and readers skip it just the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pipelines.atomic import write_text_atomic_local
from pipelines.storage import Storage, StorePath, open_storage, to_path

MANIFEST = "manifest.json"
LATEST = "LATEST"
STAGING = ".staging"
PROJECT_TIER = "project"

StoreLike = StorePath | str | Storage


@dataclass(frozen=True)
class SnapshotRef:
    tier: str
    dataset: str
    version: str
    path: StorePath  # a local Path, or a UPath on an object store

    @property
    def manifest_path(self) -> StorePath:
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))


def _base(store: StoreLike) -> StorePath:
    return store.base if isinstance(store, Storage) else to_path(store)


def snapshot_dir(store: StoreLike, tier: str, dataset: str, version: str) -> StorePath:
    return _base(store) / tier / dataset / version


def _tier_dirs(store: Path) -> list[tuple[str, Path]]:
    """(tier, folder) pairs: ``open``, and ``project/<name>`` for each project's releases."""
    pairs: list[tuple[str, Path]] = []
    for tier_dir in sorted(p for p in store.iterdir() if p.is_dir() and p.name != STAGING):
        if tier_dir.name == PROJECT_TIER:
            pairs += [
                (f"{PROJECT_TIER}/{p.name}", p) for p in sorted(tier_dir.iterdir()) if p.is_dir()
            ]
        else:
            pairs.append((tier_dir.name, tier_dir))
    return pairs


def _list_local(store: Path, dataset: str | None) -> list[SnapshotRef]:
    found: list[SnapshotRef] = []
    if not store.exists():
        return found
    for tier, tier_dir in _tier_dirs(store):
        for ds_dir in sorted(p for p in tier_dir.iterdir() if p.is_dir()):
            if dataset and ds_dir.name != dataset:
                continue
            for version_dir in sorted(p for p in ds_dir.iterdir() if p.is_dir()):
                if (version_dir / MANIFEST).is_file():
                    found.append(SnapshotRef(tier, ds_dir.name, version_dir.name, version_dir))
    return found


def _list_remote(storage: Storage, dataset: str | None) -> list[SnapshotRef]:
    """One recursive listing; a version counts only where its manifest object exists."""
    found = []
    for rel in storage.files():
        parts = PurePosixPath(rel).parts
        if parts and parts[0] == PROJECT_TIER and len(parts) == 5:
            parts = (f"{parts[0]}/{parts[1]}", *parts[2:])  # project/<name>/<ds>/<v>
        if len(parts) != 4 or parts[3] != MANIFEST or parts[0] == STAGING:
            continue
        tier, ds, version = parts[:3]
        if dataset and ds != dataset:
            continue
        found.append(SnapshotRef(tier, ds, version, storage.path(tier, ds, version)))
    return sorted(found, key=lambda s: (s.tier, s.dataset, s.version))


def list_snapshots(store: StoreLike, dataset: str | None = None) -> list[SnapshotRef]:
    """Every trusted snapshot (one with a manifest), sorted by tier, dataset and version."""
    base = _base(store)
    if isinstance(base, Path):
        return _list_local(base, dataset)
    return _list_remote(open_storage(base), dataset)


def write_text_atomic(path: StorePath, text: str) -> None:
    """Replace a file in one step: temp file + rename locally, one PUT on an object store."""
    if not isinstance(path, Path):
        path.fs.pipe_file(path.path, text.encode("utf-8"))
        return
    write_text_atomic_local(path, text)


def version_key(version: str) -> tuple[str, int]:
    """Sort key: ``2025-03-01`` < ``2025-03-01.2`` < ``2025-03-01.10`` < ``2025-04-01``."""
    base, _, suffix = version.partition(".")
    return (base, int(suffix) if suffix.isdigit() else 1)


def newest_version(store: StoreLike, tier: str, dataset: str) -> str | None:
    versions = [s.version for s in list_snapshots(store, dataset) if s.tier == tier]
    return max(versions, key=version_key) if versions else None


def read_latest(store: StoreLike, tier: str, dataset: str) -> str | None:
    path = _base(store) / tier / dataset / LATEST
    return path.read_text(encoding="utf-8").strip() if path.exists() else None
