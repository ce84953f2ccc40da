"""Replace a local file in one step, so no reader and no crash ever sees half of it.

One way for every writer: write a hidden temporary file beside the target (the same
folder, so the rename cannot cross filesystems), flush it to disk, rename it over the
target; when the writing fails the temporary file is removed and the target is untouched.
Object stores need none of this: one PUT is atomic (see ``pipelines.publish.store``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temporary_beside(path: Path) -> Path:
    """A hidden name next to ``path`` that no other writer (process or thread) uses."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


@contextmanager
def replacing(path: Path, *, durable: bool = True) -> Iterator[Path]:
    """``with replacing(target) as tmp:`` write ``tmp``; it becomes ``target`` on success.

    ``durable`` flushes the file to disk before the rename (what a published or raw-zone
    file needs; a scratch file may skip it).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_beside(path)
    try:
        yield tmp
        if durable:
            _fsync(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with replacing(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic_local(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
