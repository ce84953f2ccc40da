"""One filesystem abstraction for the raw zone and the release store, through fsspec.

A location is a local folder (a ``Path`` or plain path text: the embedded default) or an
fsspec URL such as ``s3://bucket/releases`` for an S3-compatible object store (AWS S3,
MinIO) through s3fs. The endpoint comes from ``SAMVERKAN_S3_ENDPOINT_URL``; credentials
from the standard AWS variables (``AWS_ACCESS_KEY_ID`` ...) or from explicit options, e.g.
an Airflow connection's (see ``pipelines.orchestration``).

Remote locations are handed around as ``UPath`` objects (pathlib's API over fsspec), so
code that joins and reads paths works on both; ``Storage`` adds what publishing needs:
recursive listings with sizes and times, object writes, exclusive creates and deletes.
Object stores have no rename, so the publisher builds on them differently (see
``pipelines.publish.snapshot``); local folders keep staging plus an atomic rename.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, Union

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem
    from upath import UPath

StorePath = Union[Path, "UPath"]
LOCAL_PROTOCOLS = ("", "file", "local")
ENDPOINT_ENV = "SAMVERKAN_S3_ENDPOINT_URL"


def is_url(location: str | os.PathLike[str]) -> bool:
    """True for ``proto://...`` text naming a non-local fsspec filesystem."""
    text = str(location)
    proto, sep, _ = text.partition("://")
    return bool(sep) and proto.lower() not in LOCAL_PROTOCOLS


def default_options(protocol: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """fsspec options for a protocol from the environment (S3: endpoint, no stale listings)."""
    env = os.environ if environ is None else environ
    if protocol not in ("s3", "s3a"):
        return {}
    options: dict[str, Any] = {"use_listings_cache": False}
    endpoint = env.get(ENDPOINT_ENV)
    if endpoint:
        options["endpoint_url"] = endpoint
    return options


def to_path(
    location: str | os.PathLike[str] | StorePath, options: Mapping[str, Any] | None = None
) -> StorePath:
    """A local ``Path`` for folders, a ``UPath`` (with options) for fsspec URLs."""
    if isinstance(location, Path):
        return location
    if not isinstance(location, str) and hasattr(location, "storage_options"):
        if options is None:
            return location  # already a UPath
        location = str(location)
    text = str(location)
    if not is_url(text):
        return Path(text.removeprefix("file://"))
    from upath import UPath

    protocol = text.split("://", 1)[0].lower()
    merged = default_options(protocol) | dict(options or {})
    return UPath(text, **merged)


@dataclass(frozen=True)
class Storage:
    """A root folder on one fsspec filesystem; every method takes parts relative to it."""

    fs: AbstractFileSystem
    root: str  # the root as the filesystem names it (no protocol for object stores)
    base: StorePath  # the root as a path object (what callers passed in)

    @property
    def is_local(self) -> bool:
        return isinstance(self.base, Path)

    def key(self, *parts: str) -> str:
        """The filesystem path of ``root/parts``."""
        joined = "/".join(p.strip("/") for p in parts if p)
        return f"{self.root.rstrip('/')}/{joined}" if joined else self.root

    def path(self, *parts: str) -> StorePath:
        """``root/parts`` as a path object of the same kind as the root."""
        out = self.base
        for part in parts:
            out = out / part
        return out

    def read_bytes(self, *parts: str) -> bytes:
        return self.fs.cat_file(self.key(*parts))

    def read_text(self, *parts: str) -> str:
        return self.read_bytes(*parts).decode("utf-8")

    def open(self, *parts: str, mode: str = "rb") -> BinaryIO:
        return self.fs.open(self.key(*parts), mode)

    def write_bytes(self, data: bytes, *parts: str, exclusive: bool = False) -> None:
        """One object PUT (atomic on object stores); ``exclusive`` fails if it exists."""
        target = self.key(*parts)
        if exclusive:
            try:
                self.fs.pipe_file(target, data, mode="create")
            except NotImplementedError:  # a store without conditional writes
                if self.fs.exists(target):
                    raise FileExistsError(target) from None
                self.fs.pipe_file(target, data)
        else:
            self.fs.pipe_file(target, data)

    def put_file(self, source: Path, *parts: str) -> None:
        self.fs.put_file(str(source), self.key(*parts))

    def files(self, *parts: str) -> dict[str, dict[str, Any]]:
        """Every file below ``parts``, keyed by its path relative to there (posix)."""
        prefix = self.key(*parts).rstrip("/")
        try:
            found = self.fs.find(prefix, detail=True)
        except FileNotFoundError:
            return {}
        out = {}
        for name, info in found.items():
            if info.get("type") == "directory":
                continue
            rel = str(PurePosixPath(name).relative_to(PurePosixPath(prefix)))
            out[rel] = info
        return out

    def remove(self, *parts: str) -> None:
        """Delete a file, or everything under a folder prefix."""
        target = self.key(*parts)
        if self.fs.isfile(target):
            self.fs.rm_file(target)
        else:
            for rel in self.files(*parts):
                self.fs.rm_file(f"{target.rstrip('/')}/{rel}")


def modified(info: Mapping[str, Any]) -> dt.datetime | None:
    """An object's last-modified time (aware, UTC) from an fsspec info dict."""
    value = info.get("LastModified") or info.get("mtime") or info.get("created")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)


def open_storage(
    location: str | os.PathLike[str] | StorePath | Storage, options: Mapping[str, Any] | None = None
) -> Storage:
    """The ``Storage`` for a folder, an fsspec URL or a ``UPath``."""
    if isinstance(location, Storage):
        return location
    base = to_path(location, options)
    if isinstance(base, Path):
        from fsspec.implementations.local import LocalFileSystem

        return Storage(LocalFileSystem(), str(base.absolute()), base)
    return Storage(base.fs, base.path, base)


def walk_local(folder: Path) -> Iterator[Path]:
    """Every file below a local folder, sorted (what a publish uploads)."""
    return iter(sorted(p for p in folder.rglob("*") if p.is_file()))


def download_tree(storage: Storage, rel: str, dest: Path) -> int:
    """Copy every object below ``rel`` into the local folder ``dest``; returns the count."""
    count = 0
    for name in storage.files(rel):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        storage.fs.get_file(storage.key(rel, name), str(target))
        count += 1
    return count


def sync_tree(source: Path, storage: Storage, rel: str, *, delete: bool = True) -> int:
    """Make ``rel`` hold the files of the local folder ``source`` (uploads every file; with
    ``delete``, removes objects below ``rel`` that ``source`` no longer has)."""
    local = (
        {p.relative_to(source).as_posix(): p for p in walk_local(source)}
        if (source.is_dir())
        else {}
    )
    if delete:
        for name in set(storage.files(rel)) - set(local):
            storage.remove(rel, name)
    for name, path in local.items():
        storage.put_file(path, rel, name)
    return len(local)
