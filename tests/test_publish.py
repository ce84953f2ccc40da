"""Atomic, idempotent publishing and the verify command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.cli.main import main
from pipelines.publish.parquet import write_release_parquet
from pipelines.publish.snapshot import publish_snapshot
from pipelines.publish.store import STAGING, list_snapshots, read_latest
from pipelines.publish.verify import verify_store


def _data(path: Path, values: list[int]) -> Path:
    write_release_parquet(pa.table({"x": values}), path, {"samverkan.dataset": "demo"})
    return path


def _manifest(version: str, files: list[dict]) -> dict:
    return {"dataset": "demo", "version": version, "files": files}


def _publish(store: Path, data: Path, version: str = "2026-01-31"):
    return publish_snapshot(
        store=store,
        tier="open",
        dataset="demo",
        base_version=version,
        data_files=[data],
        build_manifest=_manifest,
    )


def test_publish_is_atomic_idempotent_and_never_overwrites(tmp_path: Path) -> None:
    store = tmp_path / "releases"
    first = _publish(store, _data(tmp_path / "a.parquet", [1, 2, 3]))
    assert first.created and first.version == "2026-01-31"
    again = _publish(store, _data(tmp_path / "b.parquet", [1, 2, 3]))
    assert not again.created and again.version == "2026-01-31"
    changed = _publish(store, _data(tmp_path / "c.parquet", [4, 5]))
    assert changed.created and changed.version == "2026-01-31.2"
    assert [s.version for s in list_snapshots(store)] == ["2026-01-31", "2026-01-31.2"]
    assert read_latest(store, "open", "demo") == "2026-01-31.2"
    report = verify_store(store)
    assert report.ok and len(report.checked) == 2
    assert not (store / STAGING).exists() or not any((store / STAGING).iterdir())


def test_verify_finds_tampering_and_stray_files(tmp_path: Path, capsys) -> None:
    store = tmp_path / "releases"
    result = _publish(store, _data(tmp_path / "a.parquet", [1, 2, 3]))
    assert main(["verify", str(store)]) == 0
    part = next((result.path / "data").glob("*.parquet"))
    with part.open("r+b") as fh:
        fh.seek(10)
        fh.write(b"\x00\x01")
    (result.path / "data" / "extra.csv").write_text("x\n")
    assert main(["verify", str(store)]) == 1
    out = capsys.readouterr().out
    assert "does not match its sha256" in out
    assert "extra.csv is not listed" in out


def test_backfilled_older_version_does_not_move_latest(tmp_path: Path) -> None:
    store = tmp_path / "releases"
    _publish(store, _data(tmp_path / "a.parquet", [1]), version="2026-02-28")
    _publish(store, _data(tmp_path / "b.parquet", [2]), version="2026-01-31")
    assert read_latest(store, "open", "demo") == "2026-02-28"


KILLED_PUBLISHER = textwrap.dedent("""
    import shutil, sys, time
    from pathlib import Path
    import pipelines.publish.snapshot as snapshot
    real_copy = shutil.copyfile
    def slow_copy(src, dst):
        real_copy(src, dst)
        Path(sys.argv[3]).write_text("copied")
        time.sleep(60)
    snapshot.shutil.copyfile = slow_copy
    snapshot.publish_snapshot(store=Path(sys.argv[1]), tier="open", dataset="demo",
        base_version="2026-01-31", data_files=[Path(sys.argv[2])],
        build_manifest=lambda v, f: {"dataset": "demo", "version": v, "files": f})
""")


def test_publish_killed_midway_leaves_no_snapshot_and_rerun_publishes(tmp_path: Path) -> None:
    store = tmp_path / "releases"
    data = _data(tmp_path / "a.parquet", [1, 2, 3])
    flag = tmp_path / "flag"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUBLISHER, str(store), str(data), str(flag)],
        env=os.environ | {"PYTHONPATH": str(Path.cwd())},
    )
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert flag.exists(), "publisher never reached the copy step"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert list_snapshots(store) == []
    assert not (store / "open" / "demo" / "2026-01-31").exists()
    assert any((store / STAGING).iterdir())  # the leftover is only in staging
    result = _publish(store, data)
    assert result.created and result.version == "2026-01-31"
    assert not any((store / STAGING).iterdir())  # the dead publisher's folder was removed
    assert verify_store(store).ok
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["files"][0]["path"] == "data/part-00000.parquet"


def _withdraw(store: Path, version: str) -> None:
    (store / "open" / "demo" / f"{version}.withdrawn.json").write_text(
        '{"reason": "erasure"}', encoding="utf-8"
    )


def test_a_backfill_never_points_latest_at_a_withdrawn_version(tmp_path: Path) -> None:
    store = tmp_path / "releases"
    _publish(store, _data(tmp_path / "a.parquet", [1]), version="2026-01-31")
    _publish(store, _data(tmp_path / "b.parquet", [2]), version="2026-03-31")
    _withdraw(store, "2026-03-31")
    _publish(store, _data(tmp_path / "c.parquet", [3]), version="2026-02-28")  # backfill
    assert read_latest(store, "open", "demo") == "2026-02-28"


def test_data_identical_to_a_withdrawn_version_is_refused_not_called_unchanged(
    tmp_path: Path,
) -> None:
    from pipelines.errors import PublishError

    store = tmp_path / "releases"
    data = _data(tmp_path / "a.parquet", [1])
    _publish(store, data, version="2026-01-31")
    _withdraw(store, "2026-01-31")
    with pytest.raises(PublishError, match="identical to withdrawn version 2026-01-31"):
        _publish(store, data, version="2026-01-31")
    changed = _publish(store, _data(tmp_path / "b.parquet", [2]), version="2026-01-31")
    assert changed.created and changed.version == "2026-01-31.2"
    assert read_latest(store, "open", "demo") == "2026-01-31.2"
