"""The release store (and raw zone) on an S3 API: moto's server on loopback.

Object stores have no rename: the publisher uploads under the final version prefix and
writes the manifest last; readers trust only versions with a manifest. A publish killed
midway leaves objects nobody reads, and the next publish removes them and publishes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.cli.main import main
from pipelines.config import Settings
from pipelines.publish.parquet import write_release_parquet
from pipelines.publish.snapshot import publish_snapshot
from pipelines.publish.store import list_snapshots, read_latest
from pipelines.publish.verify import verify_store
from pipelines.storage import open_storage, to_path

REPO = Path(__file__).resolve().parents[2]
VERSION = "2026-02-28"


def _data(path: Path, values: list[int]) -> Path:
    write_release_parquet(pa.table({"x": values}), path, {"samverkan.dataset": "demo"})
    return path


def _publish(store, data: Path, version: str = "2026-01-31"):  # type: ignore[no-untyped-def]
    return publish_snapshot(
        store=store,
        tier="open",
        dataset="demo",
        base_version=version,
        data_files=[data],
        build_manifest=lambda v, files: {"dataset": "demo", "version": v, "files": files},
    )


def test_publish_on_s3_is_idempotent_and_never_overwrites(s3, tmp_path: Path) -> None:
    store = to_path(f"s3://{s3.new_bucket()}/releases", {"endpoint_url": s3.endpoint})
    first = _publish(store, _data(tmp_path / "a.parquet", [1, 2, 3]))
    assert first.created and first.version == "2026-01-31"
    assert str(first.path).startswith("s3://")
    again = _publish(store, _data(tmp_path / "b.parquet", [1, 2, 3]))
    assert not again.created and again.version == "2026-01-31"
    changed = _publish(store, _data(tmp_path / "c.parquet", [4, 5]))
    assert changed.created and changed.version == "2026-01-31.2"
    older = _publish(store, _data(tmp_path / "d.parquet", [6]), version="2026-01-01")
    assert older.created
    snapshots = list_snapshots(store)
    assert [s.version for s in snapshots] == ["2026-01-01", "2026-01-31", "2026-01-31.2"]
    assert snapshots[1].manifest()["files"][0]["path"] == "data/part-00000.parquet"
    assert read_latest(store, "open", "demo") == "2026-01-31.2"
    report = verify_store(store)
    assert report.ok and len(report.checked) == 3
    assert report.orphaned_staging == []  # the publishers' leases are gone


def test_readers_skip_a_version_without_manifest_and_the_next_publish_cleans_it(
    s3, tmp_path: Path
) -> None:
    bucket = s3.new_bucket()
    store = open_storage(f"s3://{bucket}/releases", {"endpoint_url": s3.endpoint})
    data = _data(tmp_path / "a.parquet", [1, 2, 3])
    # what a killed publisher leaves: data under the final prefix, no manifest
    store.put_file(data, "open", "demo", "2026-01-31", "data", "part-00000.parquet")
    store.write_bytes(b"stray", "open", "demo", "2026-01-31", "data", "part-00001.parquet")
    assert list_snapshots(store) == []
    assert verify_store(store).orphaned_staging == ["open/demo/2026-01-31"]
    time.sleep(1.1)  # object times have one-second resolution; the orphans must be older
    result = _publish(store, data)
    assert result.created and result.version == "2026-01-31"
    assert sorted(store.files("open", "demo", "2026-01-31")) == [
        "data/part-00000.parquet",
        "manifest.json",
    ]
    report = verify_store(store)
    assert report.ok and report.checked == ["open/demo/2026-01-31"]
    assert report.orphaned_staging == []


def test_tampering_on_s3_is_found(s3, tmp_path: Path) -> None:
    store = open_storage(f"s3://{s3.new_bucket()}/releases", {"endpoint_url": s3.endpoint})
    result = _publish(store, _data(tmp_path / "a.parquet", [1, 2, 3]))
    store.write_bytes(b"not parquet", "open", "demo", result.version, "data", "part-00000.parquet")
    store.write_bytes(b"x\n", "open", "demo", result.version, "data", "extra.csv")
    problems = verify_store(store).problems
    assert any("part-00000.parquet has" in p for p in problems), problems
    assert any("extra.csv is not listed" in p for p in problems), problems


KILL_DURING_UPLOAD = """
import sys, time
from pathlib import Path
import pipelines.storage as storage
real_put = storage.Storage.put_file
def slow_put(self, source, *parts):
    real_put(self, source, *parts)
    Path(sys.argv[1]).write_text("uploading")
    time.sleep(120)
