"""``samverkan scrub`` and ``samverkan scan`` through their handlers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.cli import scan as scan_cli
from pipelines.cli import scrub as scrub_cli
from pipelines.errors import SamverkanError


def run(module, argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    module.register(sub)
    args = parser.parse_args(argv)
    return args.handler(args)


def test_scrub_csv_keeps_format(tmp_path: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    raw = (
        "id;beskrivning;belopp\r\n"
        "1;Anna Andersson ringde om 880320-0016;1234,50\r\n"
        '2;"Inget; särskilt";99\r\n'
    )
    src.write_bytes(b"\xef\xbb\xbf" + raw.encode("utf-8"))
    out = tmp_path / "out.csv"
    assert run(scrub_cli, ["scrub", str(src), "--columns", "beskrivning", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8") == (
        "id;beskrivning;belopp\r\n"
        "1;[NAMN] ringde om [PERSONNUMMER];1234,50\r\n"
        '2;"Inget; särskilt";99\r\n'
    )
    assert "beskrivning: 2 replaced" in capsys.readouterr().out


def test_scrub_csv_windows_1252(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes("namn;text\nx;Åsa Öberg på Storgatan 5\n".encode("cp1252"))
    out = tmp_path / "out.csv"
    run(scrub_cli, ["scrub", str(src), "--columns", "text", "--out", str(out)])
    assert out.read_bytes().decode("cp1252") == "namn;text\nx;[NAMN] på [ADRESS]\n"


def test_scrub_parquet(tmp_path: Path) -> None:
    table = pa.table({"id": [1, 2], "txt": ["Ring Per Berg på 08-123 456 78", None]})
    table = table.replace_schema_metadata({"dataset": "demo"})
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(table, src)
    assert run(scrub_cli, ["scrub", str(src), "--columns", "txt", "--out", str(out)]) == 0
    result = pq.read_table(out)
    assert result["txt"].to_pylist() == ["Ring [NAMN] på [TELEFON]", None]
    assert result["id"].to_pylist() == [1, 2]
    assert result.schema.metadata[b"dataset"] == b"demo"


def test_scrub_unknown_column_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("a;b\n1;2\n")
    with pytest.raises(SamverkanError, match="column nope"):
        run(scrub_cli, ["scrub", str(src), "--columns", "nope", "--out", str(tmp_path / "o.csv")])


def test_scan_cli_exit_codes_and_output(tmp_path: Path, capsys) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    pq.write_table(pa.table({"a": ["Flemingsberg"]}), clean / "x.parquet")
    assert run(scan_cli, ["scan", str(clean)]) == 0
    assert "0 finding(s)" in capsys.readouterr().out

    dirty = tmp_path / "dirty"
    dirty.mkdir()
    (dirty / "m.json").write_text(json.dumps({"note": "880320-0016"}))
    assert run(scan_cli, ["scan", str(dirty)]) == 1
    out = capsys.readouterr().out
    assert "key $.note\trow -\tpersonnummer\tpersonnummer" in out
    assert "880320" not in out

    (dirty / "bad.parquet").write_bytes(b"xx")
    assert run(scan_cli, ["scan", str(dirty), "--summary-only"]) == 2


def test_scan_numbers_rows_from_one_like_errors(tmp_path: Path, capsys) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"note": ["inget här", "ring 19121212-1212"]}), path)
    assert run(scan_cli, ["scan", str(path)]) == 1
    out = capsys.readouterr().out
    assert "column note\trow 2\tpersonnummer" in out
