"""A generalisation level that moves between versions is named in the changelog, with its
cause (the engine's choice, or a spec that changed the ladder), and the released levels
can be read back so the next run can keep them."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from pipelines.metadata.changelog import build_changelog, released_levels
from pipelines.publish.parquet import write_release_parquet
from pipelines.publish.store import SnapshotRef


def _column(level: int, levels: int) -> dict:
    text = {"sv": f"nivå {level}", "en": f"level {level}"}
    return {"name": "alder", "generalisation": {"kind": "generalised", "level": level,
                                                "levels": levels, "text": text}}  # fmt: skip


def _snapshot(folder: Path, level: int, levels: int) -> SnapshotRef:
    (folder / "data").mkdir(parents=True)
    write_release_parquet(pa.table({"alder": ["18-22"]}), folder / "data" / "part-0.parquet", {})
    book = {"columns": [_column(level, levels)]}
    (folder / "codebook.json").write_text(json.dumps(book), encoding="utf-8")
    return SnapshotRef("open", "x", folder.name, folder)


def test_level_changes_are_named_with_their_cause(tmp_path: Path) -> None:
    old = _snapshot(tmp_path / "v1", 1, 4)
    assert released_levels(old) == {"alder": {"level": 1, "levels": 4}}
    files = sorted((old.path / "data").glob("*.parquet"))
    engine = build_changelog(
        dataset="x",
        version="v2",
        data_files=files,
        previous=old,
        codebook={"columns": [_column(2, 4)]},
    )
    [change] = engine["generalisation_changed"]
    assert (change["from_level"], change["to_level"], change["cause"]) == (1, 2, "engine")
    spec = build_changelog(
        dataset="x",
        version="v2",
        data_files=files,
        previous=old,
        codebook={"columns": [_column(1, 3)]},
    )
    assert spec["generalisation_changed"] == []  # same level number: nothing moved
    spec = build_changelog(
        dataset="x",
        version="v2",
        data_files=files,
        previous=old,
        codebook={"columns": [_column(2, 3)]},
    )
    assert spec["generalisation_changed"][0]["cause"] == "spec"
