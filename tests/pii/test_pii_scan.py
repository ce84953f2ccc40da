"""The leak scanner finds a planted personnummer wherever it hides in a release."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.pii.findings import Kind
from pipelines.pii.scan import scan_paths, scan_table

PNR = "19880320-0016"
PNR_INT = 198803200016


def clean_table(n: int = 50) -> pa.Table:
    return pa.table(
        {
            "manad": pa.array(["2025-03"] * n),
            "stadsdel": pa.array(["Flemingsberg", "Segeltorp"] * (n // 2)),
            "belopp": pa.array(range(1000, 1000 + n), pa.int64()),
            "beskrivning": pa.array(
                ["Utbetalt 4 500 kr den 2025-03-01, ärende BN 2025-000123."] * n
            ),
        }
    )


def kinds_and_places(report) -> list[tuple[Kind, str | None, int | None]]:
    return [(f.kind, f.where, f.row) for f in report.findings]


def test_clean_parquet_folder_exits_zero(tmp_path: Path) -> None:
    pq.write_table(clean_table(), tmp_path / "data.parquet")
    (tmp_path / "manifest.json").write_text(json.dumps({"dataset": "x", "rows": 50}))
    report = scan_paths([tmp_path])
    assert report.clean and report.exit_code == 0
    assert report.files_scanned == 2


def test_planted_in_a_data_cell(tmp_path: Path) -> None:
    table = clean_table()
    cells = table["beskrivning"].to_pylist()
    cells[17] = f"Sökande {PNR} ringde."
    table = table.set_column(3, "beskrivning", pa.array(cells))
    pq.write_table(table, tmp_path / "data.parquet", row_group_size=10)
    report = scan_paths([tmp_path / "data.parquet"])
    data = [f for f in report.findings if f.where == "column beskrivning"]
    assert [(f.kind, f.row) for f in data] == [(Kind.PERSONNUMMER, 17)]
    assert report.exit_code == 1


def test_planted_as_int64_in_a_numeric_column_and_its_statistics(tmp_path: Path) -> None:
    table = clean_table()
    values = table["belopp"].to_pylist()
    values[3] = PNR_INT
    table = table.set_column(2, "belopp", pa.array(values, pa.int64()))
    pq.write_table(table, tmp_path / "data.parquet", row_group_size=10)
    found = kinds_and_places(scan_paths([tmp_path / "data.parquet"]))
    assert (Kind.PERSONNUMMER, "column belopp", 3) in found
    assert (Kind.PERSONNUMMER, "statistics max of column belopp (row group 0)", None) in found


def test_planted_only_in_a_column_statistic(tmp_path: Path) -> None:
    """The value is in the footer's min/max but no longer in the data: still found."""
    path = tmp_path / "s.parquet"
    table = pa.table({"kod": pa.array(["A1", PNR, "B2"])})
    pq.write_table(table, path, compression="NONE", use_dictionary=False)
    raw = path.read_bytes()
    # In the data page a PLAIN string is its 4-byte length then its bytes: overwrite only
    # that copy, leaving the statistics in the page header and the footer as they were.
    plain = struct.pack("<I", len(PNR)) + PNR.encode()
    assert raw.count(plain) == 1
    path.write_bytes(raw.replace(plain, struct.pack("<I", len(PNR)) + b"X" * len(PNR)))
    assert PNR not in pq.read_table(path)["kod"].to_pylist()

    found = kinds_and_places(scan_paths([path]))
    # Digits sort before letters, so the personnummer is the column's minimum.
    assert found == [(Kind.PERSONNUMMER, "statistics min of column kod (row group 0)", None)]


def test_planted_in_schema_metadata(tmp_path: Path) -> None:
    table = clean_table().replace_schema_metadata({"framtagen_av": f"uttag för {PNR}"})
    pq.write_table(table, tmp_path / "data.parquet")
    found = kinds_and_places(scan_paths([tmp_path]))
    assert found == [(Kind.PERSONNUMMER, "schema metadata value of 'framtagen_av'", None)]


def test_planted_in_field_metadata_and_column_name(tmp_path: Path) -> None:
    schema = pa.schema(
        [
            pa.field("manad", pa.string(), metadata={"kommentar": f"kontakt {PNR}"}),
            pa.field("pnr_198803200016", pa.int64()),
        ]
    )
    table = pa.table({"manad": ["2025-03"], "pnr_198803200016": [1]}, schema=schema)
    pq.write_table(table, tmp_path / "data.parquet")
    found = kinds_and_places(scan_paths([tmp_path]))
    assert (Kind.PERSONNUMMER, "metadata of column manad value of 'kommentar'", None) in found
    assert (Kind.PERSONNUMMER, "name of column pnr_198803200016", None) in found


def test_planted_in_a_json_manifest_field(tmp_path: Path) -> None:
    manifest = {
        "dataset": "kontaktcenter",
        "files": [{"path": "data.parquet", "sha256": "ab" * 32, "rows": 50}],
        "provenance": {"requested_by": {"note": f"beställt av {PNR}"}},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    report = scan_paths([tmp_path])
    assert kinds_and_places(report) == [
        (Kind.PERSONNUMMER, "key $.provenance.requested_by.note", None)
    ]
    assert report.exit_code == 1


def test_csv_jsonl_text_and_nested_folders(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "t.csv").write_bytes(
        "id;beskrivning\r\n1;inget\r\n2;Ring Anna Andersson på 070-123 45 67\r\n".encode("cp1252")
    )
    (nested / "r.jsonl").write_text('{"a": 1}\n{"b": {"c": [1, 198803200016]}}\n')
    (tmp_path / "notes.txt").write_text("rad ett\nmejla anna@exempel.se\n")
    found = kinds_and_places(scan_paths([tmp_path]))
    assert (Kind.NAMN, "column beskrivning", 1) in found
    assert (Kind.TELEFON, "column beskrivning", 1) in found
    assert (Kind.PERSONNUMMER, "key $.b.c[1]", 1) in found
    assert (Kind.EPOST, "line", 1) in found


def test_unreadable_input_exit_two(tmp_path: Path) -> None:
    (tmp_path / "broken.parquet").write_bytes(b"not a parquet file")
    (tmp_path / "broken.json").write_text('{"a": "880320-0016", ')
    report = scan_paths([tmp_path, tmp_path / "missing.csv"])
    assert report.exit_code == 2
    assert len(report.errors) == 3
    # The broken JSON is still read as text, so its personnummer is not missed.
    assert [f.kind for f in report.findings] == [Kind.PERSONNUMMER]
    assert all("880320" not in e.problem for e in report.errors)


def test_binary_files_are_skipped_not_errors(tmp_path: Path) -> None:
    (tmp_path / "bild.png").write_bytes(b"\x89PNG\x00\x00\x01")
    report = scan_paths([tmp_path])
    assert report.skipped and report.exit_code == 0


def test_scan_table_nested_columns() -> None:
    table = pa.table(
        {
            "s": pa.array([{"x": "hej"}, {"x": f"pnr {PNR}"}]),
            "l": pa.array([["a", "b"], ["c", PNR]]),
        }
    )
    found = [(f.where, f.row) for f in scan_table(table, source="t")]
    assert ("column s.x", 1) in found
    assert ("column l[]", 1) in found


def test_report_lines_never_hold_the_value(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(f"Anna Andersson {PNR} anna@exempel.se 070-123 45 67\n")
    report = scan_paths([tmp_path])
    text = "\n".join(report.lines()) + report.summary()
    for value in ("880320", "Anna", "Andersson", "exempel", "070"):
        assert value not in text
