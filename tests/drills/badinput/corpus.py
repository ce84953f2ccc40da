"""A corpus of bad source files for the CSV and JSON Lines datasets, made from valid ones.

Each ``BadFile`` is the complete content of one source file (hemtjanst: Windows-1252 CSV
with ``;`` and decimal commas; bygglov: UTF-8 CSV with a BOM; kontaktcenter: JSON Lines)
and what the one-line error must name: the file, the data row (1-based, header not
counted) and the source column where they apply, a piece of the problem, and a secret
value planted in the bad spot that must never be shown. Files that are in fact valid
(e.g. formula-like text in a text column) are not in the corpus.

Run as a script to write the corpus next to small generated sources:
``python tests/drills/badinput/corpus.py OUT_DIR``.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

HEMTJANST = "hemtjanst/hemtjanst_export.csv"
BYGGLOV = "bygglov/bygglov_arenden.csv"
KONTAKTCENTER = "kontaktcenter/kontakter.jsonl"
PATHS = {"hemtjanst": HEMTJANST, "bygglov": BYGGLOV, "kontaktcenter": KONTAKTCENTER}
BASE_ROWS = 40
SECRET = "19121212-1212"  # looks like a personnummer: must never be printed
HUGE = 17 << 20  # larger than the readers' 16 MiB block
FORMULA = "=cmd|' /C calc'!A0"


@dataclass(frozen=True)
class BadFile:
    name: str
    dataset: str
    data: bytes
    problem: str  # a piece of the expected problem text
    row: int | None = None  # expected data row, when a row applies
    column: str | None = None  # expected source column, when a column applies
    secret: str | None = SECRET

    @property
    def path(self) -> str:
        return PATHS[self.dataset]

    @property
    def file_name(self) -> str:
        return Path(self.path).name


# ------------------------------------------------------------------------------ helpers
class _Csv:
    """A small valid CSV as header + rows of cells, written back in its own dialect."""

    def __init__(self, data: bytes, encoding: str, newline: str) -> None:
        self.encoding, self.newline = encoding, newline
        self.bom = data.startswith(b"\xef\xbb\xbf")
        text = data.decode(encoding, errors="ignore").lstrip("\ufeff")
        first = text.split(newline, 1)[0]
        self.delimiter = ";" if first.count(";") > first.count(",") else ","
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter))
        self.header = records[0]
        self.rows = [r for r in records[1:] if r][:BASE_ROWS]
        assert len(self.rows) == BASE_ROWS

    def col(self, name: str) -> int:
        return self.header.index(name)

    def _line(self, cells: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, delimiter=self.delimiter, lineterminator="").writerow(cells)
        return buf.getvalue()

    def lines(self) -> list[str]:
        return [self._line(self.header), *(self._line(r) for r in self.rows)]

    def encode(self, lines: list[str] | None = None, *, encoding: str | None = None) -> bytes:
        text = self.newline.join(lines if lines is not None else self.lines()) + self.newline
        body = text.encode(encoding or self.encoding)
        return (b"\xef\xbb\xbf" + body) if self.bom and encoding is None else body

    def with_cell(self, row: int, column: str, value: str) -> bytes:
        """The file with one cell replaced by ``value``, written without quoting."""
        lines = self.lines()
        cells = list(self.rows[row - 1])
        cells[self.col(column)] = "\x00CELL\x00"
        lines[row] = self._line(cells).replace("\x00CELL\x00", value)
        return self.encode(lines)

    def raw_lines(self) -> list[bytes]:
        return [line.encode(self.encoding) for line in self.lines()]

    def join_raw(self, lines: list[bytes]) -> bytes:
        body = self.newline.encode().join(lines) + self.newline.encode()
        return (b"\xef\xbb\xbf" + body) if self.bom else body


def _junk(seed: int, size: int, *, nul: bool) -> bytes:
    rng = random.Random(seed)
    data = bytearray(rng.randrange(1, 256) for _ in range(size))
    if nul:
        data[size // 3] = 0
    return bytes(data)


# ------------------------------------------------------------------------------ CSV
def _hemtjanst(valid: bytes) -> list[BadFile]:
    h = _Csv(valid, "cp1252", "\r\n")
    d = "hemtjanst"
    lines = h.raw_lines()
    out = [
        BadFile("h_empty", d, b"", "source file is empty", secret=None),
        BadFile("h_blank_lines_only", d, b"\r\n  \r\n\r\n", "source file is empty", secret=None),
        BadFile("h_header_only", d, h.encode(h.lines()[:1]), "no data rows", secret=None),
        BadFile("h_binary_junk", d, _junk(1, 4096, nul=True), "not CSV text", secret=None),
        BadFile(
            "h_zip_renamed",
            d,
            b"PK\x03\x04\x14\x00\x06\x00" + _junk(2, 2000, nul=False),
            "not CSV text",
            secret=None,
        ),
        BadFile("h_utf16", d, h.encode(encoding="utf-16"), "UTF-16", secret=None),
        BadFile(
            "h_prose_not_csv",
            d,
            "Hej!\r\nDetta är ett brev, inte en export.\r\n".encode("cp1252"),
            "missing from the header",
            column="Personnummer",
            secret=None,
        ),
        BadFile(
            "h_excel_sep_line",
            d,
            b"sep=;\r\n" + h.encode(),
            "missing from the header",
            column="Personnummer",
            secret=None,
        ),
        BadFile(
            "h_duplicate_header",
            d,
            h.encode([h.lines()[0].replace("Kön", "Namn"), *h.lines()[1:]]),
            "header names a column twice",
            column="Namn",
            secret=None,
        ),
        BadFile(
            "h_missing_column",
            d,
            h.encode(
                [
                    ";".join(h.header[:-2] + h.header[-1:]),
                    *(";".join(r[:-2] + r[-1:]) for r in h.rows),
                ]
            ),
            "missing from the header",
            column="Utförare",
            secret=None,
        ),
        BadFile(
            "h_text_in_number",
            d,
            h.with_cell(17, "Beviljade timmar", f"tolv {SECRET}"),
            "not a number",
            row=17,
            column="Beviljade timmar",
        ),
        BadFile(
            "h_formula_in_number",
            d,
            h.with_cell(3, "Utförda timmar", FORMULA),
            "not a number",
            row=3,
            column="Utförda timmar",
            secret=FORMULA,
        ),
        BadFile(
            "h_impossible_date",
            d,
            h.with_cell(8, "Beslutsdatum", "2025-02-30"),
            "not a date",
            row=8,
            column="Beslutsdatum",
            secret="2025-02-30",
        ),
        BadFile(
            "h_int_overflow",
            d,
            h.with_cell(30, "Ålder", "99999999999999999999"),
            "out of range",
            row=30,
            column="Ålder",
            secret="99999999999999999999",
        ),
        BadFile(
            "h_infinite_number",
            d,
            h.with_cell(31, "Utförda timmar", "1e999"),
            "out of range",
            row=31,
            column="Utförda timmar",
            secret="1e999",
        ),
        BadFile(
            "h_extra_field",
            d,
            h.join_raw([*lines[:23], lines[23] + f";{SECRET}".encode(), *lines[24:]]),
            "wrong number of fields",
            row=23,
        ),
        BadFile(
            "h_truncated_last_row",
            d,
            h.join_raw(lines)[: -len(lines[-1]) // 2 - 2],
            "wrong number of fields",
            row=BASE_ROWS,
        ),
        BadFile(
            "h_comma_delimited_row",
            d,
            h.join_raw([*lines[:9], lines[9].replace(b";", b","), *lines[10:]]),
            "wrong number of fields",
            row=9,
            secret=None,
        ),
        BadFile(
            "h_bare_cr_in_field",
            d,
            h.with_cell(11, "Namn", f"Anna\r{SECRET}"),
            "wrong number of fields",
            row=11,
        ),
        BadFile("h_unclosed_quote", d, h.with_cell(15, "Namn", f'"Anna {SECRET}'), "quote", row=15),
        BadFile(
            "h_nul_byte_in_row",
            d,
            h.with_cell(12, "Namn", f"An\x00na {SECRET}"),
            "NUL",
            row=12,
            column="Namn",
        ),
        BadFile(
            "h_undefined_cp1252_byte",
            d,
            h.join_raw([*lines[:20], lines[20] + b"\x81", *lines[21:]]),
            "neither UTF-8 nor Windows-1252",
            row=20,
            secret=None,
        ),
        BadFile(
            "h_concatenated_with_bom",
            d,
            h.join_raw([*lines[:21], b"\xef\xbb\xbf" + lines[0], *lines[1:]]),
            "not a whole number",
            row=21,
            column="Ålder",
            secret=None,
        ),
        BadFile(
            "h_huge_field",
            d,
            h.with_cell(5, "Namn", SECRET + "A" * HUGE),
            "larger than",
            row=5,
            column="Namn",
        ),
    ]
    return out


def _bygglov(valid: bytes) -> list[BadFile]:
    b = _Csv(valid, "utf-8", "\n")
    d = "bygglov"
    lines = b.raw_lines()
    return [
        BadFile("b_empty", d, b"\xef\xbb\xbf", "source file is empty", secret=None),
        BadFile(
            "b_cp1252_in_utf8",
            d,
            b.join_raw([*lines[:39], lines[39] + "Åsa".encode("cp1252"), *lines[40:]]),
            "not valid utf-8",
            row=39,
            secret=None,
        ),
        BadFile(
            "b_text_in_int",
            d,
            b.with_cell(12, "handlaggningsdagar", f"tolv {SECRET}"),
            "not a whole number",
            row=12,
            column="handlaggningsdagar",
        ),
        BadFile(
            "b_fraction_in_int",
            d,
            b.with_cell(13, "handlaggningsdagar", "12.5"),
            "not a whole number",
            row=13,
            column="handlaggningsdagar",
            secret=None,
        ),
        BadFile(
            "b_bad_date",
            d,
            b.with_cell(7, "inkom_datum", "2023/13/45"),
            "not a date",
            row=7,
            column="inkom_datum",
            secret="2023/13/45",
        ),
        BadFile(
            "b_duplicate_header",
            d,
            b.encode([b.lines()[0].replace("beslut,", "adress,", 1), *b.lines()[1:]]),
            "header names a column twice",
            column="adress",
            secret=None,
        ),
        BadFile(
            "b_semicolon_row",
            d,
            b.join_raw([*lines[:19], lines[19].replace(b",", b";"), *lines[20:]]),
            "wrong number of fields",
            row=19,
            secret=None,
        ),
        BadFile(
            "b_nul_byte_in_row",
            d,
            b.with_cell(33, "adress", f"Storg\x00atan {SECRET}"),
            "NUL",
            row=33,
            column="adress",
        ),
        BadFile(
            "b_truncated_in_quotes",
            d,
            b.join_raw([*lines[:40], lines[40].split(b",")[0] + b',"' + SECRET.encode() + b" Kr"]),
            "quote",
            row=40,
        ),
        BadFile(
            "b_binary_junk_no_nul",
            d,
            _junk(3, 3000, nul=False),
            "neither UTF-8 nor Windows-1252",
            secret=None,
        ),
    ]


# ------------------------------------------------------------------------------ JSONL
def _kontaktcenter(valid: bytes) -> list[BadFile]:
    d = "kontaktcenter"
    text = valid.decode("utf-8")
    objs = [json.loads(line) for line in text.splitlines()[:BASE_ROWS] if line.strip()]

    def lines_with(row: int, line: str) -> bytes:
        out = [json.dumps(o, ensure_ascii=False) for o in objs]
        out[row - 1] = line
        return ("\n".join(out) + "\n").encode("utf-8")

    def obj_line(row: int, **fields: object) -> str:
        obj = dict(objs[row - 1]) | fields
        return json.dumps(obj, ensure_ascii=False)

    good = [json.dumps(o, ensure_ascii=False) for o in objs]
    deep = "[" * 100_000 + "]" * 100_000
    return [
        BadFile("k_empty", d, b"", "source file is empty", secret=None),
        BadFile("k_blank_lines_only", d, b"\n \n\n", "no records", secret=None),
        BadFile(
            "k_duplicate_key",
            d,
            lines_with(15, obj_line(15)[:-1] + ', "kategori": "Parkering"}'),
            "a field appears twice",
            row=15,
            column="kategori",
            secret=None,
        ),
        BadFile(
            "k_json_array",
            d,
            ("[\n" + ",\n".join(good) + "\n]\n").encode("utf-8"),
            "JSON array",
            secret=None,
        ),
        BadFile(
            "k_truncated_last_line",
            d,
            ("\n".join([*good[:-1], good[-1][:40]])).encode("utf-8"),
            "not valid JSON",
            row=BASE_ROWS,
            secret=None,
        ),
        BadFile(
            "k_string_not_object",
            d,
            lines_with(5, json.dumps(f"hej {SECRET}")),
            "not a JSON object",
            row=5,
        ),
        BadFile(
            "k_wrong_type",
            d,
            lines_with(9, obj_line(9, losningstid_min=f"tjugo {SECRET}")),
            "not of type int",
            row=9,
            column="losningstid_min",
        ),
        BadFile(
            "k_bool_for_int",
            d,
            lines_with(10, obj_line(10, losningstid_min=True)),
            "not of type int",
            row=10,
            column="losningstid_min",
            secret=None,
        ),
        BadFile(
            "k_nested_not_object",
            d,
            lines_with(14, obj_line(14, kontakt=f"Anna {SECRET}")),
            "not an object",
            row=14,
            column="kontakt.namn",
        ),
        BadFile(
            "k_deeply_nested",
            d,
            lines_with(3, obj_line(3, kanal="DEEP").replace('"DEEP"', deep)),
            "nested",
            row=3,
            secret=None,
        ),
        BadFile(
            "k_nan",
            d,
            lines_with(6, obj_line(6, losningstid_min="NAN").replace('"NAN"', "NaN")),
            "not valid JSON",
            row=6,
            secret=None,
        ),
        BadFile(
            "k_cp1252_bytes",
            d,
            lines_with(11, obj_line(11, kanal="CP1252")).replace(
                b"CP1252", "telefon Åsa".encode("cp1252")
            ),
            "not valid UTF-8",
            row=11,
            secret=None,
        ),
        BadFile("k_binary_junk", d, _junk(4, 3000, nul=True), "not valid UTF-8", secret=None),
        BadFile(
            "k_bom_mid_file",
            d,
            lines_with(21, "\ufeff" + obj_line(21)),
            "not valid JSON",
            row=21,
            secret=None,
        ),
        BadFile(
            "k_int_overflow",
            d,
            lines_with(
                2, obj_line(2, losningstid_min="BIG").replace('"BIG"', "99999999999999999999")
            ),
            "out of range",
            row=2,
            column="losningstid_min",
            secret="99999999999999999999",
        ),
        BadFile(
            "k_bad_timestamp",
            d,
            lines_with(18, obj_line(18, tidpunkt=f"igår {SECRET}")),
            "not a timestamp",
            row=18,
            column="tidpunkt",
        ),
        BadFile(
            "k_raw_control_char",
            d,
            lines_with(7, obj_line(7, kanal="tele\x00fon").replace("\\u0000", "\x00")),
            "not valid JSON",
            row=7,
            secret=None,
        ),
        BadFile(
            "k_huge_line",
            d,
            lines_with(4, obj_line(4, beskrivning=SECRET + "A" * HUGE)),
            "larger than",
            row=4,
            column="beskrivning",
        ),
    ]


def build_corpus(valid: dict[str, bytes]) -> list[BadFile]:
    """All bad files, from valid source files keyed by dataset name."""
    return [
        *_hemtjanst(valid["hemtjanst"]),
        *_bygglov(valid["bygglov"]),
        *_kontaktcenter(valid["kontaktcenter"]),
    ]


def valid_sources(sources_dir: Path) -> dict[str, bytes]:
    """The first rows of each generated source file (enough for every case)."""
    out = {}
    for dataset, rel in PATHS.items():
        with (sources_dir / rel).open("rb") as fh:
            out[dataset] = fh.read(1 << 20)
    return out


def main(argv: list[str]) -> int:
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from pipelines.config import Settings
    from pipelines.synth.generate import generate_all

    out = Path(argv[0] if argv else "badinput-corpus")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(Path(tmp) / "data")
        generate_all(settings, seed=7, rows=200, datasets=list(PATHS))
        corpus = build_corpus(valid_sources(settings.sources_dir))
    for case in corpus:
        target = out / case.dataset / (case.name + Path(case.path).suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(case.data)
    print(f"{len(corpus)} bad files in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
