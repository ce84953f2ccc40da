"""Atomic publish: the snapshot appears whole or not at all, on a folder or an object store.

Local folder: build the snapshot in staging, then make it visible in one rename. A failed or
killed publish leaves at most a staging folder, which readers never look at and the next
publish of the dataset removes.

Object store (no rename): build and check the snapshot in a local temporary folder, upload
the files under the final version prefix, and write ``manifest.json`` LAST, as an
exclusive create. Readers trust only versions whose manifest exists, so a killed publish
leaves objects nobody reads; the next publish of the dataset deletes such orphans (objects
under a version prefix without a manifest, all older than its own start) and reuses the
version. The publisher's start is the store's own clock: the time of a lease object it
writes under ``.staging/``.

Publishing the same data again (a rerun of the same run) is recognised by the data files'
checksums and changes nothing; different data for a version that exists gets the next free
version ``<base>.2``, ``<base>.3`` ... so nothing published is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import socket
import tempfile
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
    StoreLike,
    list_snapshots,
    read_latest,
    snapshot_dir,
    version_key,
    write_text_atomic,
)
from pipelines.storage import Storage, StorePath, modified, open_storage, walk_local

log = logging.getLogger(__name__)

DATA_DIR = "data"
LEASE_SUFFIX = ".lease"
WITHDRAWN_SUFFIX = ".withdrawn.json"


@dataclass(frozen=True)
class PublishResult:
    path: StorePath
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


def _lease_prefix(tier: str, dataset: str) -> str:
    return f"{tier.replace('/', '~')}__{dataset}__"


def _cleanup_remote_leases(
    storage: Storage, tier: str, dataset: str, before: dt.datetime | None
) -> int:
    """Remove lease objects of this dataset's earlier publishers (informational only)."""
    removed = 0
    for name, info in storage.files(STAGING).items():
        if not (name.startswith(_lease_prefix(tier, dataset)) and name.endswith(LEASE_SUFFIX)):
            continue
        when = modified(info)
        if before is None or (when is not None and when < before):
            storage.remove(STAGING, name)
            removed += 1
    return removed


def _stage_prefix(tier: str, dataset: str) -> str:
    """Staging folder names, flat: ``project/alpha`` becomes ``project+alpha``."""
    return f"{tier.replace('/', '+')}__{dataset}__"


def cleanup_staging(
    store: StoreLike, tier: str, dataset: str, *, before: dt.datetime | None = None
) -> int:
    """Remove staging folders of this dataset left by publishers that are no longer running.

    On an object store staging holds only lease objects; those older than ``before`` go.
    """
    storage = open_storage(store)
    if not storage.is_local:
        return _cleanup_remote_leases(storage, tier, dataset, before)
    staging = storage.base / STAGING
    removed = 0
    if not staging.exists():
        return 0
    for entry in staging.glob(f"{_stage_prefix(tier, dataset)}*"):
        try:
            pid = int(entry.name.split("__")[3])
        except (IndexError, ValueError):
            pid = -1
        if pid > 0 and pid != os.getpid() and _pid_alive(pid):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    return removed


def _withdrawn(store: StoreLike, tier: str, dataset: str, version: str) -> bool:
    """Whether ``version`` carries a withdrawal marker (see ``pipelines.metadata.versions``)."""
    return (
        snapshot_dir(store, tier, dataset, version).parent / f"{version}{WITHDRAWN_SUFFIX}"
    ).exists()


def newest_live_version(store: StoreLike, tier: str, dataset: str) -> str | None:
    """The newest version not withdrawn: what ``LATEST`` names, also after a backfill."""
    live = [
        s.version
        for s in list_snapshots(store, dataset)
        if s.tier == tier and not _withdrawn(store, tier, dataset, s.version)
    ]
    return max(live, key=version_key) if live else None


