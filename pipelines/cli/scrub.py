"""``samverkan scrub INPUT --columns a,b --out OUT``: scrub free-text columns of a file.

CSV in gives CSV out with the same delimiter, encoding (BOM kept) and line endings, every
other cell byte-for-byte as it was; Parquet in gives Parquet out with the same schema and
metadata. Each personal-data finding in the named columns becomes a typed placeholder.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.atomic import write_bytes_atomic
from pipelines.csvtext import decode, detect_delimiter
from pipelines.errors import SamverkanError
from pipelines.pii.detectors import detect
from pipelines.pii.scrub import scrub_array

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scrub",
        help="replace personal data in free-text columns with placeholders",
        description="Replace every personnummer, name, phone number, e-mail or street "
        "address, fastighetsbeteckning, registration number, samordningsnummer and "
        "organisationsnummer in the named columns with a typed placeholder such as "
        "[PERSONNUMMER] or [NAMN]. CSV or Parquet in, the same format out.",
    )
    p.add_argument("input", type=Path, metavar="INPUT", help="CSV or Parquet file")
    p.add_argument("--columns", required=True, help="comma-separated column names to scrub")
    p.add_argument("--out", required=True, type=Path, help="output file (same format)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    if not columns:
        raise SamverkanError("--columns names no column")
    if not args.input.is_file():
        raise SamverkanError("input file does not exist", file=str(args.input))
    parquet_in = _is_parquet(args.input)
    if (args.out.suffix.lower() in PARQUET_SUFFIXES) != parquet_in:
        raise SamverkanError(
            f"--out must name a {'Parquet' if parquet_in else 'CSV'} file like the input "
            "(scrub writes the input's format)",
            file=str(args.out),
        )
    if parquet_in:
        counts = scrub_parquet(args.input, args.out, columns)
    else:
        counts = scrub_csv(args.input, args.out, columns)
    for column in columns:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(counts[column].items())) or "none"
        print(f"{column}: {sum(counts[column].values())} replaced ({kinds})")
    print(f"wrote {args.out}")
    return 0


PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return True
    with path.open("rb") as fh:
        return fh.read(4) == b"PAR1"


def _count(values: list[str | None]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for value in set(values):
        if value:
            n = values.count(value) if len(values) < 10_000 else 1
            for f in detect(value):
                counts[f.kind.value] += n
    return counts


# --------------------------------------------------------------------------- Parquet
def scrub_parquet(src: Path, out: Path, columns: list[str]) -> dict[str, Counter[str]]:
    """Scrub ``columns`` of a Parquet file; schema and metadata are kept."""
    try:
        table = pq.read_table(src)
    except (OSError, pa.ArrowException) as exc:
        raise SamverkanError(f"cannot read Parquet ({type(exc).__name__})", file=str(src)) from exc
    counts: dict[str, Counter[str]] = {}
    for name in columns:
        if name not in table.column_names:
            raise SamverkanError("no such column", file=str(src), column=name)
        i = table.column_names.index(name)
        column = table.column(i)
        if not _is_string(column.type):
            raise SamverkanError(f"not a text column ({column.type})", file=str(src), column=name)
        log.info("scrubbing column %s (%d rows)", name, len(column))
        counts[name] = _count(column.to_pylist())
        scrubbed = scrub_array(column)
        table = table.set_column(i, table.schema.field(i), scrubbed)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    write_bytes_atomic(out, sink.getvalue().to_pybytes())
    return counts


def _is_string(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


# --------------------------------------------------------------------------- CSV
def scrub_csv(src: Path, out: Path, columns: list[str]) -> dict[str, Counter[str]]:
    """Scrub ``columns`` of a CSV file, keeping delimiter, encoding and line endings."""
    try:
        text, encoding, bom = decode(src.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        raise SamverkanError(f"cannot read CSV ({type(exc).__name__})", file=str(src)) from exc
    first = text.split("\n", 1)[0]
    delimiter = detect_delimiter(first)
    newline = "\r\n" if "\r\n" in text[: len(first) + 2] else "\n"
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise SamverkanError("the CSV file is empty", file=str(src))
    header, body = rows[0], rows[1:]
    counts: dict[str, Counter[str]] = {}
    for name in columns:
        if name not in header:
            raise SamverkanError("no such column", file=str(src), column=name)
        i = header.index(name)
        values = [row[i] if i < len(row) else None for row in body]
        log.info("scrubbing column %s (%d rows)", name, len(values))
        counts[name] = _count(values)
        scrubbed = scrub_array(pa.array(values, type=pa.large_string())).to_pylist()
        for row, value in zip(body, scrubbed, strict=True):
            if i < len(row):
                row[i] = value
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="strict")
    write_bytes_atomic(out, (b"\xef\xbb\xbf" if bom else b"") + data)
    return counts
