"""No planted identifier reaches a release: not in data, statistics, metadata or manifests.

The generator records every identifier it planted in the sources (in every written form).
This test decodes everything the release store holds and searches it for all of them at
once with an Aho-Corasick automaton, and searches the raw bytes of every file as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import ahocorasick
import pyarrow.parquet as pq
import pytest

from pipelines.config import Settings
from pipelines.publish.store import list_snapshots

MIN_RAW_BYTES_LEN = 8  # shorter strings can occur by chance inside compressed bytes


def planted_values(settings: Settings) -> set[str]:
    path = settings.planted_identifiers_path()
    values = {json.loads(line)["value"] for line in path.read_text().splitlines() if line}
    return {v for v in values if isinstance(v, str) and len(v) >= 4}


def parquet_texts(path: Path) -> Iterator[tuple[str, str]]:
    """Every string a Parquet file holds: cells, row-group statistics, metadata."""
    parquet = pq.ParquetFile(path)
    meta = parquet.metadata
    for key, value in (meta.metadata or {}).items():
        yield (
            "file metadata",
            key.decode("utf-8", "replace") + "=" + value.decode("utf-8", "replace"),
        )
    for field in parquet.schema_arrow:
        for key, value in (field.metadata or {}).items():
            yield f"field metadata {field.name}", (key + value).decode("utf-8", "replace")
    for rg in range(meta.num_row_groups):
        group = meta.row_group(rg)
        for c in range(group.num_columns):
            stats = group.column(c).statistics
            if stats is not None and stats.has_min_max:
                yield f"statistics {group.column(c).path_in_schema}", f"{stats.min}\n{stats.max}"
    table = parquet.read()
    for name in table.column_names:
        yield f"column {name}", "\n".join(str(v) for v in table.column(name).to_pylist())


def release_texts(store: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(store.rglob("*")):
        if not path.is_file():
            continue
        yield f"{path} (file name)", str(path.relative_to(store))
        if path.suffix == ".parquet":
            for where, text in parquet_texts(path):
                yield f"{path} {where}", text
        else:
            yield str(path), path.read_text(encoding="utf-8", errors="replace")


def _automaton(values: set[str]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for value in values:
        automaton.add_word(value, value)
    automaton.make_automaton()
    return automaton


def find_leaks(store: Path, values: set[str]) -> list[str]:
    text_matcher = _automaton(values)
    leaks = []
    for where, text in release_texts(store):
        for _, value in text_matcher.iter(text):
            leaks.append(f"{where}: a planted identifier ({len(value)} chars)")
            break
    raw_values = {v for v in values if len(v.encode()) >= MIN_RAW_BYTES_LEN}
    byte_matcher = _automaton({v.encode("utf-8").decode("latin-1") for v in raw_values})
    for path in sorted(p for p in store.rglob("*") if p.is_file()):
        for _, _value in byte_matcher.iter(path.read_bytes().decode("latin-1")):
            leaks.append(f"{path}: planted identifier bytes")
            break
    return leaks


def test_no_planted_identifier_in_any_release(published: Settings) -> None:
    values = planted_values(published)
    kinds = {
        json.loads(line)["kind"]
        for line in published.planted_identifiers_path().read_text().splitlines()
        if line
    }
    assert {"personnummer", "name", "phone", "email", "address"} <= kinds
    assert len(values) > 1000
    store = published.release_dir
    assert any(store.rglob("*.parquet")) and any(store.rglob("manifest.json"))
    assert find_leaks(store, values) == []


def test_the_leak_check_finds_a_planted_leak(published: Settings, tmp_path: Path) -> None:
    """The check itself must be able to fail: plant one identifier in a copy of a release."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(published.release_dir, store)
    value = sorted(planted_values(published))[0]
    manifest = next(store.rglob("manifest.json"))
    data = json.loads(manifest.read_text())
    data["provenance"]["note"] = f"contact {value}"
    manifest.write_text(json.dumps(data))
    leaks = find_leaks(store, planted_values(published))
    assert leaks and all(value not in leak for leak in leaks)


@pytest.mark.parametrize("reader", ["pandas", "pyarrow", "duckdb"])
def test_every_published_parquet_file_reads(published: Settings, reader: str) -> None:
    files = sorted(published.release_dir.rglob("*.parquet"))
    assert len(files) >= 5
    for path in files:
        rows = pq.ParquetFile(path).metadata.num_rows
        if reader == "pandas":
            import pandas as pd

            assert len(pd.read_parquet(path)) == rows
        elif reader == "pyarrow":
            assert pq.read_table(path).num_rows == rows
        else:
            import duckdb

            count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0]
            assert count == rows


def test_kontaktcenter_description_is_not_in_the_open_tier(published: Settings) -> None:
    snap = next(s for s in list_snapshots(published.release_dir) if s.dataset == "kontaktcenter")
    names = pq.read_schema(snap.path / "data" / "part-00000.parquet").names
    assert "kanal" in names and "beskrivning" not in names


def test_kontaktcenter_keeps_its_description_scrubbed_in_the_project_tier(
    sources: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.run import RunContext, run_dataset
    from pipelines.specs import load_spec

    monkeypatch.setenv("SAMVERKAN_PSEUDONYM_KEY_ALPHA", "alpha-project-secret-0123456789")
    ctx = RunContext(
        spec=load_spec("kontaktcenter"),
        settings=sources,
        run_id="kc-project",
        version="2026-01-31",
        tier="project",
        project="alpha",
    )
    result = run_dataset(ctx)
    assert result.ok, result.error
    data = Path(result.publish["path"]) / "data" / "part-00000.parquet"
    texts = [t for t in pq.read_table(data).column("beskrivning").to_pylist() if t]
    assert len(texts) > 100
    joined = "\n".join(texts)
    for placeholder in ("[NAMN]", "[TELEFON]", "[E-POST]", "[PERSONNUMMER]"):
        assert placeholder in joined
