"""Re-check published snapshots against their manifests.

Every file a manifest lists must exist with the recorded size and sha256, and a snapshot
folder (or, on an object store, version prefix) must hold nothing the manifest does not
list. Used by ``samverkan verify`` and by tests after every publish.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipelines.publish.parquet import sha256_file
from pipelines.publish.store import MANIFEST, STAGING, SnapshotRef, StoreLike, list_snapshots
from pipelines.storage import Storage, open_storage


@dataclass
class VerifyReport:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    orphaned_staging: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256_remote(storage: Storage, rel: str) -> str:
    with storage.open(rel) as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _check_files(label: str, entries: list[dict], sizes: dict[str, int], sha) -> list[str]:
    """Compare the manifest's entries with the files present (``sizes``: path -> bytes)."""
    problems = []
    listed = set()
    for entry in entries:
        rel = entry.get("path", "")
        listed.add(rel)
        if rel not in sizes:
            problems.append(f"{label}: {rel} is missing")
        elif sizes[rel] != entry.get("bytes"):
            problems.append(
                f"{label}: {rel} has {sizes[rel]} bytes, manifest says {entry.get('bytes')}"
            )
        elif sha(rel) != entry.get("sha256"):
            problems.append(f"{label}: {rel} does not match its sha256")
    for rel in sorted(sizes):
        if rel != MANIFEST and rel not in listed:
            problems.append(f"{label}: {rel} is not listed in the manifest")
    return problems


def verify_snapshot(ref: SnapshotRef) -> list[str]:
    label = f"{ref.tier}/{ref.dataset}/{ref.version}"
    try:
        manifest = ref.manifest()
    except (OSError, json.JSONDecodeError):
        return [f"{label}: manifest.json is unreadable"]
    if isinstance(ref.path, Path):
        root = ref.path
        sizes = {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}
        problems = _check_files(
            label, manifest.get("files", []), sizes, lambda rel: sha256_file(root / rel)
        )
    else:
        storage = open_storage(ref.path)
        sizes = {rel: int(info.get("size", -1)) for rel, info in storage.files().items()}
        problems = _check_files(
            label, manifest.get("files", []), sizes, lambda rel: _sha256_remote(storage, rel)
        )
    if manifest.get("dataset") != ref.dataset or manifest.get("version") != ref.version:
        problems.append(f"{label}: manifest names another dataset or version")
    return problems


def verify_store(store: StoreLike, dataset: str | None = None) -> VerifyReport:
    report = VerifyReport()
    for ref in list_snapshots(store, dataset):
        report.checked.append(f"{ref.tier}/{ref.dataset}/{ref.version}")
        report.problems.extend(verify_snapshot(ref))
    storage = open_storage(store)
    if storage.is_local:
        staging = storage.base / STAGING
        if staging.exists():  # an empty folder is no unfinished publish
            report.orphaned_staging = sorted(
                p.name
                for p in staging.iterdir()
                if p.is_file() or any(f.is_file() for f in p.rglob("*"))
            )
    else:  # leases of publishers, and version prefixes that never got their manifest
        files = [PurePosixPath(rel) for rel in storage.files()]
        trusted = {f.parent for f in files if f.name == MANIFEST}
        orphans = set()
        for f in files:
            if f.parts[0] == STAGING:
                orphans.add("/".join(f.parts[:2]))
            elif len(f.parts) >= 4 and not trusted.intersection(f.parents):
                orphans.add("/".join(f.parts[:3]))
        report.orphaned_staging = sorted(orphans)
    return report