def _refuse_withdrawn_twin(store: StoreLike, tier: str, dataset: str, version: str) -> None:
    """Identical data to a withdrawn version is neither 'unchanged' nor published again."""
    if _withdrawn(store, tier, dataset, version):
        raise PublishError(
            f"the data are identical to withdrawn version {version}; nothing was published "
            "(correct the source, or publish deliberately under a new --version)",
            dataset=dataset,
        )


def _repair_latest(store: StoreLike, tier: str, dataset: str, version: str) -> None:
    """After a publish killed between making a version visible and writing ``LATEST``: point
    ``LATEST`` at ``version`` when it is the newest and not withdrawn (a withdrawal marker
    ``<version>.withdrawn.json`` beside it, see ``pipelines.metadata.versions``)."""
    folder = snapshot_dir(store, tier, dataset, version).parent
    current = read_latest(store, tier, dataset)
    if current is not None and version_key(current) >= version_key(version):
        return
    if newest_live_version(store, tier, dataset) != version:
        return
    write_text_atomic(folder / LATEST, version + "\n")


def _data_checksums(folder: Path) -> list[str]:
    data = folder / DATA_DIR
    return sorted(sha256_file(p) for p in data.glob("*.parquet")) if data.exists() else []


def _choose_version(
    store: Path, tier: str, dataset: str, base: str, checksums: list[str]
) -> tuple[str, bool]:
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


def _manifest_checksums(storage: Storage, *parts: str) -> list[str]:
    try:
        manifest = json.loads(storage.read_text(*parts, MANIFEST))
    except (OSError, ValueError):
        return []
    return sorted(
        f.get("sha256", "")
        for f in manifest.get("files", [])
        if str(f.get("path", "")).startswith(f"{DATA_DIR}/")
        and str(f.get("path", "")).endswith(".parquet")
    )


def _choose_version_remote(
    storage: Storage, tier: str, dataset: str, base: str, checksums: list[str], started: dt.datetime
) -> tuple[str, bool]:
    """Like ``_choose_version``; a version prefix without manifest is an orphan or a rival."""
    n = 1
    while True:
        version = base if n == 1 else f"{base}.{n}"
        objects = storage.files(tier, dataset, version)
        if not objects:
            return version, False
        if MANIFEST in objects:
            if _manifest_checksums(storage, tier, dataset, version) == checksums:
                return version, True
            n += 1
            continue
        times = [modified(info) for info in objects.values()]
        if all(t is not None and t < started for t in times):
            log.warning(
                "%s: removing %d object(s) left by an unfinished publish of %s",
                dataset,
                len(objects),
                version,
            )
            storage.remove(tier, dataset, version)
            return version, False
        raise PublishError(
            f"version {version} is being published by another run; rerun to publish",
            dataset=dataset,
        )


def _stage_data(stage: Path, data_files: list[Path]) -> None:
    (stage / DATA_DIR).mkdir(parents=True)
    for i, src in enumerate(data_files):
        target = stage / DATA_DIR / f"part-{i:05d}.parquet"
        shutil.copyfile(src, target)
        with target.open("rb") as fh:
            os.fsync(fh.fileno())