storage.Storage.put_file = slow_put
from pipelines.cli.main import main
sys.exit(main(["run", "bygglov", "--version", sys.argv[3], "--data-dir", sys.argv[2]]))
"""


@pytest.mark.slow
def test_pipeline_on_s3_killed_during_upload_then_rerun_publishes(
    s3, sources: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"s3://{s3.new_bucket()}/releases"
    env = {"SAMVERKAN_RELEASE_DIR": url, **s3.env}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    store = Settings.from_env(sources.data_dir).release_dir
    assert str(store) == url

    flag = tmp_path / "flag"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_DURING_UPLOAD, str(flag), str(sources.data_dir), VERSION],
        env=os.environ | env | {"PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert flag.exists(), "the run never reached the upload"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    storage = open_storage(store)
    assert list_snapshots(store) == []  # objects were uploaded, but no manifest: not trusted
    assert storage.files("open", "bygglov", VERSION), "the killed upload left nothing?"
    assert verify_store(store).orphaned_staging  # its lease and its orphaned prefix
    assert read_latest(store, "open", "bygglov") is None

    time.sleep(1.1)  # object times have one-second resolution
    assert main(["run", "bygglov", "--version", VERSION, "--data-dir", str(sources.data_dir)]) == 0
    snapshots = list_snapshots(store)
    assert [(s.dataset, s.version) for s in snapshots] == [("bygglov", VERSION)]
    report = verify_store(store)
    assert report.ok and report.orphaned_staging == []
    manifest = snapshots[0].manifest()
    listed = {f["path"] for f in manifest["files"]}
    assert set(storage.files("open", "bygglov", VERSION)) == listed | {"manifest.json"}
    assert read_latest(store, "open", "bygglov") == VERSION
    # a rerun of the same data changes nothing
    assert main(["run", "bygglov", "--version", VERSION, "--data-dir", str(sources.data_dir)]) == 0
    assert json.loads(storage.read_text("open", "bygglov", VERSION, "manifest.json")) == manifest


@pytest.mark.slow
def test_airflow_stages_with_raw_zone_and_release_store_on_s3(
    s3, sources: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.orchestration import run_stage
    from pipelines.run import STAGES

    bucket = s3.new_bucket()
    for key, value in s3.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SAMVERKAN_DATA_DIR", str(sources.data_dir))
    monkeypatch.setenv("SAMVERKAN_RAW_DIR", f"s3://{bucket}/raw")
    monkeypatch.setenv("SAMVERKAN_RELEASE_DIR", f"s3://{bucket}/releases")
    for stage in STAGES:  # each stage as its own task would: nothing shared but the store
        out = run_stage(
            "kolada", stage, run_id="manual__1", version=VERSION, secrets_from_airflow=False
        )
    assert out["created"] and out["version"] == VERSION
    fs = s3.fs()
    raw = sorted(p.rsplit("/", 1)[1] for p in fs.find(f"{bucket}/raw/kolada/runs/manual__1"))
    assert {"extract.parquet", "candidate.parquet", "publish.json"} <= set(raw)
    assert not (sources.data_dir / "work" / "kolada" / "runs" / "manual__1").exists()
    assert verify_store(Settings.from_env().release_dir).ok
