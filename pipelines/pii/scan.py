"""Leak scanner: look for personal data everywhere in files a release is made of.

Parquet files are scanned in their data (every string cell, and numeric cells rendered as
text where a personnummer could hide, e.g. int64 ``198501011234``), the min/max statistics
of every column chunk in every row group, the file's key-value metadata, the Arrow schema's
metadata and every field's metadata, and the column names. CSV cells and headers, JSON
keys and values (nested), JSON Lines records and plain text lines are scanned too; folders
recursively. Findings name the file, the column or key and the row, never the value.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.pii.detectors import CHECKED_NUMERIC_KINDS, NUMERIC_KINDS, detect
from pipelines.pii.findings import Finding
from pipelines.pii.parallel import Workers, detect_many, slices

PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}
CSV_SUFFIXES = {".csv", ".tsv"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
_ARROW_SCHEMA_KEY = b"ARROW:schema"  # the serialised schema; scanned as the Arrow schema
_SNIFF_BYTES = 8192
# Integers with 9 to 12 digits can be a personnummer without separator (9: a leading zero lost).
_NUMERIC_MIN, _NUMERIC_MAX = 10**8, 10**12


@dataclass(frozen=True)
class ScanError:
    """A file that could not be read (the scan of it is incomplete)."""

    source: str
    problem: str


@dataclass
class ScanReport:
    """Everything one scan found, for the CLI and the release gate."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # binary files of unknown type
    files_scanned: int = 0

    @property
    def clean(self) -> bool:
        """No findings and nothing unreadable."""
        return not self.findings and not self.errors

    @property
    def exit_code(self) -> int:
        """2 when some input was unreadable, 1 when anything was found, else 0."""
        return 2 if self.errors else 1 if self.findings else 0

    def by_kind(self) -> Counter[str]:
        return Counter(f.kind.value for f in self.findings)

    def lines(self) -> Iterator[str]:
        """One line per finding: file, column or key, row (numbered from 1, as errors
        number them), kind, detector; no values."""
        for f in self.findings:
            row = "-" if f.row is None else str(f.row + 1)
            yield f"{f.source}\t{f.where}\trow {row}\t{f.kind.value}\t{f.detector}"

    def summary(self) -> str:
        files = len({f.source for f in self.findings})
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.by_kind().items()))
        text = f"scanned {self.files_scanned} file(s): {len(self.findings)} finding(s)" + (
            f" in {files} file(s) ({kinds})" if self.findings else ""
        )
        if self.errors:
            text += f"; {len(self.errors)} unreadable"
        if self.skipped:
            text += f"; {len(self.skipped)} binary file(s) of unknown type skipped"
        return text


# --------------------------------------------------------------------------- values
def _located(
    findings: Iterable[Finding], source: str, where: str, row: int | None
) -> list[Finding]:
    return [f.located(source=source, where=where, row=row) for f in findings]


def scan_text(text: str, *, source: str, where: str, row: int | None = None) -> list[Finding]:
    """Findings in one string value."""
    return _located(detect(text), source, where, row) if text else []


def _numeric_text(value: int) -> list[str]:
    """How an integer could be a personnummer: as written, and zero-padded to ten digits."""
    text = str(abs(value))
    return ["0" + text] if len(text) == 9 else [text]


def scan_number(value: Any, *, source: str, where: str, row: int | None = None) -> list[Finding]:
    """Findings in one numeric value (personnummer and samordningsnummer only)."""
    if isinstance(value, float):
        if not value.is_integer():
            return []
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return []
    if not _NUMERIC_MIN <= abs(value) < _NUMERIC_MAX:
        return []
    out: list[Finding] = []
    for text in _numeric_text(value):
        # A wrong check digit counts only with the century written (12 digits, 19440731...):
        # about one random ten-digit integer in fourteen has a real date in front.
        kinds = NUMERIC_KINDS if len(text) == 12 else CHECKED_NUMERIC_KINDS
        out.extend(_located(detect(text, kinds=kinds), source, where, row))
    return out


def _scan_value(value: Any, *, source: str, where: str, row: int | None) -> list[Finding]:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return scan_text(value, source=source, where=where, row=row)
    return scan_number(value, source=source, where=where, row=row)


# --------------------------------------------------------------------------- Arrow
def _string_findings(arr: pa.Array, source: str, where: str, offset: int) -> list[Finding]:
    """Every cell of a string array, each distinct text examined once."""
    if arr.null_count == len(arr):
        return []
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    encoded = pc.dictionary_encode(arr)
    distinct = len(encoded.dictionary)
    found: dict[int, list[Finding]] = {}  # only the distinct values with findings
    first = 0
    with Workers() as pool:
        for part in slices(encoded.dictionary):
            per_value = detect_many(part.to_pylist(), workers=pool)
            for i, value_findings in enumerate(per_value, start=first):
                if value_findings:
                    found[i] = value_findings
            first += len(part)
    if not found:
        return []
    hit = np.zeros(distinct + 1, dtype=bool)
    hit[list(found)] = True
    indices = encoded.indices.fill_null(distinct).to_numpy(zero_copy_only=False)
    out: list[Finding] = []
    for row in np.flatnonzero(hit[indices]):
        out.extend(_located(found[int(indices[row])], source, where, offset + int(row)))
    return out


