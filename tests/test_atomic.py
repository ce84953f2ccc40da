"""pipelines.atomic: a file is replaced whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.atomic import replacing, write_bytes_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.txt"
    write_bytes_atomic(target, b"old")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.txt"]


def test_a_finished_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    write_bytes_atomic(target, b"old")
    with replacing(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".f.txt.")
        tmp.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # nobody sees the new file before the rename
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
