"""Read JSON Lines exports as Arrow record batches; nested fields are addressed as ``a.b``.

The fast path is pyarrow's streaming JSON reader. When it rejects the file, a second pass
in plain Python finds the first bad line so the error can name it (pyarrow's own message
quotes data and counts rows per block): not JSON (NaN and Infinity are not), not an object,
a key twice, a parent that is not an object, a wrong type, a number out of range, nesting
too deep for Python. Values pyarrow accepts are still refused when they hold a NUL byte,
exceed ``MAX_FIELD_BYTES`` or are not finite.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from pipelines.errors import ExtractError
from pipelines.extract.convert import (
    ARROW_TYPES,
    Where,
    arrow_schema,
    convert_any,
    first_nul,
)
from pipelines.specs.model import Column

BLOCK_BYTES = 16 << 20
MAX_FIELD_BYTES = 1 << 20


class _InvalidText(Exception):
    """Internal: pyarrow let a string with invalid UTF-8 through; locate it in Python."""


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _no_constants(name: str) -> object:
    raise ValueError(name)  # NaN, Infinity, -Infinity are not JSON


def _loads(line: str) -> object:
    return json.loads(line, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


def _read_type(column: Column) -> pa.DataType:
    # Dates and timestamps arrive as text in JSON; convert them ourselves.
    return pa.string() if column.type in ("date", "timestamp") else ARROW_TYPES[column.type]


def _nest(columns: list[Column]) -> pa.Schema:
    """The explicit read schema: ``a.b`` sources become struct fields."""
    tree: dict[str, object] = {}
    for col in columns:
        parts = col.source_name.split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})  # type: ignore[assignment]
            if not isinstance(node, dict):
                raise ExtractError("source path collides with a plain field", column=col.name)
        node[parts[-1]] = _read_type(col)

    def build(node: dict[str, object]) -> list[pa.Field]:
        return [
            pa.field(k, pa.struct(build(v)) if isinstance(v, dict) else v)  # type: ignore[arg-type]
            for k, v in node.items()
        ]

    return pa.schema(build(tree))


def _struct_leaf(batch: pa.RecordBatch, path: str) -> pa.Array:
    """A nested leaf with nulls where any parent struct is null."""
    parts = path.split(".")
    array = batch.column(parts[0])
    for part in parts[1:]:
        assert isinstance(array, pa.StructArray)
        array = array.flatten()[array.type.get_field_index(part)]  # parent nulls propagate
    return array


def _value_problem(value: object, kind: str) -> str | None:
    """Why a JSON value cannot be a column of ``kind``; None when it can."""
    if kind in ("string", "date", "timestamp"):
        return None if isinstance(value, str) else f"value is not of type {kind}"
    if isinstance(value, bool):
        return None if kind == "bool" else f"value is not of type {kind}"
    if kind == "int":
        if not isinstance(value, int):
            return "value is not of type int"
        return None if -(2**63) <= value < 2**63 else "value is out of range for a whole number"
    if kind == "float":
        if not isinstance(value, int | float):
            return "value is not of type float"
        return None if math.isfinite(value) else "value is out of range for a number"
    return f"value is not of type {kind}"


def _line_problem(line: str, columns: list[Column]) -> tuple[str, str | None] | None:
    """(problem, column) for one line, or None when the line is fine."""
    if len(line) > BLOCK_BYTES:
        return f"line is longer than {BLOCK_BYTES >> 20} MiB", None
    try:
        obj = _loads(line)
    except _DuplicateKey as dup:
        return "a field appears twice in one object", dup.key
    except RecursionError:
        return "line is nested too deeply to read", None
    except ValueError:
        return "line is not valid JSON", None
    if not isinstance(obj, dict):
        return "line is not a JSON object", None
    for col in columns:
        value: object = obj
        parts = col.source_name.split(".")
        for depth, part in enumerate(parts):
            if value is None:
                break
            if not isinstance(value, dict):
                parent = ".".join(parts[:depth])
                return f"field {parent!r} is not an object", col.source_name
            value = value.get(part)
        if value is not None:
            problem = _value_problem(value, col.type)
            if problem:
                return problem, col.source_name
    return None


def _locate_error(path: Path, columns: list[Column], dataset: str) -> ExtractError:
    """Find the first line that is not a JSON object with the expected field types."""
    label = path.name
    records = 0
    with path.open("rb") as fh:  # decoded line by line, so a bad byte is found on its line
        for line_no, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                return ExtractError(
                    "file is not valid UTF-8 text", dataset=dataset, file=label, row=line_no
                )
            if not line.strip():
                continue
            records += 1
            if line_no == 1 and line.lstrip().startswith("["):
                return ExtractError(
                    "file is a JSON array, not JSON Lines (one object per line)",
                    dataset=dataset,
                    file=label,
                )
            found = _line_problem(line, columns)
            if found:
                problem, column = found
                return ExtractError(
                    problem, dataset=dataset, file=label, row=line_no, column=column
                )
    if records == 0:
        return ExtractError("source file has no records", dataset=dataset, file=label)
    return ExtractError("file could not be parsed as JSON Lines", dataset=dataset, file=label)


def _check_values(values: pa.Array, column: Column, where: Where) -> None:
    """Refuse what pyarrow accepts but a release must not hold; name row and column."""
    bad: int | None = None
    if pa.types.is_string(values.type):
        try:
            values.validate(full=True)
        except pa.ArrowInvalid:
            raise _InvalidText from None
        too_long = pc.greater(pc.binary_length(values), MAX_FIELD_BYTES)
        if pc.any(too_long).as_py():
            bad, problem = (
                pc.index(too_long, True).as_py(),
                (f"value is larger than {MAX_FIELD_BYTES >> 20} MiB"),
            )
        elif (nul := first_nul(values)) is not None:
            bad, problem = nul, "value contains a NUL byte"
    elif pa.types.is_floating(values.type):
        infinite = pc.fill_null(pc.invert(pc.is_finite(values)), False)
        if pc.any(infinite).as_py():
            bad, problem = pc.index(infinite, True).as_py(), "value is out of range for a number"
    if bad is not None:
        raise ExtractError(
            problem,
            dataset=where.dataset,
            file=where.file,
            row=where.first_row + bad,
            column=column.source_name,
        )


def read_jsonl_batches(path: Path, columns: list[Column], dataset: str) -> Iterator[pa.RecordBatch]:
    label = path.name
    if not path.exists():
        raise ExtractError("source file not found", dataset=dataset, file=str(path))
    if path.stat().st_size == 0:
        raise ExtractError("source file is empty", dataset=dataset, file=label)
    with path.open("rb") as fh:
        if fh.read(4096).lstrip()[:1] == b"[":
            raise ExtractError(
                "file is a JSON array, not JSON Lines (one object per line)",
                dataset=dataset,
                file=label,
            )
    read_schema = _nest(columns)
    schema = arrow_schema(columns)
    rows_done = 0
    try:
        reader = pajson.open_json(
            path,
            read_options=pajson.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=pajson.ParseOptions(
                explicit_schema=read_schema, unexpected_field_behavior="ignore"
            ),
        )
        for batch in reader:
            where = Where(dataset=dataset, file=label, first_row=rows_done + 1)
            arrays = []
            for col in columns:
                values = convert_any(_struct_leaf(batch, col.source_name), col, where)
                _check_values(values, col, where)
                arrays.append(values)
            rows_done += batch.num_rows
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, _InvalidText):
        raise _locate_error(path, columns, dataset) from None
    if rows_done == 0:
        raise ExtractError("source file has no records", dataset=dataset, file=label)