def _numeric_findings(arr: pa.Array, source: str, where: str, offset: int) -> list[Finding]:
    """Cells of an integer or float array that could be a personnummer."""
    if pa.types.is_decimal(arr.type):
        arr = arr.cast(pa.float64())
    values = arr.fill_null(0).to_numpy(zero_copy_only=False)
    magnitude = np.abs(values.astype(np.float64))
    candidates = np.flatnonzero((magnitude >= _NUMERIC_MIN) & (magnitude < _NUMERIC_MAX))
    out: list[Finding] = []
    for row in candidates:
        value = values[row].item()
        out.extend(scan_number(value, source=source, where=where, row=offset + int(row)))
    return out


def _is_numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _is_text(t.value_type)
    return (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
    )


def _array_findings(
    arr: pa.Array, source: str, where: str, offset: int, rows: np.ndarray | None = None
) -> list[Finding]:
    """Findings in one array; ``rows`` maps positions to table rows (for list children)."""
    t = arr.type
    if pa.types.is_struct(t):
        out: list[Finding] = []
        for i in range(t.num_fields):
            child = arr.field(i)
            out.extend(_array_findings(child, source, f"{where}.{t.field(i).name}", offset, rows))
        return out
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        parents = pc.list_parent_indices(arr).to_numpy(zero_copy_only=False)
        child_rows = parents if rows is None else rows[parents]
        return _array_findings(pc.list_flatten(arr), source, f"{where}[]", offset, child_rows)
    if _is_text(t):
        if pa.types.is_binary(t) or pa.types.is_large_binary(t):
            arr = pa.array(
                [None if v is None else v.decode("utf-8", "replace") for v in arr.to_pylist()],
                type=pa.large_string(),
            )
        found = _string_findings(arr, source, where, 0)
    elif _is_numeric(t):
        found = _numeric_findings(arr, source, where, 0)
    else:
        return []
    if rows is not None:
        return [f.located(source=source, where=where, row=offset + int(rows[f.row])) for f in found]
    return [f.located(source=source, where=where, row=offset + f.row) for f in found]


def scan_table(table: pa.Table, *, source: str) -> list[Finding]:
    """Findings in every cell, column name, and schema and field metadata of ``table``."""
    out = _schema_findings(table.schema, source)
    for name, column in zip(table.column_names, table.columns, strict=True):
        offset = 0
        for chunk in column.chunks:
            out.extend(_array_findings(chunk, source, f"column {name}", offset))
            offset += len(chunk)
    return out


def _metadata_findings(
    metadata: dict[bytes, bytes] | None, source: str, label: str
) -> list[Finding]:
    out: list[Finding] = []
    for key, value in (metadata or {}).items():
        key_text = key.decode("utf-8", "replace")
        out.extend(scan_text(key_text, source=source, where=f"{label} key {key_text!r}"))
        if key == _ARROW_SCHEMA_KEY:
            continue
        text = value.decode("utf-8", "replace")
        out.extend(scan_text(text, source=source, where=f"{label} value of {key_text!r}"))
    return out


def _field_findings(f: pa.Field, source: str, path: str) -> list[Finding]:
    out = scan_text(f.name, source=source, where=f"name of column {path}")
    out.extend(_metadata_findings(f.metadata, source, f"metadata of column {path}"))
    t = f.type
    children = []
    if pa.types.is_struct(t):
        children = [t.field(i) for i in range(t.num_fields)]
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        children = [t.value_field]
    for child in children:
        out.extend(_field_findings(child, source, f"{path}.{child.name}"))
    return out


def _schema_findings(schema: pa.Schema, source: str) -> list[Finding]:
    out = _metadata_findings(schema.metadata, source, "schema metadata")
    for f in schema:
        out.extend(_field_findings(f, source, f.name))
    return out


# --------------------------------------------------------------------------- files
def scan_parquet(path: Path, source: str) -> list[Finding]:
    """Data, statistics, file and schema metadata of one Parquet file."""
    pf = pq.ParquetFile(path)
    meta = pf.metadata
    file_meta = meta.metadata or {}
    # Arrow writes the schema's metadata into the file's key-value metadata: label each
    # pair by where it came from, and scan each once.
    schema = pf.schema_arrow
    schema_meta = schema.metadata or {}
    from_schema = {k: v for k, v in file_meta.items() if schema_meta.get(k) == v}
    file_only = {k: v for k, v in file_meta.items() if k not in from_schema}
    schema_only = {k: v for k, v in schema_meta.items() if file_meta.get(k) != v}
    out = _metadata_findings(file_only, source, "file metadata")
    out.extend(_metadata_findings({**from_schema, **schema_only}, source, "schema metadata"))
    for f in schema:
        out.extend(_field_findings(f, source, f.name))
    out.extend(_statistics_findings(meta, source))
    offset = 0
    for i in range(pf.num_row_groups):  # one column of one row group in memory at a time
        for name in schema.names:
            column = pf.read_row_group(i, columns=[name]).column(0)
            chunk_offset = offset
            for chunk in column.chunks:
                out.extend(_array_findings(chunk, source, f"column {name}", chunk_offset))
                chunk_offset += len(chunk)
        offset += meta.row_group(i).num_rows
    return out