def _complete(
    stage: Path,
    version: str,
    build_manifest: Callable[[str, list[dict[str, Any]]], dict[str, Any]],
    extra_files: Callable[[Path, str], list[Path]] | None,
    gate: Callable[[Path], None] | None,
) -> None:
    """Metadata files, then the manifest listing every file, then the gate: all in stage."""
    if extra_files:
        extra_files(stage, version)
    files = [
        {"path": str(p.relative_to(stage)), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(stage.rglob("*"))
        if p.is_file()
    ]
    manifest = build_manifest(version, files)
    write_text_atomic(stage / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
    if gate:
        gate(stage)


def publish_snapshot(
    *,
    store: StoreLike,
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
    The staging folder is always local, also when ``store`` is an object store.
    """
    storage = open_storage(store)
    if not storage.is_local:
        return _publish_remote(
            storage, tier, dataset, base_version, data_files, build_manifest, extra_files, gate
        )
    store = storage.base
    cleanup_staging(store, tier, dataset)
    staging_root = store / STAGING
    staging_root.mkdir(parents=True, exist_ok=True)
    nonce = uuid.uuid4().hex[:8]
    stage = staging_root / f"{_stage_prefix(tier, dataset)}{base_version}__{os.getpid()}__{nonce}"
    try:
        _stage_data(stage, data_files)
        checksums = _data_checksums(stage)
        version, exists = _choose_version(store, tier, dataset, base_version, checksums)
        final = snapshot_dir(store, tier, dataset, version)
        if exists:
            _refuse_withdrawn_twin(store, tier, dataset, version)
            log.info(
                "%s: version %s already holds identical data; nothing to publish", dataset, version
            )
            _repair_latest(store, tier, dataset, version)
            return PublishResult(final, version, created=False)
        _complete(stage, version, build_manifest, extra_files, gate)
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
        latest = newest_live_version(store, tier, dataset) or version
        write_text_atomic(final.parent / LATEST, latest + "\n")
        return PublishResult(final, version, created=True)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def _take_lease(
    storage: Storage, tier: str, dataset: str, base_version: str
) -> tuple[str, dt.datetime]:
    """Write this publisher's lease object; its time on the store's clock is our start."""
    name = (
        f"{_lease_prefix(tier, dataset)}{base_version}__{socket.gethostname()}__"
        f"{os.getpid()}__{uuid.uuid4().hex[:8]}{LEASE_SUFFIX}"
    )
    storage.write_bytes(b"", STAGING, name)
    started = modified(storage.fs.info(storage.key(STAGING, name)))
    return name, started or dt.datetime.now(dt.UTC)


def _publish_remote(
    storage: Storage,
    tier: str,
    dataset: str,
    base_version: str,
    data_files: list[Path],
    build_manifest: Callable[[str, list[dict[str, Any]]], dict[str, Any]],
    extra_files: Callable[[Path, str], list[Path]] | None,
    gate: Callable[[Path], None] | None,
) -> PublishResult:
    """Object store: upload under the final prefix, manifest last (see the module doc)."""
    lease, started = _take_lease(storage, tier, dataset, base_version)
    cleanup_staging(storage, tier, dataset, before=started)
    try:
        with tempfile.TemporaryDirectory(prefix="samverkan-publish-") as tmp:
            stage = Path(tmp) / "snapshot"
            _stage_data(stage, data_files)
            checksums = _data_checksums(stage)
            version, exists = _choose_version_remote(
                storage, tier, dataset, base_version, checksums, started
            )
            final = storage.path(tier, dataset, version)
            if exists:
                _refuse_withdrawn_twin(storage, tier, dataset, version)
                log.info(
                    "%s: version %s already holds identical data; nothing to publish",
                    dataset,
                    version,
                )
                _repair_latest(storage, tier, dataset, version)
                return PublishResult(final, version, created=False)
            _complete(stage, version, build_manifest, extra_files, gate)
            for path in walk_local(stage):
                rel = path.relative_to(stage).as_posix()
                if rel != MANIFEST:
                    storage.put_file(path, tier, dataset, version, rel)
            try:  # the one write that makes the snapshot visible
                storage.write_bytes(
                    (stage / MANIFEST).read_bytes(),
                    tier,
                    dataset,
                    version,
                    MANIFEST,
                    exclusive=True,
                )
            except FileExistsError:
                raise PublishError(
                    f"version {version} appeared while publishing; rerun to publish a new version",
                    dataset=dataset,
                ) from None
            latest = newest_live_version(storage, tier, dataset) or version
            storage.write_bytes(f"{latest}\n".encode(), tier, dataset, LATEST)
            return PublishResult(final, version, created=True)
    finally:
        try:
            storage.remove(STAGING, lease)
        except OSError:
            log.warning("%s: could not remove publish lease %s", dataset, lease)
