"""Release Parquet layout: no statistics on free text or pseudonyms, coded columns as
dictionaries, and the same bytes whether a file is written whole or in batches."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.publish.layout import ColumnLayout, release_layout
from pipelines.publish.parquet import ReleaseWriter, write_release_parquet
from pipelines.specs import load_spec


def _table(n: int = 2500) -> pa.Table:
    return pa.table(
        {
            "beskrivning": [f"note {i}" for i in range(n)],
            "kanal": [("telefon", "e-post", "besök")[i % 3] for i in range(n)],
            "handlaggningstid": list(range(n)),
        }
    )


def test_layout_follows_the_spec_roles() -> None:
    layout = release_layout(load_spec("kontaktcenter"))
    assert "beskrivning" in layout.no_statistics and "kanal" in layout.dictionary
    spec = load_spec("ekonomiskt_bistand")
    layout = release_layout(spec)
    assert {"anteckning", "personnummer", "hushall_id"} <= layout.no_statistics
    assert {"kon", "alder", "hushallstyp", "forsorjningshinder", "stadsdel"} <= layout.dictionary
    assert "belopp" not in layout.dictionary


def test_free_text_has_no_statistics_and_codes_are_dictionaries(tmp_path: Path) -> None:
    layout = release_layout(load_spec("ekonomiskt_bistand"))
    table = pa.table(
        {
            "anteckning": ["a note", "another"] * 10,
            "forsorjningshinder": ["arbetslos", "sjuk"] * 10,
            "belopp": [1.5, 2.5] * 10,
        }
    )
    path = tmp_path / "part-00000.parquet"
    write_release_parquet(table, path, {"samverkan.dataset": "x"}, layout)
    meta = pq.read_metadata(path)
    stats = {
        meta.schema.column(i).name: meta.row_group(0).column(i).statistics
        for i in range(meta.num_columns)
    }
    assert stats["anteckning"] is None
    assert stats["forsorjningshinder"] is not None and stats["belopp"] is not None
    read = pq.read_table(path)
    assert pa.types.is_dictionary(read.schema.field("forsorjningshinder").type)
    assert read.schema.field("anteckning").type == pa.string()
    assert str(read.to_pandas()["forsorjningshinder"].dtype) == "category"
    assert (
        read.column("forsorjningshinder").cast(pa.string()).to_pylist()
        == table.column("forsorjningshinder").to_pylist()
    )


def test_dictionary_files_do_not_depend_on_batches(tmp_path: Path) -> None:
    layout = release_layout(load_spec("kontaktcenter"))
    table = _table()
    write_release_parquet(table, tmp_path / "whole.parquet", {"k": "v"}, layout)
    with ReleaseWriter(tmp_path / "batches.parquet", {"k": "v"}, layout) as writer:
        for batch in table.to_batches(max_chunksize=317):
            writer.write(pa.Table.from_batches([batch]))
    whole = (tmp_path / "whole.parquet").read_bytes()
    assert whole == (tmp_path / "batches.parquet").read_bytes()


def test_the_leak_scanner_reads_dictionary_columns(tmp_path: Path) -> None:
    from pipelines.pii.scan import scan_paths

    # no statistics either: only the column's values can give the number away
    layout = ColumnLayout(no_statistics=frozenset({"stadsdel"}), dictionary=frozenset({"stadsdel"}))
    table = pa.table({"stadsdel": ["Flemingsberg", "19121212-1212"] * 5})
    path = tmp_path / "part-00000.parquet"
    write_release_parquet(table, path, {"samverkan.dataset": "x"}, layout)
    assert pa.types.is_dictionary(pq.read_schema(path).field("stadsdel").type)
    assert scan_paths([path]).findings
