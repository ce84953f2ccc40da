"""Versions of a dataset in the release store: which exist, which are withdrawn, which is latest.

Snapshots are immutable, so withdrawing a version never touches its folder: a marker
``<tier>/<dataset>/<version>.withdrawn.json`` beside the folder records when and why, and
``LATEST`` moves to the newest version that is not withdrawn. Both tiers are read: the open
tier at ``open/<dataset>/<version>`` and the project tier at
``project/<project>/<dataset>/<version>``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.errors import SamverkanError
from pipelines.publish.store import (
    LATEST,
    MANIFEST,
    STAGING,
    SnapshotRef,
    version_key,
    write_text_atomic,
)

WITHDRAWN_SUFFIX = ".withdrawn.json"
OPEN = "open"
PROJECT = "project"


@dataclass(frozen=True)
class Release:
    """One published snapshot and its withdrawal marker, if any."""

    tier: str  # tier folder: "open" or "project/<project>"
    dataset: str
    version: str
    path: Path
    withdrawn: dict[str, Any] | None = None

    @property
    def ref(self) -> SnapshotRef:
        return SnapshotRef(self.tier, self.dataset, self.version, self.path)

    def manifest(self) -> dict[str, Any]:
        return self.ref.manifest()


def withdrawal_marker(store: Path, tier: str, dataset: str, version: str) -> Path:
    return store / tier / dataset / f"{version}{WITHDRAWN_SUFFIX}"


def read_marker(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"reason": "withdrawn (marker unreadable)"}


def _tier_folders(store: Path) -> list[str]:
    tiers = []
    if (store / OPEN).is_dir():
        tiers.append(OPEN)
    project_root = store / PROJECT
    if project_root.is_dir():
        tiers += [f"{PROJECT}/{p.name}" for p in sorted(project_root.iterdir()) if p.is_dir()]
    return tiers


def dataset_releases(store: Path, tier: str, dataset: str) -> list[Release]:
    """Every trusted snapshot (one with a manifest) of one dataset, oldest first."""
    folder = store / tier / dataset
    if not folder.is_dir():
        return []
    found = [
        Release(tier, dataset, v.name, v, read_marker(v.parent / f"{v.name}{WITHDRAWN_SUFFIX}"))
        for v in folder.iterdir()
        if v.is_dir() and (v / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda r: version_key(r.version))


def scan_releases(store: Path) -> list[Release]:
    """Every snapshot in the store, both tiers, sorted by tier, dataset and version."""
    found: list[Release] = []
    if not store.is_dir():
        return found
    for tier in _tier_folders(store):
        for ds in sorted(p for p in (store / tier).iterdir() if p.is_dir() and p.name != STAGING):
            found += dataset_releases(store, tier, ds.name)
    return found


def latest_live(releases: list[Release]) -> Release | None:
    """The newest release that is not withdrawn."""
    live = [r for r in releases if r.withdrawn is None]
    return max(live, key=lambda r: version_key(r.version)) if live else None


def previous_snapshot(store: Path, tier: str, dataset: str, version: str) -> SnapshotRef | None:
    """The newest snapshot older than ``version`` (withdrawn or not): the changelog's base."""
    older = [
        r
        for r in dataset_releases(store, tier, dataset)
        if version_key(r.version) < version_key(version)
    ]
    return older[-1].ref if older else None


def update_latest(store: Path, tier: str, dataset: str) -> str | None:
    """Point ``LATEST`` at the newest non-withdrawn version (remove it when there is none)."""
    latest = latest_live(dataset_releases(store, tier, dataset))
    path = store / tier / dataset / LATEST
    if latest is None:
        path.unlink(missing_ok=True)
        return None
    write_text_atomic(path, latest.version + "\n")
    return latest.version


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def withdraw(
    store: Path, tier: str, dataset: str, version: str, reason: str, by: str | None = None
) -> Path:
    """Mark a version withdrawn (beside its folder) and move ``LATEST``; returns the marker."""
    reason = reason.strip()
    if not reason:
        raise SamverkanError("a withdrawal needs a reason", dataset=dataset)
    folder = store / tier / dataset / version
    if not (folder / MANIFEST).is_file():
        raise SamverkanError(f"no published version {version} in tier {tier}", dataset=dataset)
    marker = withdrawal_marker(store, tier, dataset, version)
    if marker.exists():
        raise SamverkanError(f"version {version} is already withdrawn", dataset=dataset)
    record = {
        "dataset": dataset,
        "version": version,
        "tier": tier,
        "reason": reason,
        "withdrawn_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "withdrawn_by": by or _user(),
    }
    write_text_atomic(marker, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    update_latest(store, tier, dataset)
    return marker
