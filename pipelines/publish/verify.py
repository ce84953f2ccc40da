"""Re-check published snapshots against their manifests.

Every file a manifest lists must exist with the recorded size and sha256, and a snapshot
folder must hold nothing the manifest does not list. Used by ``samverkan verify`` and by
tests after every publish.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.publish.parquet import sha256_file
from pipelines.publish.store import MANIFEST, STAGING, SnapshotRef, list_snapshots


@dataclass
class VerifyReport:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    orphaned_staging: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_snapshot(ref: SnapshotRef) -> list[str]:
    label = f"{ref.tier}/{ref.dataset}/{ref.version}"
    try:
        manifest = ref.manifest()
    except (OSError, json.JSONDecodeError):
        return [f"{label}: manifest.json is unreadable"]
    problems = []
    listed = set()
    for entry in manifest.get("files", []):
        rel = entry.get("path", "")
        listed.add(rel)
        path = ref.path / rel
        if not path.is_file():
            problems.append(f"{label}: {rel} is missing")
        elif path.stat().st_size != entry.get("bytes"):
            problems.append(f"{label}: {rel} has {path.stat().st_size} bytes, manifest says "
                            f"{entry.get('bytes')}")
        elif sha256_file(path) != entry.get("sha256"):
            problems.append(f"{label}: {rel} does not match its sha256")
    for path in ref.path.rglob("*"):
        rel = str(path.relative_to(ref.path))
        if path.is_file() and rel != MANIFEST and rel not in listed:
            problems.append(f"{label}: {rel} is not listed in the manifest")
    if manifest.get("dataset") != ref.dataset or manifest.get("version") != ref.version:
        problems.append(f"{label}: manifest names another dataset or version")
    return problems


def verify_store(store: Path, dataset: str | None = None) -> VerifyReport:
    report = VerifyReport()
    for ref in list_snapshots(store, dataset):
        report.checked.append(f"{ref.tier}/{ref.dataset}/{ref.version}")
        report.problems.extend(verify_snapshot(ref))
    staging = store / STAGING
    if staging.exists():
        report.orphaned_staging = sorted(p.name for p in staging.iterdir())
    return report
