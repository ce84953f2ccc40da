"""pipelines.csvtext: one reading of encoding and delimiter for every CSV reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.csvtext import decode, detect_delimiter, detect_encoding, header_line


def test_encodings() -> None:
    assert detect_encoding("Å;b".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbfa;b") == "utf-8-sig"
    assert detect_encoding("Å;b".encode("cp1252")) == "cp1252"
    cut = "ÅÅ".encode()[:-1]  # a sample ending inside a character
    assert detect_encoding(cut, complete=False) == "utf-8"
    assert decode(b"\xef\xbb\xbfa;b\n") == ("a;b\n", "utf-8", True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("a;b;c", ";"), ("a,b", ","), ("a\tb\tc", "\t"), ("a|b", "|"), ("a", ","), ("a;b,c", ";")],
)
def test_delimiters(header: str, expected: str) -> None:
    assert detect_delimiter(header) == expected
    assert header_line("\ufeff" + header + "\r\nx") == header


def test_anonymise_reads_a_windows_1252_tab_separated_file(tmp_path: Path) -> None:
    from pipelines.cli.anonymise import read_table

    path = tmp_path / "in.csv"
    path.write_bytes("namn\tort\r\nÅsa\tHuddinge\r\n".encode("cp1252"))
    assert read_table(path).to_pylist() == [{"namn": "Åsa", "ort": "Huddinge"}]
