"""What changed since the previous version: rows added and removed, columns and their types.

Rows are compared as whole records over the columns both versions share (a multiset
difference, so duplicates count), computed by DuckDB straight from the two versions'
release Parquet files within a fixed memory limit. Only counts are recorded, never a value.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from pipelines.metadata.stats import DUCKDB_MEMORY
from pipelines.publish.store import SnapshotRef

CHANGELOG_FORMAT = "samverkan-changelog/2"


def _schema_of(files: list[Path]) -> dict[str, str]:
    if not files:
        return {}
    return {f.name: str(f.type) for f in pq.read_schema(files[0])}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _files_sql(files: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in files) + "]"


def _row_differences(new: list[Path], old: list[Path], columns: list[str]) -> tuple[int, int]:
    """(rows only in new, rows only in old), as multisets over ``columns``."""
    if not columns:
        return (
            sum(pq.read_metadata(p).num_rows for p in new),
            sum(pq.read_metadata(p).num_rows for p in old),
        )
    cols = ", ".join(f"CAST({_quote(c)} AS VARCHAR)" for c in columns)
    with (
        tempfile.TemporaryDirectory(prefix="samverkan-changelog-") as spill,
        duckdb.connect() as con,
    ):
        # bounded memory whatever the size of the release: DuckDB spills beyond it
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        con.execute(f"SET temp_directory = '{spill}'")
        new_sql = f"SELECT {cols} FROM read_parquet({_files_sql(new)})"
        old_sql = f"SELECT {cols} FROM read_parquet({_files_sql(old)})"
        added = con.execute(f"SELECT count(*) FROM ({new_sql} EXCEPT ALL {old_sql})").fetchone()
        removed = con.execute(f"SELECT count(*) FROM ({old_sql} EXCEPT ALL {new_sql})").fetchone()
    return int(added[0]) if added else 0, int(removed[0]) if removed else 0


def released_levels(ref: SnapshotRef) -> dict[str, dict[str, Any]]:
    """The generalisation level and ladder length each quasi-identifier had in a released
    version (from its codebook), so the next run can keep them: a dataset's levels must not
    drift from version to version unless its spec changes the ladder."""
    path = ref.path / "codebook.json"
    if not path.is_file():
        return {}
    book = json.loads(path.read_text(encoding="utf-8"))
    return {
        c["name"]: {"level": c["generalisation"]["level"], "levels": c["generalisation"]["levels"]}
        for c in book.get("columns", [])
        if c.get("generalisation", {}).get("kind") == "generalised"
        and c["generalisation"].get("level") is not None
    }


def _generalisation_changes(old_ref: SnapshotRef, codebook: dict[str, Any] | None) -> list[dict]:
    old_path = old_ref.path / "codebook.json"
    if codebook is None or not old_path.is_file():
        return []
    old = {
        c["name"]: c["generalisation"]
        for c in json.loads(old_path.read_text(encoding="utf-8")).get("columns", [])
    }
    changes = []
    for col in codebook["columns"]:
        before = old.get(col["name"])
        after = col["generalisation"]
        moved = before is not None and (
            before.get("level") != after.get("level") or before.get("step") != after.get("step")
        )
        if before is not None and moved:
            # the same ladder with another level: the engine moved (level: auto); another
            # ladder: the spec changed it. Either way researchers are told here.
            same_ladder = before.get("levels") == after.get("levels")
            changes.append(
                {
                    "name": col["name"],
                    "from_level": before.get("level"),
                    "to_level": after.get("level"),
                    "cause": "engine" if same_ladder else "spec",
                    "text": after["text"],
                    "from_text": before.get("text"),
                }
            )
    return changes


def build_changelog(
    *,
    dataset: str,
    version: str,
    data_files: list[Path],
    previous: SnapshotRef | None,
    previous_withdrawn: dict | None = None,
    codebook: dict[str, Any] | None = None,
) -> dict[str, Any]:
    rows = sum(pq.read_metadata(p).num_rows for p in data_files)
    new_schema = _schema_of(data_files)
    out: dict[str, Any] = {"format": CHANGELOG_FORMAT, "dataset": dataset, "version": version}
    if previous is None:
        return out | {
            "previous_version": None,
            "first_release": True,
            "rows": {"previous": 0, "current": rows, "added": rows, "removed": 0},
            "columns": {"added": list(new_schema), "removed": [], "type_changed": []},
            "generalisation_changed": [],
        }
    old_files = sorted((previous.path / "data").glob("*.parquet"))
    old_schema = _schema_of(old_files)
    common = [c for c in new_schema if c in old_schema]
    added, removed = _row_differences(data_files, old_files, common)
    return out | {
        "previous_version": previous.version,
        "previous_withdrawn": previous_withdrawn,
        "first_release": False,
        "rows": {
            "previous": sum(pq.read_metadata(p).num_rows for p in old_files),
            "current": rows,
            "added": added,
            "removed": removed,
        },
        "columns": {
            "added": [c for c in new_schema if c not in old_schema],
            "removed": [c for c in old_schema if c not in new_schema],
            "type_changed": [
                {"name": c, "from": old_schema[c], "to": new_schema[c]}
                for c in common
                if old_schema[c] != new_schema[c]
            ],
        },
        "generalisation_changed": _generalisation_changes(previous, codebook),
    }
