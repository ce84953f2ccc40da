"""Whole runs through the CLI: broken sources fail cleanly, reruns are idempotent, kills are safe.

Every broken-source case checks the same promise: one clear line naming dataset, file, row
and column (never the value), a non-zero exit, nothing published, earlier snapshots intact.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.cli.main import main
from pipelines.config import Settings
from pipelines.publish.store import STAGING, list_snapshots
from pipelines.publish.verify import verify_store

REPO = Path(__file__).resolve().parent.parent
NEW_VERSION = "2026-02-28"


@pytest.fixture
def store(sources: Settings, published: Settings) -> Settings:
    """Fresh sources plus the session's already published snapshots."""
    shutil.copytree(published.release_dir, sources.release_dir)
    return sources


def _snapshot_state(settings: Settings) -> dict[str, str]:
    return {
        f"{s.tier}/{s.dataset}/{s.version}": (s.path / "manifest.json").read_text()
        for s in list_snapshots(settings.release_dir)
    }


def _run_failing(settings: Settings, dataset: str, capsys) -> str:
    before = _snapshot_state(settings)
    code = main(["run", dataset, "--version", NEW_VERSION, "--data-dir", str(settings.data_dir)])
    out = capsys.readouterr()
    assert code == 1
    failure = [line for line in out.out.splitlines() if "FAILED" in line]
    assert len(failure) == 1, out.out
    assert "Traceback" not in out.out + out.err
    assert _snapshot_state(settings) == before  # nothing new, nothing changed
    assert verify_store(settings.release_dir).ok
    return failure[0]


def _rewrite_csv(path: Path, encoding: str, edit) -> None:
    text = path.read_bytes().decode(encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    edit(lines)
    path.write_bytes(newline.join(lines).encode(encoding))


def test_wrong_encoding(store: Settings, capsys) -> None:
    path = store.sources_dir / "bygglov" / "bygglov_arenden.csv"
    data = path.read_bytes().split(b"\n")
    data[40] = data[40] + "Åsa".encode("cp1252")  # a Windows-1252 byte in a UTF-8 file
    path.write_bytes(b"\n".join(data))
    line = _run_failing(store, "bygglov", capsys)
    assert "dataset bygglov, file bygglov_arenden.csv, row 40" in line
    assert "not valid utf-8" in line


def test_missing_column(store: Settings, capsys) -> None:
    path = store.sources_dir / "hemtjanst" / "hemtjanst_export.csv"

    def drop_last_column(lines: list[str]) -> None:
        for i, line in enumerate(lines):
            if line:
                lines[i] = line.rsplit(";", 1)[0]

    _rewrite_csv(path, "cp1252", drop_last_column)
    line = _run_failing(store, "hemtjanst", capsys)
    assert "file hemtjanst_export.csv" in line and "column Avslutsorsak" in line
    assert "missing from the header" in line


def test_unparsable_number(store: Settings, capsys) -> None:
    path = store.sources_dir / "hemtjanst" / "hemtjanst_export.csv"
    secret = "tolv och en halv"

    def break_row_17(lines: list[str]) -> None:
        header = lines[0].split(";")
        cells = lines[17].split(";")
        cells[header.index("Beviljade timmar")] = secret
        lines[17] = ";".join(cells)

    _rewrite_csv(path, "cp1252", break_row_17)
    line = _run_failing(store, "hemtjanst", capsys)
    assert "row 17, column Beviljade timmar" in line
    assert secret not in line


def test_empty_file(store: Settings, capsys) -> None:
    (store.sources_dir / "kontaktcenter" / "kontakter.jsonl").write_bytes(b"")
    line = _run_failing(store, "kontaktcenter", capsys)
    assert "file kontakter.jsonl: source file is empty" in line


def test_bad_json(store: Settings, capsys) -> None:
    path = store.sources_dir / "kontaktcenter" / "kontakter.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    secret = lines[9][:60]
    lines[9] = lines[9][:60]  # cut mid-object
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = _run_failing(store, "kontaktcenter", capsys)
    assert "file kontakter.jsonl, row 10: line is not valid JSON" in line
    assert secret not in line


def test_missing_database_column(store: Settings, capsys) -> None:
    db = store.sources_dir / "verksamhet.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE ekonomiskt_bistand DROP COLUMN belopp")
    line = _run_failing(store, "ekonomiskt_bistand", capsys)
    assert "table ekonomiskt_bistand, column belopp: column is missing" in line


