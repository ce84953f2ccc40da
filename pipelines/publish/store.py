"""The release store's layout and how readers find trusted snapshots.

``<store>/<tier>/<dataset>/<version>/`` holds the data files and ``manifest.json``; a
snapshot exists for readers only when its manifest does. ``<store>/<tier>/<dataset>/LATEST``
names the newest version. Work in progress lives under ``<store>/.staging/`` and is never
read by anything but the publisher.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
LATEST = "LATEST"
STAGING = ".staging"


@dataclass(frozen=True)
class SnapshotRef:
    tier: str
    dataset: str
    version: str
    path: Path

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))


def snapshot_dir(store: Path, tier: str, dataset: str, version: str) -> Path:
    return store / tier / dataset / version


def list_snapshots(store: Path, dataset: str | None = None) -> list[SnapshotRef]:
    """Every trusted snapshot (one with a manifest), sorted by tier, dataset and version."""
    found: list[SnapshotRef] = []
    if not store.exists():
        return found
    for tier_dir in sorted(p for p in store.iterdir() if p.is_dir() and p.name != STAGING):
        for ds_dir in sorted(p for p in tier_dir.iterdir() if p.is_dir()):
            if dataset and ds_dir.name != dataset:
                continue
            for version_dir in sorted(p for p in ds_dir.iterdir() if p.is_dir()):
                if (version_dir / MANIFEST).is_file():
                    found.append(SnapshotRef(tier_dir.name, ds_dir.name, version_dir.name,
                                             version_dir))
    return found


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def version_key(version: str) -> tuple[str, int]:
    """Sort key: ``2025-03-01`` < ``2025-03-01.2`` < ``2025-03-01.10`` < ``2025-04-01``."""
    base, _, suffix = version.partition(".")
    return (base, int(suffix) if suffix.isdigit() else 1)


def newest_version(store: Path, tier: str, dataset: str) -> str | None:
    versions = [s.version for s in list_snapshots(store, dataset) if s.tier == tier]
    return max(versions, key=version_key) if versions else None


def read_latest(store: Path, tier: str, dataset: str) -> str | None:
    path = store / tier / dataset / LATEST
    return path.read_text(encoding="utf-8").strip() if path.exists() else None
