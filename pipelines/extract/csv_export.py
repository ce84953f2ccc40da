"""Read CSV exports (Excel-style and their relatives) as a stream of Arrow record batches.

Real exports vary: Windows-1252 or UTF-8 with a BOM, ``;`` or ``,`` delimiters, decimal
commas, CRLF. The encoding, delimiter and decimal mark are declared in the spec or detected.
Every column is read as text and converted by ``convert``, so a bad cell fails with its
row and column, and pyarrow's own messages (which quote values) never reach the user. When
pyarrow rejects the file, a second pass with Python's csv module finds the row and says
why (unclosed quote, field count, NUL byte, oversized field). A cell larger than
``MAX_FIELD_BYTES`` is refused: no operational export has one, a broken export does.
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.csvtext import detect_delimiter, detect_encoding
from pipelines.errors import ExtractError
from pipelines.extract.convert import Where, arrow_schema, convert_text, first_nul
from pipelines.specs.model import Column, CsvSource

log = logging.getLogger(__name__)

SNIFF_BYTES = 1 << 20
BLOCK_BYTES = 16 << 20
MAX_FIELD_BYTES = 1 << 20
_INVISIBLE = "\ufeff\u00ad\u200b"


@dataclass(frozen=True)
class CsvDialect:
    encoding: str
    delimiter: str
    decimal: str
    header: list[str]


def _detect_encoding(head: bytes) -> str:
    return detect_encoding(head, complete=len(head) < SNIFF_BYTES)


def _clean_header(name: str) -> str:
    return name.strip().strip(_INVISIBLE).strip().strip('"')


def _not_utf8_at(head: bytes, line: int) -> bool:
    """True when the same line that is not Windows-1252 is not UTF-8 either."""
    lines = head.split(b"\n")
    try:
        lines[line - 1].decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _control_share(data: bytes) -> float:
    controls = sum(1 for b in data if b < 9 or 13 < b < 32)
    return controls / max(len(data), 1)


def _nul_error(head: bytes, source: CsvSource, dataset: str, label: str) -> ExtractError:
    """A NUL byte: binary junk, or one bad cell in a text export (then name row and column)."""
    at = head.index(b"\x00")
    line = head[:at].count(b"\n")  # 0: the header line
    if line == 0 or _control_share(head) > 0.01:
        return ExtractError("source file is binary, not CSV text", dataset=dataset, file=label)
    lines = head.split(b"\n")
    encoding = "utf-8" if source.encoding == "auto" else source.encoding
    header_text = lines[0].decode(encoding, errors="replace").lstrip(_INVISIBLE)
    delimiter = source.delimiter
    if delimiter == "auto":
        delimiter = detect_delimiter(header_text)
    header = [_clean_header(h) for h in next(csv.reader([header_text], delimiter=delimiter))]
    cells = next(
        csv.reader([lines[line].decode(encoding, errors="replace")], delimiter=delimiter), []
    )
    column = next((header[i] for i, c in enumerate(cells) if "\x00" in c and i < len(header)), None)
    return ExtractError(
        "value contains a NUL byte (binary data in a text export)",
        dataset=dataset,
        file=label,
        row=line,
        column=column,
    )


def sniff(path: Path, source: CsvSource, dataset: str) -> CsvDialect:
    """Work out encoding, delimiter, decimal mark and header of a CSV export."""
    label = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise ExtractError("source file not found", dataset=dataset, file=str(path)) from None
    except OSError as exc:
        raise ExtractError(
            f"source file cannot be read ({exc.strerror})", dataset=dataset, file=label
        ) from None
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        raise ExtractError("source file is empty", dataset=dataset, file=label)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExtractError(
            "file is UTF-16 text; export it as UTF-8 or Windows-1252", dataset=dataset, file=label
        )
    if b"\x00" in head:
        raise _nul_error(head, source, dataset, label)
    encoding = _detect_encoding(head) if source.encoding == "auto" else source.encoding
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ExtractError(f"unknown encoding {encoding!r} in spec", dataset=dataset) from None
    try:
        text = head.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        line = head[: exc.start].count(b"\n") + 1
        problem = (
            "file is neither UTF-8 nor Windows-1252 text (declare its encoding in the spec)"
            if source.encoding == "auto" and encoding == "cp1252" and _not_utf8_at(head, line)
            else f"file is not valid {encoding} text (declare the right encoding in the spec)"
        )
        raise ExtractError(
            problem, dataset=dataset, file=label, row=line - 1 if line > 1 else None
        ) from None
    first_line = text.lstrip(_INVISIBLE).splitlines()[0] if text.strip() else ""
    auto = source.delimiter == "auto"
    delimiter = detect_delimiter(first_line) if auto else source.delimiter
    header = [_clean_header(h) for h in next(csv.reader([first_line], delimiter=delimiter))]
    decimal = source.decimal
    if decimal == "auto":
        decimal = detect_decimal(text, delimiter)
    return CsvDialect(encoding=encoding, delimiter=delimiter, decimal=decimal, header=header)


_COMMA_NUMBER = re.compile(r"^[-+]?\d[\d \u00a0]*,\d+$")
_POINT_NUMBER = re.compile(r"^[-+]?\d+\.\d+$")
SNIFF_LINES = 1000


def detect_decimal(text: str, delimiter: str) -> str:
    """The decimal mark the sample's numbers use; by the delimiter when none shows it.

    A ``;``-separated Swedish export writes ``1,5``, but so may a tab-separated one: the
    cells decide, not the delimiter.
    """
    comma = point = 0
    lines = text.splitlines()[1 : SNIFF_LINES + 1]
    rows = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error:  # a malformed or huge cell: the full read reports it by row
            break
        for cell in row:
            cell = cell.strip()
            comma += bool(_COMMA_NUMBER.match(cell))
            point += bool(_POINT_NUMBER.match(cell))
    if comma or point:
        return "," if comma > point else "."
    return "," if delimiter == ";" else "."


def _check_header(dialect: CsvDialect, columns: list[Column], dataset: str, label: str) -> None:
    seen: set[str] = set()
    for name in dialect.header:
        if name in seen:
            raise ExtractError(
                "header names a column twice", dataset=dataset, file=label, column=name
            )
        seen.add(name)
    for col in columns:
        if col.source_name not in seen:
            raise ExtractError(
                f"column is missing from the header (delimiter {dialect.delimiter!r})",
                dataset=dataset,
                file=label,
                column=col.source_name,
            )
    extra = [name for name in dialect.header if name not in {c.source_name for c in columns}]
    if extra:
        log.warning(
            "dataset %s, file %s: %d source column(s) not in the spec, not extracted: %s",
            dataset,
            label,
            len(extra),
            ", ".join(extra),
        )


_ROW_RE = re.compile(r"[Rr]ow #?(\d+)")


def read_csv_batches(
    path: Path, source: CsvSource, columns: list[Column], dataset: str
) -> Iterator[pa.RecordBatch]:
    """Yield record batches with the spec's column names and types."""
    label = path.name
    dialect = sniff(path, source, dataset)
    _check_header(dialect, columns, dataset, label)
    bad_rows: list[int] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row.number or 0)
        return "skip"

    wanted = [c.source_name for c in columns]
    arrow_encoding = "utf8" if dialect.encoding in ("utf-8", "utf-8-sig") else dialect.encoding
    read_options = pacsv.ReadOptions(
        encoding=arrow_encoding,
        block_size=BLOCK_BYTES,
        column_names=dialect.header,
        skip_rows=1,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=dialect.delimiter,
        newlines_in_values=True,
        invalid_row_handler=on_invalid_row,
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types={name: pa.string() for name in wanted},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    schema = arrow_schema(columns)
    rows_done = 0
    try:
        reader = pacsv.open_csv(
            path,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
        for batch in reader:
            if bad_rows:
                break
            where = Where(dataset=dataset, file=label, first_row=rows_done + 1)
            arrays = []
            for col in columns:
                text = batch.column(col.source_name)
                _check_cells(text, col, where)
                arrays.append(convert_text(text, col, where, decimal=dialect.decimal))
            rows_done += batch.num_rows
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        message = str(exc)
        if isinstance(exc, UnicodeDecodeError) or "utf8" in message.lower():
            match = _ROW_RE.search(message)
            raise ExtractError(
                f"file is not valid {dialect.encoding} text (declare the encoding in the spec)",
                dataset=dataset,
                file=label,
                row=int(match.group(1)) if match else None,
            ) from None
        raise _locate_problem(path, dialect, dataset) from None
    if bad_rows:
        located = _locate_problem(path, dialect, dataset)
        if located.location.row is None and bad_rows[0]:
            located.location.row = bad_rows[0] - 1
        raise located
    if rows_done == 0:
        raise ExtractError("source file has a header but no data rows", dataset=dataset, file=label)


def _check_cells(text: pa.Array, column: Column, where: Where) -> None:
    """NUL bytes and oversized cells: named by row and column, never shown."""
    too_long = pc.greater(pc.binary_length(text), MAX_FIELD_BYTES)
    if pc.any(too_long).as_py():
        raise ExtractError(
            f"value is larger than {MAX_FIELD_BYTES >> 20} MiB",
            dataset=where.dataset,
            file=where.file,
            row=where.first_row + pc.index(too_long, True).as_py(),
            column=column.source_name,
        )
    nul = first_nul(text)
    if nul is not None:
        raise ExtractError(
            "value contains a NUL byte (binary data in a text export)",
            dataset=where.dataset,
            file=where.file,
            row=where.first_row + nul,
            column=column.source_name,
        )


def _locate_problem(path: Path, dialect: CsvDialect, dataset: str) -> ExtractError:
    """Re-read with Python's csv module to name the first record pyarrow could not parse."""
    label = path.name
    expected = len(dialect.header)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_BYTES)
    number = 0
    try:
        with path.open(encoding=dialect.encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=dialect.delimiter, strict=True)
            next(reader, None)
            for number, record in enumerate(reader, start=1):
                if record and len(record) != expected:
                    return ExtractError(
                        f"row has the wrong number of fields (expected {expected})",
                        dataset=dataset,
                        file=label,
                        row=number,
                    )
    except csv.Error as exc:
        text = str(exc)
        if "field larger" in text:
            problem = f"a field is larger than {MAX_FIELD_BYTES >> 20} MiB (an unclosed quote?)"
        elif "end of data" in text or "EOF" in text:
            problem = "a quoted field is not closed (a quote is missing)"
        else:
            problem = "a quote is misplaced (quotes inside quoted fields must be doubled)"
        return ExtractError(problem, dataset=dataset, file=label, row=number + 1)
    finally:
        csv.field_size_limit(old_limit)
    return ExtractError("file could not be parsed as CSV", dataset=dataset, file=label)


def describe_dialect(path: Path, source: CsvSource, dataset: str) -> dict[str, str]:
    d = sniff(path, source, dataset)
    return {"encoding": d.encoding, "delimiter": d.delimiter, "decimal": d.decimal}


__all__ = ["CsvDialect", "describe_dialect", "read_csv_batches", "sniff"]