def _statistics_findings(meta: pq.FileMetaData, source: str) -> list[Finding]:
    out: list[Finding] = []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            column = group.column(c)
            stats = column.statistics
            if stats is None or not stats.has_min_max:
                continue
            for label, value in (("min", stats.min), ("max", stats.max)):
                where = f"statistics {label} of column {column.path_in_schema} (row group {g})"
                out.extend(_scan_value(value, source=source, where=where, row=None))
    return out


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def scan_csv(path: Path, source: str) -> list[Finding]:
    """Header names and every cell of a CSV file (``;``, ``,``, tab or ``|`` separated)."""
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t|", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[Finding] = []
    header = next(reader, None)
    if header is None:
        return out
    for name in header:
        out.extend(scan_text(name, source=source, where=f"name of column {name}"))
    seen: dict[str, list[Finding]] = {}
    for row, record in enumerate(reader):
        for i, cell in enumerate(record):
            if not cell:
                continue
            found = seen.get(cell)
            if found is None:
                found = detect(cell)
                if len(seen) < 100_000:
                    seen[cell] = found
            if found:
                name = header[i] if i < len(header) else f"#{i + 1}"
                out.extend(_located(found, source, f"column {name}", row))
    return out


def _walk_json(value: Any, source: str, path: str, row: int | None) -> Iterator[Finding]:
    if isinstance(value, dict):
        for key, child in value.items():
            child_path = f"{path}.{key}"
            yield from scan_text(str(key), source=source, where=f"key {child_path}", row=row)
            yield from _walk_json(child, source, child_path, row)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk_json(child, source, f"{path}[{i}]", row)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield from _scan_value(value, source=source, where=f"key {path}", row=row)


def scan_json(path: Path, source: str) -> list[Finding]:
    """Every key and value of a JSON document, nested."""
    return list(_walk_json(json.loads(_decode(path.read_bytes())), source, "$", None))


def scan_json_lines(path: Path, source: str) -> list[Finding]:
    """Every key and value of every record of a JSON Lines file (row: 0-based line)."""
    out: list[Finding] = []
    for row, line in enumerate(_decode(path.read_bytes()).splitlines()):
        if line.strip():
            out.extend(_walk_json(json.loads(line), source, "$", row))
    return out


def scan_text_file(path: Path, source: str) -> list[Finding]:
    """Every line of a text file (row: 0-based line)."""
    out: list[Finding] = []
    for row, line in enumerate(_decode(path.read_bytes()).splitlines()):
        out.extend(scan_text(line, source=source, where="line", row=row))
    return out


def _kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(b"PAR1"):
        return "parquet"
    return "binary" if b"\x00" in head else "text"


_SCANNERS = {
    "parquet": scan_parquet,
    "csv": scan_csv,
    "json": scan_json,
    "jsonl": scan_json_lines,
    "text": scan_text_file,
}


def scan_file(path: Path, report: ScanReport, *, source: str | None = None) -> None:
    """Scan one file into ``report``. An unreadable file becomes an error (with no value in
    its message); a CSV or JSON file that does not parse is still scanned as plain text."""
    source = source or str(path)
    try:
        kind = _kind_of(path)
    except OSError as exc:
        report.errors.append(ScanError(source, f"cannot be opened ({type(exc).__name__})"))
        return
    if kind == "binary":
        report.skipped.append(source)
        return
    report.findings.extend(scan_text(path.name, source=source, where="file name"))
    try:
        report.findings.extend(_SCANNERS[kind](path, source))
    except _READ_ERRORS as exc:
        report.errors.append(ScanError(source, f"cannot be read as {kind}: {_describe(exc)}"))
        if kind in ("csv", "json", "jsonl"):
            with contextlib.suppress(*_READ_ERRORS):
                report.findings.extend(scan_text_file(path, source))
    report.files_scanned += 1


_READ_ERRORS = (OSError, ValueError, pa.ArrowException, csv.Error, UnicodeDecodeError)


def _describe(exc: Exception) -> str:
    """The kind of failure and, for JSON, where: never a piece of the content."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno}, column {exc.colno}"
    return type(exc).__name__


def scan_paths(paths: list[Path]) -> ScanReport:
    """Scan files and folders (recursively, in sorted order) for personal data."""
    report = ScanReport()
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                scan_file(child, report)
        elif path.is_file():
            scan_file(path, report)
        else:
            report.errors.append(ScanError(str(path), "does not exist or is not a file"))
    return report
