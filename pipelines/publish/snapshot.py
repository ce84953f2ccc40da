"""Atomic publish: build the snapshot in staging, then make it visible in one rename.

A failed or killed publish leaves at most a staging folder, which readers never look at and
the next publish of the dataset removes. The version folder appears whole or not at all.
Publishing the same data again (a rerun of the same run) is recognised by the data files'
checksums and changes nothing; different data for a version that exists gets the next free
version ``<base>.2``, ``<base>.3`` ... so nothing published is ever overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.errors import PublishError
from pipelines.publish.parquet import sha256_file
from pipelines.publish.store import (
    LATEST,
    MANIFEST,
    STAGING,
    newest_version,
    snapshot_dir,
    write_text_atomic,
)

log = logging.getLogger(__name__)

DATA_DIR = "data"


@dataclass(frozen=True)
class PublishResult:
    path: Path
    version: str
    created: bool  # False: identical data was already published under this version


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cleanup_staging(store: Path, tier: str, dataset: str) -> int:
    """Remove staging folders of this dataset left by publishers that are no longer running."""
    staging = store / STAGING
    removed = 0
    if not staging.exists():
        return 0
    for entry in staging.glob(f"{tier}__{dataset}__*"):
        try:
            pid = int(entry.name.split("__")[3])
        except (IndexError, ValueError):
            pid = -1
        if pid > 0 and pid != os.getpid() and _pid_alive(pid):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    return removed


def _data_checksums(folder: Path) -> list[str]:
    data = folder / DATA_DIR
    return sorted(sha256_file(p) for p in data.glob("*.parquet")) if data.exists() else []


def _choose_version(store: Path, tier: str, dataset: str, base: str,
                    checksums: list[str]) -> tuple[str, bool]:
    """(version, already_published): reuse an identical snapshot, else the next free name."""
    n = 1
    while True:
        version = base if n == 1 else f"{base}.{n}"
        existing = snapshot_dir(store, tier, dataset, version)
        if not existing.exists():
            return version, False
        if (existing / MANIFEST).exists() and _data_checksums(existing) == checksums:
            return version, True
        n += 1


def publish_snapshot(
    *,
    store: Path,
    tier: str,
    dataset: str,
    base_version: str,
    data_files: list[Path],
    build_manifest: Callable[[str, list[dict[str, Any]]], dict[str, Any]],
    extra_files: Callable[[Path, str], list[Path]] | None = None,
    gate: Callable[[Path], None] | None = None,
) -> PublishResult:
    """Publish ``data_files`` as a new snapshot, atomically.

    ``build_manifest(version, files)`` returns the manifest given the final version and the
    list of files (path, bytes, sha256). ``extra_files(folder, version)`` may write metadata
    files into the staging folder before the manifest; they are listed in the manifest too.
    ``gate(folder)`` sees the complete staging folder last and raises to stop the publish.
    """
    cleanup_staging(store, tier, dataset)
    staging_root = store / STAGING
    staging_root.mkdir(parents=True, exist_ok=True)
    nonce = uuid.uuid4().hex[:8]
    stage = staging_root / f"{tier}__{dataset}__{base_version}__{os.getpid()}__{nonce}"
    try:
        (stage / DATA_DIR).mkdir(parents=True)
        for i, src in enumerate(data_files):
            target = stage / DATA_DIR / f"part-{i:05d}.parquet"
            shutil.copyfile(src, target)
            with target.open("rb") as fh:
                os.fsync(fh.fileno())
        checksums = _data_checksums(stage)
        version, exists = _choose_version(store, tier, dataset, base_version, checksums)
        final = snapshot_dir(store, tier, dataset, version)
        if exists:
            log.info("%s: version %s already holds identical data; nothing to publish",
                     dataset, version)
            return PublishResult(final, version, created=False)
        if extra_files:
            extra_files(stage, version)
        files = [
            {"path": str(p.relative_to(stage)), "bytes": p.stat().st_size,
             "sha256": sha256_file(p)}
            for p in sorted(stage.rglob("*")) if p.is_file()
        ]
        manifest = build_manifest(version, files)
        write_text_atomic(stage / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        if gate:
            gate(stage)
        _fsync_dir(stage)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(stage, final)  # the one step that makes the snapshot visible
        except OSError:
            raise PublishError(
                f"version {version} appeared while publishing; rerun to publish a new version",
                dataset=dataset,
            ) from None
        _fsync_dir(final.parent)
        latest = newest_version(store, tier, dataset) or version
        write_text_atomic(final.parent / LATEST, latest + "\n")
        return PublishResult(final, version, created=True)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