def test_incomplete_kolada_download(store: Settings, capsys) -> None:
    pages = sorted((store.sources_dir / "kolada").glob("page-*.json"))
    assert len(pages) >= 2
    pages[-1].unlink()
    line = _run_failing(store, "kolada", capsys)
    assert "download is incomplete" in line


def test_raw_validation_failure_quarantines_the_extract(store: Settings, capsys) -> None:
    path = store.sources_dir / "hemtjanst" / "hemtjanst_export.csv"

    def bad_sex(lines: list[str]) -> None:
        header = lines[0].split(";")
        for row in (5, 6):
            cells = lines[row].split(";")
            cells[header.index("Kön")] = "Okänt"
            lines[row] = ";".join(cells)

    _rewrite_csv(path, "cp1252", bad_sex)
    line = _run_failing(store, "hemtjanst", capsys)
    assert "raw validation failed" in line and "kon" in line
    assert "Okänt" not in line
    quarantine = store.raw_dir / "hemtjanst" / "quarantine"
    reports = list(quarantine.rglob("REPORT.txt"))
    assert len(reports) == 1
    assert (reports[0].parent / "extract.parquet").exists()


def test_rerun_of_same_run_is_idempotent(store: Settings, capsys) -> None:
    args = [
        "run",
        "kolada",
        "--version",
        NEW_VERSION,
        "--run-id",
        "r1",
        "--data-dir",
        str(store.data_dir),
    ]
    assert main(args) == 0
    first = _snapshot_state(store)
    assert main(args) == 0
    assert "unchanged" in capsys.readouterr().out
    assert _snapshot_state(store) == first


KILL_DURING_PUBLISH = """
import shutil, sys, time
from pathlib import Path
import pipelines.publish.snapshot as snapshot
real_copy = shutil.copyfile
def slow_copy(src, dst):
    real_copy(src, dst)
    Path(sys.argv[1]).write_text("in publish")
    time.sleep(120)
snapshot.shutil.copyfile = slow_copy
from pipelines.cli.main import main
sys.exit(main(["run", "bygglov", "--version", "2026-02-28", "--data-dir", sys.argv[2]]))
"""


def test_run_killed_during_publish_leaves_nothing_and_rerun_publishes(store: Settings) -> None:
    flag = store.data_dir / "flag"
    before = _snapshot_state(store)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_DURING_PUBLISH, str(flag), str(store.data_dir)],
        env=os.environ | {"PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert flag.exists(), "the run never reached publish"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert _snapshot_state(store) == before
    assert any((store.release_dir / STAGING).iterdir())
    assert (
        main(["run", "bygglov", "--version", NEW_VERSION, "--data-dir", str(store.data_dir)]) == 0
    )
    after = _snapshot_state(store)
    assert set(after) - set(before) == {f"open/bygglov/{NEW_VERSION}"}
    assert not any((store.release_dir / STAGING).iterdir())
    assert verify_store(store.release_dir).ok


def test_manifest_carries_validation_policy_and_provenance(published: Settings) -> None:
    for snap in list_snapshots(published.release_dir):
        manifest = snap.manifest()
        assert manifest["rows"] > 0
        assert manifest["validation"]["raw"]["success"] is True
        assert manifest["validation"]["release"]["success"] is True
        assert manifest["anonymisation"]["k_required"] >= 1
        assert manifest["provenance"]["source"]["kind"]
        assert "password" not in json.dumps(manifest).lower()
        assert {f["path"] for f in manifest["files"]} >= {"data/part-00000.parquet"}


def test_policy_that_cannot_be_met_fails_clearly_and_publishes_nothing(sources: Settings) -> None:
    from pipelines.run import RunContext, run_dataset
    from pipelines.specs import load_spec

    spec = load_spec("hemtjanst")
    strict = spec.anonymisation.model_copy(update={"k": 100_000, "suppression_limit": 0.0})
    spec = spec.model_copy(update={"anonymisation": strict})
    result = run_dataset(RunContext(spec=spec, settings=sources, run_id="r", version="v"))
    assert not result.ok
    assert result.error.startswith("dataset hemtjanst:") and "cannot be met" in result.error
    assert list_snapshots(sources.release_dir) == []
